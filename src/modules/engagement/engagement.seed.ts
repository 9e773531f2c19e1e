import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import type { TenantProfile } from '../../platform/tenancy/index.js'
import { insertEqualityOnce } from './engagement.equality.js'
import {
  ensureThemes,
  findDemoConsultation,
  insertConsultation,
  insertEvent,
  insertQuestion,
  insertResponseOnce,
  listQuestions,
  listThemes,
  setConsultationStatus,
} from './engagement.repository.js'
import { listWardPostcodes } from '../geography/index.js'
import type { Channel } from './engagement.rules.js'
import { createEngagementService } from './engagement.service.js'

/** A small deterministic generator, so the demo looks the same on every machine. */
function prng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

const WORRIES = [
  'More help finding work near home.',
  'Somewhere safe for teenagers to go in the evenings.',
  'Advice on debt that does not mean a trip into town.',
  'Better lighting on the estate paths.',
  'Affordable childcare so I can take more hours.',
  'Help with energy bills this winter.',
  'English classes at times that fit around work.',
  'Fix the broken play equipment.',
]

/**
 * The ward's themes (the tenant's starting four) always; in demo mode also a live "community conversation" with
 * made-up answers, clearly marked as demo. No real person is described: answers are generic and placed at real
 * postcodes of the ward only so the reach views have something to count.
 */
export async function seedEngagement(
  db: Kysely<Database>,
  tenant: TenantProfile,
  wardId: number,
  opts: { demo: boolean; responses?: number },
): Promise<{ consultationId: number | null; responses: number }> {
  await ensureThemes(db, wardId, tenant.startingThemes)
  if (!opts.demo) return { consultationId: null, responses: 0 }
  if (await findDemoConsultation(db, wardId)) return { consultationId: null, responses: 0 }
  const themes = await listThemes(db, wardId)
  const starting = themes.filter((t) => tenant.startingThemes.some((s) => s.slug === t.slug))
  const id = await insertConsultation(db, {
    wardId,
    title: 'One Norbiton community conversation',
    summary:
      'Tell us what would make the biggest difference to life in Norbiton. What you say will shape which local services are funded, across four themes: Employment and Skills, Family and Life Chances, Place and Delivery, and Financial Support. This is demonstration content.',
    allowAnonymous: true,
    themeIds: starting.map((t) => t.id),
    isDemo: true,
    createdBy: null,
  })
  const base = { wardId, consultationId: id, hint: '', themeId: null }
  await insertQuestion(db, {
    ...base,
    kind: 'themes',
    prompt: 'Which of these matter most to you?',
    hint: 'Choose up to 3.',
    required: true,
    options: [],
  })
  await insertQuestion(db, {
    ...base,
    kind: 'long_text',
    prompt: 'What one change would make the biggest difference to you or your family?',
    required: false,
    options: [],
  })
  await insertQuestion(db, {
    ...base,
    kind: 'rating',
    prompt: 'How well do local services meet your needs today?',
    hint: '1 is very poorly, 5 is very well.',
    required: false,
    options: [],
  })
  await insertQuestion(db, {
    ...base,
    kind: 'multiple',
    prompt: 'How would you like to hear what happens next?',
    required: false,
    options: ['Email', 'Letter', 'At a community event', 'Through a local group'],
  })
  await insertQuestion(db, {
    ...base,
    kind: 'ranking',
    prompt: 'If only one thing could be funded first, which would it be? Put these in order.',
    hint: 'Choose one option for each place, most important first. Use each option once.',
    required: false,
    options: [
      'Help finding work',
      'Childcare and family support',
      'Safer, better-lit streets',
      'Advice on money and debt',
    ],
  })
  await insertQuestion(db, {
    ...base,
    kind: 'place',
    prompt: 'Is there a place in Norbiton you would most like to see improved?',
    hint: 'Select a point on the map, or give a postcode, or choose an area. You can leave this out.',
    required: false,
    options: [],
  })
  await setConsultationStatus(db, id, 'open')

  const events = [
    { name: 'Demo: Cambridge Road estate coffee morning', place: 'Community room, Cambridge Road', people: 42 },
    { name: 'Demo: Norbiton station street stall', place: 'Outside Norbiton station', people: 67 },
  ]
  const eventIds: number[] = []
  for (const [i, e] of events.entries())
    eventIds.push(
      await insertEvent(db, {
        wardId,
        name: e.name,
        place: e.place,
        postcode: null,
        heldOn: `2026-11-${String(10 + i * 7).padStart(2, '0')}`,
        runBy: 'Demo outreach team',
        peopleSpokenTo: e.people,
        isDemo: true,
        createdBy: null,
      }),
    )

  const postcodes = await listWardPostcodes(db, wardId)
  const questions = await listQuestions(db, id)
  const service = createEngagementService({ db, write: (work) => db.transaction().execute(work) })
  const rand = prng(20261126)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
  // Roughly what an outreach-led conversation collects: online most, then events, paper, doorstep, phone, assisted.
  const channels: [Channel, number][] = [
    ['online', 0.4],
    ['event', 0.2],
    ['paper', 0.15],
    ['doorstep', 0.12],
    ['phone', 0.08],
    ['assisted', 0.05],
  ]
  const n = opts.responses ?? 160
  for (let i = 0; i < n; i++) {
    let r = rand()
    const channel = channels.find(([, p]) => (r -= p) < 0)?.[0] ?? 'online'
    const postcode = postcodes.length > 0 ? pick(postcodes) : null
    const chosen = [...starting].sort(() => rand() - 0.5).slice(0, 1 + Math.floor(rand() * 3))
    const answers = [
      {
        questionId: questions[0]!.id,
        value: JSON.stringify(starting.filter((t) => chosen.includes(t)).map((t) => t.slug)),
      },
    ]
    if (rand() < 0.7) answers.push({ questionId: questions[1]!.id, value: pick(WORRIES) })
    answers.push({ questionId: questions[2]!.id, value: String(1 + Math.floor(rand() * 5)) })
    await insertResponseOnce(db, {
      wardId,
      consultationId: id,
      submissionKey: `demo-engagement-${i + 1}-00000000`,
      channel,
      postcode,
      areaCode: await service.placePostcode(wardId, postcode),
      respondentUserId: null,
      enteredByUserId: null,
      eventId: channel === 'event' ? pick(eventIds) : null,
      respondedOn: `2026-11-${String(1 + Math.floor(rand() * 25)).padStart(2, '0')}`,
      isDemo: true,
      answers,
    })
    // About half of online respondents answer the equality questions (demo values, prefer-not-to-say included).
    if (rand() < 0.5)
      await insertEqualityOnce(db, {
        wardId,
        consultationId: id,
        submissionKey: `demo-equality-${i + 1}-00000000`,
        isDemo: true,
        answers: {
          age_band: pick(['16-24', '25-34', '35-49', '50-64', '65+', 'prefer-not-to-say']),
          sex: pick(['female', 'male', 'prefer-not-to-say']),
          ethnic_group: pick(['white', 'white', 'asian', 'black', 'mixed', 'other']),
          disability: pick(['yes', 'no', 'no', 'no']),
          carer: pick(['yes', 'no', 'no']),
        },
      })
  }
  return { consultationId: id, responses: n }
}
