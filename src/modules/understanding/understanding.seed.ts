import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import { findUserByEmail } from '../accounts/index.js'
import { listWardThemes } from '../engagement/index.js'
import { seededRandom } from './kmeans.js'
import {
  addEvidence,
  ensureFrame,
  insertNeed,
  listCodings,
  insertStatement,
  insertText,
  listFrame,
  listStatements,
  listTexts,
  saveCoding,
  saveModel,
  saveVote,
} from './understanding.repository.js'
import { inDoubleSample, loadWorkspace, trainFromWorkspace } from './understanding.service.js'

/**
 * DEMO coding set. Written by hand for this demonstration in the varied, uneven way residents write (short and
 * long, misspelt, several topics at once), not generated from templates: figures measured on templates flatter a
 * classifier because the same phrases recur. They are still made up, by one author, about no real person or
 * event, and every row is marked is_demo; precision and recall measured on them describe this demo set only.
 *
 * Codes: E employment and skills, F family and life chances, P place and delivery, M financial support; H (health)
 * and O (getting online) are topics the starting frame does not cover, so clustering has something to find.
 */
const CORPUS: [string, string][] = [
  ['E', 'Is there anywhere local that helps with CVs? The jobcentre just tells you to look online'],
  ['E', 'My son is 17 and left college, he wants an apprenticeship but has no idea where to start'],
  ['E', 'English lessons in the evening please, I work days in a warehouse'],
  ['E', 'Would love to retrain but every course is 9 till 3 which is impossible with my shifts'],
  [
    'E',
    'Work experience with local businesses for school leavers. Lots of shops on the high street could take someone',
  ],
  ['E', 'I have been out of work since covid and my confidence has gone. A jobs club where you are not judged'],
  ['E', 'help with interviews. I get to interview stage then freeze'],
  [
    'E',
    'Construction jobs are going on all around us but none of the lads from here get them. CSCS card courses would help',
  ],
  ['E', 'More adult education in the area, even basic maths. I never got my GCSEs'],
  ['E', 'Can the college run courses here rather than us travelling to town'],
  ['E', 'After 8 years at home with the kids I need help getting back to work, my skills are out of date'],
  ['E', "I'm 58 and nobody will hire me. Computer skills training for people my age"],
  ['E', 'Volunteering that leads to a proper job'],
  ['E', 'There are no decent jobs locally, only zero hours contracts'],
  ['E', "my daughter wants to be an electrician but the apprenticeships want experience she can't get"],
  ['E', 'ESOL classes!! The waiting list at the college is months long'],
  ['E', 'Careers advice for young people that isnt just a leaflet'],
  ['E', 'I would like help starting a small business, I do nails from home'],
  ['E', 'Some kind of mentoring for young men, to get them into work and off the street corners'],
  ['E', "Being able to get qualifications for care work locally, there's loads of care jobs"],
  ['F', 'Nothing for teenagers round here after 6pm, so they hang about the stairwells'],
  ['F', 'Childcare is the biggest thing. Nursery costs more than my rent'],
  ['F', 'The youth club closed years ago and nothing replaced it'],
  ['F', 'Holiday clubs for kids during summer. Six weeks is a long time with no money'],
  ['F', "A mums and toddlers group that isn't full by 9am"],
  ['F', 'My son has autism and we waited two years for support. Help for SEND families'],
  ['F', "Parenting classes that don't make you feel like a bad parent"],
  ['F', 'After school club near the primary please, I finish work at 5'],
  ['F', 'Somewhere for the kids to play football in the evenings that has lights'],
  ['F', 'Free breakfast club so parents can get to work on time'],
  ['F', 'Help for young carers, my daughter looks after me and misses out'],
  ['F', 'Family support worker who comes to you, not just a phone number'],
  ['F', "Stop closing children's centres. We used the one on the estate every week"],
  ['F', 'More things for girls to do, everything is football'],
  ['F', "Activities for children in the half term that don't cost £20 a day"],
  ['F', 'My grandson got caught up with the wrong crowd. Youth workers who know the kids'],
  ['F', 'Affordable nursery places near the estate so I can go back to work'],
  ['F', 'Baby groups in other languages, I felt very alone when my daughter was born'],
  ['F', 'Support for dads as well, everything is aimed at mums'],
  ['F', 'Homework club with computers for kids who dont have one at home'],
  ['P', 'The lights on the path behind the blocks have been out for months, its scary at night'],
  ['P', 'Fly tipping by the garages every week, mattresses, fridges, you name it'],
  ['P', 'Damp in our flat is making my kids ill and the council keeps sending someone to paint over it'],
  ['P', "The lift in our block is broken again, I'm on the 9th floor with a pram"],
  ['P', 'Cambridge Road is dangerous to cross at school time'],
  ['P', 'More trees and benches, the estate is all concrete'],
  ['P', 'Clean the estate properly. Litter and dog mess everywhere'],
  ['P', 'Bus at night is every half hour at best'],
  ['P', 'The playground equipment is broken and has been taped off since spring'],
  ['P', 'Better CCTV in the car park, two cars broken into this month'],
  ['P', 'Repairs take forever. Reported a leak in March, still waiting'],
  ['P', 'Somewhere to grow vegetables, a community garden would be lovely'],
  ['P', 'Bins overflowing by Thursday, need more collections'],
  ['P', 'Speed bumps on the road by the school, cars fly down there'],
  ['P', 'The rebuilding work means we live on a building site. Noise from 7am'],
  ['P', 'Fix the pavements, my mum uses a walker and keeps tripping'],
  ['P', 'A proper community centre that is open in the evenings and weekends'],
  ['P', 'Cycle racks that are secure, bikes get stolen constantly'],
  ['P', 'The underpass smells and nobody wants to walk through it'],
  ['P', "keep the green open, don't build on it"],
  ['M', 'Our energy bills have doubled and we are choosing between heating and eating'],
  ['M', "Debt advice locally. I'm too embarrassed to go into town about it"],
  ['M', "The food bank is great but you need a voucher and it's a bus ride away"],
  ['M', 'Help filling in benefit forms, universal credit is a nightmare'],
  ['M', "I'm behind on my rent and scared of being evicted"],
  ['M', "A credit union so people don't use loan sharks"],
  ['M', 'school uniform costs are crazy, a swap shop would help'],
  ['M', 'Warm spaces in winter where you can sit without having to buy anything'],
  ['M', 'Nobody told me I could claim pension credit, I missed out for 3 years'],
  ['M', 'Budgeting help. Everything costs more and the money runs out by the 20th'],
  ['M', 'A community fridge or pantry, cheaper food for members'],
  ['M', 'Help with council tax arrears, the letters are terrifying'],
  ['M', 'Money advice at the library or GP surgery, places people already go'],
  ['M', 'Free period products at the community centre'],
  ['M', 'Energy advice to make the flat cheaper to heat, the windows are old'],
  ['M', 'Cost of living is the main thing. Wages havent gone up but everything else has'],
  ['M', 'Some families here go without hot meals. Community kitchen or cheap café'],
  ['M', "Help with funeral costs, my neighbour couldn't afford to bury her husband"],
  ['EF', "Jobs for parents that fit around school hours, and childcare that doesn't cost a whole wage"],
  ['EF', 'Apprenticeships for teenagers, keep them busy and give them a future'],
  ['PF', 'The park needs fixing up so the kids have somewhere safe to play'],
  ['PF', 'Safer walking route to school, my kids cross Cambridge Road every day'],
  ['MF', 'Free school holiday meals, families are struggling'],
  ['MF', 'Cheap or free activities for children, we cant afford clubs anymore'],
  ['ME', 'Help with the cost of travel to work, the bus fares add up'],
  ['ME', 'Help finding better paid work. I have two jobs and still cant pay the bills'],
  ['PM', 'Insulation for the flats so bills come down. Ours is freezing'],
  ['PF', 'Youth space in the new community building, with proper lighting outside'],
  ['EM', 'Employment advice and benefits advice in the same place, at the same time'],
  ['H', "Impossible to get a GP appointment, phone at 8am and they're all gone by 8.05"],
  ['H', 'My teenager has been waiting nearly a year for CAMHS'],
  ['H', "No NHS dentist taking patients, had to go private and couldn't afford it"],
  ['H', 'Mental health support for adults that isnt a 6 month wait'],
  ['H', 'A drop-in health clinic on the estate for things like blood pressure'],
  ['H', 'I have anxiety and just need someone to talk to now and then'],
  ['H', 'The pharmacy closed and now the nearest one is a long walk'],
  ['H', 'Support for people with dementia and their families'],
  ['H', "Loneliness is a big issue for older people here, some don't see anyone for days"],
  ['H', 'More help for people with drink and drug problems'],
  ['H', 'Health visitors should come more than once, I struggled after my baby'],
  ['H', 'Someone to help my dad manage his diabetes'],
  ['O', "I haven't got internet at home, everything is online now"],
  ['O', 'Free wifi in the community centre and library'],
  ['O', 'Somebody to show me how to use my phone to book appointments'],
  ['O', 'Laptop loan scheme for school children'],
  ['O', 'Broadband is too expensive, a social tariff or something'],
  ['O', "Online forms for everything and I can't use a computer. I feel left behind"],
  ['O', 'Digital help sessions for older people, patient ones'],
  ['O', "Phone data runs out and then the kids can't do homework"],
]
const NOT_ENGLISH = [
  'Potrzebujemy więcej zajęć dla dzieci po szkole i tańszej opieki.',
  'Nie ma gdzie pójść wieczorem, młodzież nie ma żadnych zajęć.',
  'Necesitamos más ayuda con las facturas de la luz y el gas.',
  'Hay mucha basura en las calles y no hay luz por la noche.',
  'نحتاج إلى مساعدة في العثور على عمل قريب من المنزل',
  'الأطفال يحتاجون إلى مكان آمن للعب في المساء',
  'Нам нужна помощь с оплатой счетов за отопление.',
  'আমাদের বাচ্চাদের জন্য আরও ক্লাব দরকার',
  'Precisamos de mais cursos de inglês à noite para os pais.',
  'Waxaan u baahanahay caawimaad ku saabsan biilasha iyo kirada.',
]
const SLUG: Record<string, string> = {
  E: 'employment-and-skills',
  F: 'family-and-life-chances',
  P: 'place-and-delivery',
  M: 'financial-support',
}

