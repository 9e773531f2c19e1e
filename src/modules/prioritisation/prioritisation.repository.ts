import { randomBytes } from 'node:crypto'
import type { Kysely, Selectable, Transaction } from 'kysely'
import type { Database, Flag } from '../../platform/db/index.js'
import { projectId, type Choices, type RoundRules } from './ballot.rules.js'
import { isRuleId } from './rules/index.js'
import type {
  BallotType,
  OptionStatus,
  PrioritisationOptionTable,
  PrioritisationRoundTable,
  RoundStatus,
} from './prioritisation.tables.js'

type Db = Kysely<Database> | Transaction<Database>

export interface Round {
  id: number
  wardId: number
  title: string
  description: string
  status: RoundStatus
  rules: RoundRules
  allowChange: boolean
  minAge: number
  proposalsOpen: boolean
  fundId: number | null
  fundAllocatedAt: string | null
  isDemo: boolean
  hasResult: boolean
  openedAt: string | null
  closedAt: string | null
  createdAt: string
}

export interface RoundOption {
  id: number
  roundId: number
  title: string
  description: string
  theme: string
  place: string
  costPence: number
  isDemo: boolean
  needId: number | null
  status: OptionStatus
  proposedBy: number | null
  decisionReason: string | null
}

export interface RoundSettings {
  title: string
  description: string
  ballotType: BallotType
  ruleId: string
  budgetPence: number
  minChoices: number
  maxChoices: number
  rankK: number
  pointsTotal: number
  minVotes: number | null
  allowChange: boolean
  minAge: number
  proposalsOpen: boolean
  /** The ward's pooled fund the budget comes from, when the ward has one. */
  fundId: number | null
}

function toRound(r: Selectable<PrioritisationRoundTable>): Round {
  const ruleId = isRuleId(r.rule_id) ? r.rule_id : 'greedy'
  return {
    id: Number(r.id),
    wardId: Number(r.ward_id),
    title: r.title,
    description: r.description,
    status: r.status,
    rules: {
      ballotType: r.ballot_type,
      ruleId,
      budgetPence: Number(r.budget_pence),
      minChoices: Number(r.min_choices),
      maxChoices: Number(r.max_choices),
      rankK: Number(r.rank_k),
      pointsTotal: Number(r.points_total),
      minVotes: r.min_votes === null ? null : Number(r.min_votes),
    },
    allowChange: Number(r.allow_change) === 1,
    minAge: Number(r.min_age),
    proposalsOpen: Number(r.proposals_open) === 1,
    fundId: r.fund_id === null ? null : Number(r.fund_id),
    fundAllocatedAt: r.fund_allocated_at,
    isDemo: Number(r.is_demo) === 1,
    hasResult: r.result_json !== null,
    openedAt: r.opened_at,
    closedAt: r.closed_at,
    createdAt: r.created_at,
  }
}

function toOption(r: Selectable<PrioritisationOptionTable>): RoundOption {
  return {
    id: Number(r.id),
    roundId: Number(r.round_id),
    title: r.title,
    description: r.description,
    theme: r.theme,
    place: r.place,
    costPence: Number(r.cost_pence),
    isDemo: Number(r.is_demo) === 1,
    needId: r.need_id === null ? null : Number(r.need_id),
    status: r.status,
    proposedBy: r.proposed_by_user_id === null ? null : Number(r.proposed_by_user_id),
    decisionReason: r.decision_reason,
  }
}

const settingsColumns = (s: RoundSettings) => ({
  title: s.title,
  description: s.description,
  ballot_type: s.ballotType,
  rule_id: s.ruleId,
  budget_pence: s.budgetPence,
  min_choices: s.minChoices,
  max_choices: s.maxChoices,
  rank_k: s.rankK,
  points_total: s.pointsTotal,
  min_votes: s.minVotes,
  allow_change: (s.allowChange ? 1 : 0) as Flag,
  min_age: s.minAge,
  proposals_open: (s.proposalsOpen ? 1 : 0) as Flag,
  fund_id: s.fundId,
})

