import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import { findUserByEmail } from '../accounts/index.js'
import { listNeeds } from '../understanding/index.js'
import { nameKey, type Choices } from './ballot.rules.js'
import {
  decideProposal,
  findRound,
  insertBallot,
  insertOption,
  insertProposal,
  insertRound,
  insertVoted,
  listProposals,
  setStatus,
  type NewOption,
  type RoundSettings,
} from './prioritisation.repository.js'
import { createPrioritisationService } from './prioritisation.service.js'

/** Fictional options for trying the pilot, one or two per starting theme, with plausible yearly costs. */
const DEMO_OPTIONS: NewOption[] = [
  {
    title: 'Weekly job club at the library (demo)',
    description: 'CV help, interview practice and job searching with a trained adviser, every Tuesday.',
    theme: 'employment-and-skills',
    place: 'Norbiton library',
    costPence: 1_800_000,
  },
  {
    title: 'Digital skills drop-in for adults (demo)',
    description: 'Help with phones, email, online forms and staying safe online.',
    theme: 'employment-and-skills',
    place: 'Community centre',
    costPence: 950_000,
  },
  {
    title: 'After-school youth club (demo)',
    description: 'Three evenings a week of sport, music and homework help for 11 to 18 year olds.',
    theme: 'family-and-life-chances',
    place: 'Cambridge Road Estate',
    costPence: 2_400_000,
  },
  {
    title: 'Parent and toddler group (demo)',
    description: 'A weekly group with a family support worker for parents of children under 4.',
    theme: 'family-and-life-chances',
    place: 'Church hall',
    costPence: 750_000,
  },
  {
    title: 'Pocket park and benches (demo)',
    description: 'Planting, seating and lighting on an unused corner, looked after with residents.',
    theme: 'place-and-delivery',
    place: 'Near Norbiton station',
    costPence: 3_200_000,
  },
  {
    title: 'Debt and benefits advice surgery (demo)',
    description: 'Free, confidential advice from a qualified adviser twice a week.',
    theme: 'financial-support',
    place: 'Community centre',
    costPence: 1_500_000,
  },
  {
    title: 'Warm hub on winter evenings (demo)',
    description: 'A warm, welcoming space with hot drinks and activities from November to March.',
    theme: 'financial-support',
    place: 'Church hall',
    costPence: 600_000,
  },
]

const DEMO_SETTINGS: RoundSettings = {
  title: 'Demo: what should Norbiton fund first?',
  description:
    'A demonstration round with made-up options and ballots, so you can see how voting and results work. ' +
    'Nothing here is real.',
  ballotType: 'approval',
  ruleId: 'mes',
  budgetPence: 6_000_000,
  minChoices: 1,
  maxChoices: 4,
  rankK: 0,
  pointsTotal: 0,
  minVotes: null,
  allowChange: true,
  minAge: 16,
  proposalsOpen: false,
  fundId: null,
}

/**
 * Demo rounds for the pilot ward, both marked demo: one closed and counted (with generated ballots, so the
 * results page, the API and the .pb download show something) and one open for trying the ballot. Does nothing
 * when the ward already has a demo round.
 */