/**
 * DEMO opinion statements, as an officer might draw them from the answers above, and the typical vote of three
 * made-up camps of demo voters on each (a = agree, d = disagree, p = pass). Demo voters are "demo:<n>", not
 * accounts; each strays from their camp now and then and skips some statements, as people do.
 */
const STATEMENTS: { body: string; camps: [string, string, string] }[] = [
  { body: 'Youth clubs should open later on Friday and Saturday evenings.', camps: ['a', 'd', 'a'] },
  { body: 'Affordable childcare near the estate matters more than new play equipment.', camps: ['a', 'd', 'p'] },
  { body: 'Money advice should be offered on the estate, not only in town.', camps: ['a', 'a', 'p'] },
  { body: 'Fixing repairs should come before any new project.', camps: ['p', 'a', 'd'] },
  { body: 'Evening English classes would help people into work.', camps: ['a', 'p', 'a'] },
  { body: 'Lighting on the estate paths needs to be fixed.', camps: ['a', 'a', 'a'] },
  { body: 'Children need a safer way to cross Cambridge Road to school.', camps: ['a', 'a', 'a'] },
  { body: 'Parking matters more than new cycle racks.', camps: ['d', 'a', 'd'] },
  { body: 'A community garden would be a good use of the green space.', camps: ['a', 'p', 'a'] },
  { body: 'Services should be online first, with help for anyone who cannot get online.', camps: ['p', 'd', 'a'] },
  { body: 'Warm spaces should stay open all winter.', camps: ['a', 'a', 'p'] },
  {
    body: 'Apprenticeships with local employers should be the first priority for young people.',
    camps: ['a', 'p', 'a'],
  },
]
const PROPOSALS = ['The community centre should be open at weekends.', 'Bins should be collected twice a week.']