export async function insertRound(
  db: Db,
  wardId: number,
  s: RoundSettings,
  by: number | null,
  isDemo = false,
): Promise<number> {
  const now = new Date().toISOString()
  const r = await db
    .insertInto('prioritisation_round')
    .values({
      ward_id: wardId,
      status: 'draft',
      ...settingsColumns(s),
      is_demo: isDemo ? 1 : 0,
      ballots_pb: null,
      result_json: null,
      opened_at: null,
      closed_at: null,
      created_by_user_id: by,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return Number(r.id)
}

/** Changes a draft round's settings; returns false (nothing written) once the round has opened. */
export async function updateDraftRound(db: Db, roundId: number, s: RoundSettings): Promise<boolean> {
  const r = await db
    .updateTable('prioritisation_round')
    .set({ ...settingsColumns(s), updated_at: new Date().toISOString() })
    .where('id', '=', roundId)
    .where('status', '=', 'draft')
    .executeTakeFirst()
  return Number(r.numUpdatedRows) === 1
}

export async function findRound(db: Db, wardId: number, roundId: number): Promise<Round | undefined> {
  const r = await db
    .selectFrom('prioritisation_round')
    .selectAll()
    .where('id', '=', roundId)
    .where('ward_id', '=', wardId)
    .executeTakeFirst()
  return r ? toRound(r) : undefined
}

export async function listRounds(db: Db, wardId: number, opts: { includeDrafts?: boolean } = {}): Promise<Round[]> {
  let q = db.selectFrom('prioritisation_round').selectAll().where('ward_id', '=', wardId).orderBy('id', 'desc')
  if (!opts.includeDrafts) q = q.where('status', '!=', 'draft')
  return (await q.execute()).map(toRound)
}

/** The options on the ballot: accepted ones only (proposals wait for officers; rejected ones never count). */
/** Draft rounds of a ward that residents may propose options for, newest first. */
export async function listProposalRounds(db: Db, wardId: number): Promise<Round[]> {
  return (
    await db
      .selectFrom('prioritisation_round')
      .selectAll()
      .where('ward_id', '=', wardId)
      .where('status', '=', 'draft')
      .where('proposals_open', '=', 1)
      .orderBy('id', 'desc')
      .execute()
  ).map(toRound)
}

export async function listOptions(db: Db, roundId: number): Promise<RoundOption[]> {
  return (
    await db
      .selectFrom('prioritisation_option')
      .selectAll()
      .where('round_id', '=', roundId)
      .where('status', '=', 'accepted')
      .orderBy('id')
      .execute()
  ).map(toOption)
}

/** Residents' proposals for a round that officers have not accepted (waiting or rejected), oldest first. */
export async function listProposals(db: Db, roundId: number): Promise<RoundOption[]> {
  return (
    await db
      .selectFrom('prioritisation_option')
      .selectAll()
      .where('round_id', '=', roundId)
      .where('status', '!=', 'accepted')
      .orderBy('id')
      .execute()
  ).map(toOption)
}

/** Every proposal a person made, in any ward, with its round's title, newest first (they see the decisions). */
export async function listOwnProposals(db: Db, userId: number): Promise<(RoundOption & { roundTitle: string })[]> {
  const rows = await db
    .selectFrom('prioritisation_option as o')
    .innerJoin('prioritisation_round as r', 'r.id', 'o.round_id')
    .selectAll('o')
    .select('r.title as round_title')
    .where('o.proposed_by_user_id', '=', userId)
    .orderBy('o.id', 'desc')
    .execute()
  return rows.map((r) => ({ ...toOption(r), roundTitle: r.round_title }))
}

export async function findOption(db: Db, roundId: number, optionId: number): Promise<RoundOption | undefined> {
  const r = await db
    .selectFrom('prioritisation_option')
    .selectAll()
    .where('id', '=', optionId)
    .where('round_id', '=', roundId)
    .executeTakeFirst()
  return r ? toOption(r) : undefined
}

/** A resident's proposal; only while the round is a draft that takes proposals. Cost and theme come later. */
export async function insertProposal(
  db: Db,
  roundId: number,
  p: { title: string; description: string; place: string; userId: number },
  isDemo = false,
): Promise<boolean> {
  const round = await db
    .selectFrom('prioritisation_round')
    .select(['status', 'proposals_open'])
    .where('id', '=', roundId)
    .executeTakeFirst()
  if (round?.status !== 'draft' || Number(round.proposals_open) !== 1) return false
  await db
    .insertInto('prioritisation_option')
    .values({
      round_id: roundId,
      title: p.title,
      description: p.description,
      theme: '',
      place: p.place,
      cost_pence: 0,
      is_demo: isDemo ? 1 : 0,
      created_at: new Date().toISOString(),
      need_id: null,
      status: 'proposed',
      proposed_by_user_id: p.userId,
      decision_reason: null,
      decided_by_user_id: null,
      decided_at: null,
    })
    .execute()
  return true
}

export type ProposalDecision =
  | { accept: true; costPence: number; theme: string; place: string; byUserId: number | null }
  | { accept: false; reason: string; byUserId: number | null }

/**
 * Officers' decision on a waiting proposal of a draft round: accepted with the cost, theme and place they
 * checked (it joins the ballot), or rejected with a reason. False when it was already decided or the round
 * has opened.
 */
export async function decideProposal(db: Db, roundId: number, optionId: number, d: ProposalDecision): Promise<boolean> {
  const round = await db
    .selectFrom('prioritisation_round')
    .select('status')
    .where('id', '=', roundId)
    .executeTakeFirst()
  if (round?.status !== 'draft') return false
  const decided = { decided_by_user_id: d.byUserId, decided_at: new Date().toISOString() }
  const r = await db
    .updateTable('prioritisation_option')
    .set(
      d.accept
        ? { status: 'accepted', cost_pence: d.costPence, theme: d.theme, place: d.place, ...decided }
        : { status: 'rejected', decision_reason: d.reason, ...decided },
    )
    .where('id', '=', optionId)
    .where('round_id', '=', roundId)
    .where('status', '=', 'proposed')
    .executeTakeFirst()
  return Number(r.numUpdatedRows) === 1
}

export interface OptionForNeed {
  optionId: number
  roundId: number
  roundTitle: string
  title: string
  needId: number
  status: 'open' | 'funded' | 'not_funded' | 'pending'
}

/**
 * Ballot options made from the given understanding needs, with where they stand: `pending` (the round is a
 * draft), `open` (voting), `funded` or `not_funded` (counted). A closed round not yet counted is `pending`.
 */
export async function listOptionsForNeeds(db: Db, needIds: number[]): Promise<OptionForNeed[]> {
  if (needIds.length === 0) return []
  const rows = await db
    .selectFrom('prioritisation_option as o')
    .innerJoin('prioritisation_round as r', 'r.id', 'o.round_id')
    .select(['o.id', 'o.round_id', 'o.title', 'o.need_id', 'r.title as round_title', 'r.status', 'r.result_json'])
    .where('o.need_id', 'in', needIds)
    .where('o.status', '=', 'accepted')
    .orderBy('o.id')
    .execute()
  return rows.map((r) => {
    let status: OptionForNeed['status'] = r.status === 'open' ? 'open' : 'pending'
    if (r.status === 'closed' && r.result_json !== null) {
      const selected = (JSON.parse(r.result_json) as { selected: string[] }).selected
      status = selected.includes(projectId(Number(r.id))) ? 'funded' : 'not_funded'
    }
    return {
      optionId: Number(r.id),
      roundId: Number(r.round_id),
      roundTitle: r.round_title,
      title: r.title,
      needId: Number(r.need_id),
      status,
    }
  })
}

export interface NewOption {
  title: string
  description: string
  theme: string
  place: string
  costPence: number
  /** The understanding need it answers (checked to be in the round's ward by the caller). */
  needId?: number | null
}

/** Adds an option to a draft round (the status check and the insert share the caller's transaction). */
export async function insertOption(db: Db, roundId: number, o: NewOption, isDemo = false): Promise<boolean> {
  const round = await db
    .selectFrom('prioritisation_round')
    .select('status')
    .where('id', '=', roundId)
    .executeTakeFirst()
  if (round?.status !== 'draft') return false
  await db
    .insertInto('prioritisation_option')
    .values({
      round_id: roundId,
      title: o.title,
      description: o.description,
      theme: o.theme,
      place: o.place,
      cost_pence: o.costPence,
      is_demo: isDemo ? 1 : 0,
      created_at: new Date().toISOString(),
      need_id: o.needId ?? null,
      status: 'accepted',
      proposed_by_user_id: null,
      decision_reason: null,
      decided_by_user_id: null,
      decided_at: null,
    })
    .execute()
  return true
}

export async function deleteDraftOption(db: Db, roundId: number, optionId: number): Promise<boolean> {
  const round = await db
    .selectFrom('prioritisation_round')
    .select('status')
    .where('id', '=', roundId)
    .executeTakeFirst()
  if (round?.status !== 'draft') return false
  const r = await db
    .deleteFrom('prioritisation_option')
    .where('id', '=', optionId)
    .where('round_id', '=', roundId)
    .executeTakeFirst()
  return Number(r.numDeletedRows) === 1
}

export async function setStatus(db: Db, roundId: number, from: RoundStatus, to: RoundStatus): Promise<boolean> {
  const now = new Date().toISOString()
  const r = await db
    .updateTable('prioritisation_round')
    .set({
      status: to,
      updated_at: now,
      ...(to === 'open' ? { opened_at: now } : {}),
      ...(to === 'closed' ? { closed_at: now } : {}),
    })
    .where('id', '=', roundId)
    .where('status', '=', from)
    .executeTakeFirst()
  return Number(r.numUpdatedRows) === 1
}

/** Records that a closed round's winners were allocated from its fund; false if already recorded. */
export async function markFundAllocated(db: Db, roundId: number): Promise<boolean> {
  const r = await db
    .updateTable('prioritisation_round')
    .set({ fund_allocated_at: new Date().toISOString() })
    .where('id', '=', roundId)
    .where('status', '=', 'closed')
    .where('fund_allocated_at', 'is', null)
    .executeTakeFirst()
  return Number(r.numUpdatedRows) === 1
}

/** Publishes a closed round's ballots (the file its count reads); the result follows once counted. */
export async function saveBallotsFile(db: Db, roundId: number, pb: string): Promise<void> {
  await db
    .updateTable('prioritisation_round')
    .set({ ballots_pb: pb, result_json: null, updated_at: new Date().toISOString() })
    .where('id', '=', roundId)
    .execute()
}

/** Stores the count of a closed round's published ballots, once: false if it already has a result. */
export async function saveResult(db: Db, roundId: number, resultJson: string): Promise<boolean> {
  const r = await db
    .updateTable('prioritisation_round')
    .set({ result_json: resultJson, updated_at: new Date().toISOString() })
    .where('id', '=', roundId)
    .where('status', '=', 'closed')
    .where('ballots_pb', 'is not', null)
    .where('result_json', 'is', null)
    .executeTakeFirst()
  return Number(r.numUpdatedRows) === 1
}

/** Closed rounds whose ballots are published but not yet counted (a count cut short by a stop). */
export async function listUncounted(db: Db): Promise<{ id: number; wardId: number }[]> {
  const rows = await db
    .selectFrom('prioritisation_round')
    .select(['id', 'ward_id'])
    .where('status', '=', 'closed')
    .where('ballots_pb', 'is not', null)
    .where('result_json', 'is', null)
    .orderBy('id')
    .execute()
  return rows.map((r) => ({ id: r.id, wardId: r.ward_id }))
}

/** Opens again a round whose count failed, as if it had never closed: false if it has a result. */
export async function reopenUncounted(db: Db, roundId: number): Promise<boolean> {
  const r = await db
    .updateTable('prioritisation_round')
    .set({ status: 'open', ballots_pb: null, closed_at: null, updated_at: new Date().toISOString() })
    .where('id', '=', roundId)
    .where('status', '=', 'closed')
    .where('result_json', 'is', null)
    .executeTakeFirst()
  return Number(r.numUpdatedRows) === 1
}

export async function getPublished(
  db: Db,
  roundId: number,
): Promise<{ pb: string | null; resultJson: string | null } | undefined> {
  const r = await db
    .selectFrom('prioritisation_round')
    .select(['ballots_pb', 'result_json'])
    .where('id', '=', roundId)
    .executeTakeFirst()
  return r ? { pb: r.ballots_pb, resultJson: r.result_json } : undefined
}

/** Every ballot of a round, ordered by its random id (so the published order says nothing about who voted when). */
export async function listBallots(db: Db, roundId: number): Promise<Choices[]> {
  const rows = await db
    .selectFrom('prioritisation_ballot')
    .select('choices_json')
    .where('round_id', '=', roundId)
    .orderBy('id')
    .execute()
  return rows.map((r) => JSON.parse(r.choices_json) as Choices)
}

export async function countVoted(db: Db, roundId: number): Promise<number> {
  const r = await db
    .selectFrom('prioritisation_voted')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('round_id', '=', roundId)
    .executeTakeFirstOrThrow()
  return Number(r.n)
}

export async function findVoted(
  db: Db,
  roundId: number,
  personKey: string,
): Promise<{ tokenHash: string | null; channel: 'online' | 'paper' } | undefined> {
  const r = await db
    .selectFrom('prioritisation_voted')
    .select(['token_hash', 'channel'])
    .where('round_id', '=', roundId)
    .where('person_key', '=', personKey)
    .executeTakeFirst()
  return r ? { tokenHash: r.token_hash, channel: r.channel } : undefined
}

export async function nameKeyVoted(db: Db, roundId: number, nameKey: string): Promise<boolean> {
  const r = await db
    .selectFrom('prioritisation_voted')
    .select('person_key')
    .where('round_id', '=', roundId)
    .where('name_key', '=', nameKey)
    .executeTakeFirst()
  return r !== undefined
}

export interface RegisterEntry {
  roundId: number
  personKey: string
  userId: number | null
  nameKey: string
  channel: 'online' | 'paper'
  tokenHash: string | null
  enteredBy: number | null
}

/**
 * Writes the register row; false when this person is already on it. `on conflict do nothing` makes the
 * primary key the arbiter: of any number of simultaneous attempts exactly one inserts.
 */
export async function insertVoted(db: Db, e: RegisterEntry): Promise<boolean> {
  const r = await db
    .insertInto('prioritisation_voted')
    .values({
      round_id: e.roundId,
      person_key: e.personKey,
      user_id: e.userId,
      name_key: e.nameKey,
      channel: e.channel,
      token_hash: e.tokenHash,
      entered_by_user_id: e.enteredBy,
      voted_at: new Date().toISOString(),
    })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst()
  return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1
}

/** Takes the register row's lock (PostgreSQL) before a replacement, so two replacements run one after the other. */
export async function touchVoted(db: Db, roundId: number, personKey: string): Promise<void> {
  await db
    .updateTable('prioritisation_voted')
    .set({ voted_at: new Date().toISOString() })
    .where('round_id', '=', roundId)
    .where('person_key', '=', personKey)
    .execute()
}

export async function insertBallot(db: Db, roundId: number, choices: Choices, replaceHash: string | null) {
  await db
    .insertInto('prioritisation_ballot')
    .values({
      id: randomBytes(16).toString('hex'),
      round_id: roundId,
      choices_json: JSON.stringify(choices),
      replace_hash: replaceHash,
    })
    .execute()
}

export async function deleteBallotByReplaceHash(db: Db, roundId: number, replaceHash: string): Promise<void> {
  await db
    .deleteFrom('prioritisation_ballot')
    .where('round_id', '=', roundId)
    .where('replace_hash', '=', replaceHash)
    .execute()
}

export async function countBallots(db: Db, roundId: number): Promise<number> {
  const r = await db
    .selectFrom('prioritisation_ballot')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('round_id', '=', roundId)
    .executeTakeFirstOrThrow()
  return Number(r.n)
}