export async function seedDemoRound(
  db: Kysely<Database>,
  ward: { id: number; code: string; name: string },
): Promise<{ created: boolean }> {
  const existing = await db
    .selectFrom('prioritisation_round')
    .select('id')
    .where('ward_id', '=', ward.id)
    .where('is_demo', '=', 1)
    .executeTakeFirst()
  if (existing) return { created: false }
  const service = createPrioritisationService({
    db,
    write: (work) => db.transaction().execute(work),
    // Seeded ballots are entered like paper ones and carry no replacement token, so no key is ever used.
    secretKey: 'seed',
  })

  const closedId = await insertRound(db, ward.id, DEMO_SETTINGS, null, true)
  for (const o of DEMO_OPTIONS) await insertOption(db, closedId, o, true)
  const optionIds = (
    await db.selectFrom('prioritisation_option').select('id').where('round_id', '=', closedId).orderBy('id').execute()
  ).map((r) => Number(r.id))
  await setStatus(db, closedId, 'draft', 'open')
  // Deterministic made-up ballots: popularity differs by option so the rules have something to explain.
  const weights = [0.55, 0.3, 0.6, 0.35, 0.25, 0.5, 0.4]
  let state = 20261126
  const next = () => {
    state = (state * 1103515245 + 12345) % 2147483648
    return state / 2147483648
  }
  for (let v = 0; v < 48; v++) {
    let ids = optionIds.filter((_, i) => next() < (weights[i] ?? 0.3))
    if (ids.length === 0) ids = [optionIds[v % optionIds.length]!]
    const choices: Choices = { kind: 'set', ids: ids.slice(0, DEMO_SETTINGS.maxChoices) }
    await insertVoted(db, {
      roundId: closedId,
      personKey: `demo:${v}`,
      userId: null,
      nameKey: nameKey(`demo voter ${v}`, 'KT2 7AA'),
      channel: 'paper',
      tokenHash: null,
      enteredBy: null,
    })
    await insertBallot(db, closedId, choices, null)
  }
  const closed = (await findRound(db, ward.id, closedId))!
  await service.close(closed, ward)

  const openId = await insertRound(
    db,
    ward.id,
    {
      ...DEMO_SETTINGS,
      title: 'Demo: fill the basket for 2027',
      description:
        'A demonstration budget basket: choose the options you would fund, up to the budget. Made-up options; ' +
        'your ballot is stored but this round decides nothing.',
      ballotType: 'basket',
      ruleId: 'greedy',
      minChoices: 1,
      maxChoices: 0,
    },
    null,
    true,
  )
  for (const o of DEMO_OPTIONS) await insertOption(db, openId, o, true)
  await setStatus(db, openId, 'draft', 'open')
  return { created: true }
}

/**
 * A demo draft round taking residents' suggestions (run after the understanding demo, so an option can
 * answer one of its recorded needs): one option made from a need, one suggestion from the demo resident
 * waiting for officers and one already rejected with its reason. Does nothing when it exists.
 */
export async function seedDemoProposals(
  db: Kysely<Database>,
  ward: { id: number },
  opts: { residentEmail: string },
): Promise<{ created: boolean }> {
  const existing = await db
    .selectFrom('prioritisation_round')
    .select('id')
    .where('ward_id', '=', ward.id)
    .where('is_demo', '=', 1)
    .where('proposals_open', '=', 1)
    .executeTakeFirst()
  if (existing) return { created: false }
  const id = await insertRound(
    db,
    ward.id,
    {
      ...DEMO_SETTINGS,
      title: 'Demo: suggest options for summer 2027',
      description:
        'A demonstration draft round taking suggestions from residents. Officers check each one before it can go ' +
        'on a ballot. Made-up content; this round decides nothing.',
      proposalsOpen: true,
    },
    null,
    true,
  )
  const need = (await listNeeds(db, ward.id))[0]
  await insertOption(
    db,
    id,
    {
      title: 'Summer activity sessions for young people (demo)',
      description: 'Free sport and arts sessions in the school holidays.',
      theme: 'place-and-delivery',
      place: 'Norbiton',
      costPence: 1_500_000,
      needId: need?.id ?? null,
    },
    true,
  )
  const resident = await findUserByEmail(db, opts.residentEmail)
  if (resident) {
    const userId = Number(resident.id)
    await insertProposal(
      db,
      id,
      {
        title: 'Planters along Cambridge Road (demo)',
        description: 'Flower planters and benches so the walk to the shops is greener and has somewhere to rest.',
        place: 'Cambridge Road',
        userId,
      },
      true,
    )
    await insertProposal(
      db,
      id,
      {
        title: 'Free parking on the high street (demo)',
        description: 'Make parking free for shoppers.',
        place: '',
        userId,
      },
      true,
    )
    const rejected = (await listProposals(db, id)).at(-1)
    if (rejected)
      await decideProposal(db, id, rejected.id, {
        accept: false,
        reason: 'Parking charges are set by the council’s parking service, not by this fund (demo reason).',
        byUserId: null,
      })
  }
  return { created: true }
}