export async function seedUnderstandingDemo(
  db: Kysely<Database>,
  opts: { wardId: number; officerEmail: string; secondCoderEmail: string; areaCodes?: string[] },
): Promise<{ texts: number; coded: number; statements: number; votes: number }> {
  const { wardId } = opts
  await ensureFrame(db, wardId, await listWardThemes(db, wardId))
  if ((await listTexts(db, wardId)).some((t) => t.isDemo)) return { texts: 0, coded: 0, statements: 0, votes: 0 }
  const engagement = await listWardThemes(db, wardId)
  const frame = await listFrame(db, wardId)
  const themeOf = (code: string) => {
    const e = engagement.find((t) => t.slug === SLUG[code])
    return frame.find((f) => e && f.engagementThemeId === e.id)?.id
  }
  const officer = await findUserByEmail(db, opts.officerEmail)
  const second = await findUserByEmail(db, opts.secondCoderEmail)
  const rand = seededRandom(424242)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
  const areas = opts.areaCodes ?? []
  // Spread over the last six months, so a need's evidence has a change over time to show.
  const start = Date.now()
  const when = () => new Date(start - Math.floor(rand() * 182) * 86_400_000).toISOString()

  const texts: { body: string; labels: number[]; kind: 'theme' | 'new' | 'foreign' }[] = [
    ...CORPUS.map(([codes, body]) => {
      const labels = [...codes].map(themeOf).filter((x): x is number => x !== undefined)
      return { body, labels, kind: /^[HO]$/.test(codes) ? ('new' as const) : ('theme' as const) }
    }),
    ...NOT_ENGLISH.map((body) => ({ body, labels: [], kind: 'foreign' as const })),
  ]

  let coded = 0
  const refs: string[] = []
  for (const t of texts) {
    const id = await insertText(db, wardId, {
      body: t.body,
      areaCode: areas.length ? pick(areas) : null,
      isDemo: true,
      createdAt: when(),
    })
    const ref = `text:${id}`
    refs.push(ref)
    if (!officer) continue
    // About three quarters of theme comments and a third of the others arrive already coded; the rest are left
    // for the queue and for suggestions.
    const codeIt = t.kind === 'theme' ? rand() < 0.75 : t.kind === 'new' ? rand() < 0.33 : false
    if (!codeIt) continue
    await saveCoding(db, wardId, {
      itemRef: ref,
      coderUserId: officer.id,
      themeIds: t.labels,
      isOther: t.kind === 'new',
    })
    coded += 1
    if (second && inDoubleSample(ref)) {
      // The second coder mostly agrees; sometimes misses a theme or adds one, as independent coders do.
      let labels = [...t.labels]
      const r = rand()
      if (r < 0.1 && labels.length > 1) labels = labels.slice(0, 1)
      else if (r < 0.2) labels = [...new Set([...labels, themeOf(pick(Object.keys(SLUG)))!])]
      await saveCoding(db, wardId, {
        itemRef: ref,
        coderUserId: second.id,
        themeIds: labels,
        isOther: t.kind === 'new',
      })
    }
  }
  if (officer) await seedNeedsDemo(db, wardId, officer.id, themeOf)
  // Train suggestions once, so the demo overview shows the model and how it was measured from the start.
  const trained = trainFromWorkspace(await loadWorkspace(db, wardId))
  if (trained)
    await saveModel(db, wardId, {
      trainedOn: trained.trainedOn,
      heldOut: trained.heldOut,
      modelJson: JSON.stringify(trained.model),
      evaluationJson: JSON.stringify(trained.evaluation),
    })
  const opinions = await seedOpinionDemo(db, wardId, officer?.id ?? null)
  return { texts: texts.length, coded, ...opinions }
}

/** DEMO needs, evidenced by the coded demo answers that speak to them (chosen by words an officer would look for). */
const NEEDS: { statement: string; code: string; words: RegExp }[] = [
  {
    statement: 'Affordable childcare and nursery places near the estate (demo)',
    code: 'F',
    words: /childcare|nursery|after school|breakfast club|toddler/i,
  },
  {
    statement: 'Help with energy bills and somewhere warm in winter (demo)',
    code: 'M',
    words: /energy|heating|warm|bills|freezing|insulation/i,
  },
  {
    statement: 'Things for children and young people to do, after school and in the holidays (demo)',
    code: 'F',
    words: /teen|youth|young|kids|child|girls|club|holiday|play|football|homework/i,
  },
]

async function seedNeedsDemo(
  db: Kysely<Database>,
  wardId: number,
  officerId: number,
  themeOf: (code: string) => number | undefined,
): Promise<void> {
  const [texts, codings] = await Promise.all([listTexts(db, wardId), listCodings(db, wardId)])
  const coded = new Set(codings.map((c) => c.itemRef))
  for (const n of NEEDS) {
    const id = await insertNeed(db, wardId, {
      statement: n.statement,
      themeId: themeOf(n.code) ?? null,
      byUserId: officerId,
    })
    const refs = texts.filter((t) => coded.has(`text:${t.id}`) && n.words.test(t.body)).map((t) => `text:${t.id}`)
    if (refs.length) await addEvidence(db, wardId, id, refs, officerId)
  }
}

/** DEMO statements (officer-drawn, plus two resident proposals awaiting approval) and DEMO votes. */
async function seedOpinionDemo(
  db: Kysely<Database>,
  wardId: number,
  officerId: number | null,
): Promise<{ statements: number; votes: number }> {
  if ((await listStatements(db, wardId)).some((s) => s.isDemo)) return { statements: 0, votes: 0 }
  const ids: number[] = []
  for (const s of STATEMENTS)
    ids.push(
      await insertStatement(db, wardId, {
        body: s.body,
        origin: 'officer',
        sourceRef: null,
        status: 'published',
        byUserId: officerId,
        isDemo: true,
      }),
    )
  for (const body of PROPOSALS)
    await insertStatement(db, wardId, {
      body,
      origin: 'resident',
      sourceRef: null,
      status: 'pending',
      byUserId: null,
      isDemo: true,
    })
  const rand = seededRandom(77)
  const word = { a: 'agree', d: 'disagree', p: 'pass' } as const
  const all = ['agree', 'disagree', 'pass'] as const
  let votes = 0
  // Three camps of unequal size (60, 45, 35 demo voters).
  const camps = [60, 45, 35]
  let n = 0
  for (const [c, size] of camps.entries())
    for (let p = 0; p < size; p++) {
      n += 1
      for (const [j, s] of STATEMENTS.entries()) {
        if (rand() < 0.25) continue // not seen, or left without a vote
        const typical = word[s.camps[c]! as 'a' | 'd' | 'p']
        const vote = rand() < 0.15 ? all[Math.floor(rand() * 3)]! : typical
        await saveVote(db, wardId, { statementId: ids[j]!, voterKey: `demo:${n}`, vote, isDemo: true })
        votes += 1
      }
    }
  return { statements: STATEMENTS.length + PROPOSALS.length, votes }
}
