import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import { projectId, type StoredResult } from './ballot.rules.js'
import './prioritisation.tables.js'

/**
 * Read-only views for "you said, we did" (the trace module). Ballot secrecy: these read the register of who
 * voted in which round (prioritisation_voted), never a ballot; nothing here can say how anyone voted.
 */
export interface TracedRound {
  roundId: number
  wardId: number
  title: string
  status: 'draft' | 'open' | 'closed'
  closedAt: string | null
  /** Options the count selected (empty until a closed round is counted). */
  selectedOptionIds: number[]
  /** `theme` is the engagement theme slug the option was filed under. */
  options: { optionId: number; title: string; needId: number | null; theme: string }[]
}

async function describeRounds(db: Kysely<Database>, roundIds: number[]): Promise<TracedRound[]> {
  if (roundIds.length === 0) return []
  const [rounds, options] = await Promise.all([
    db
      .selectFrom('prioritisation_round')
      .select(['id', 'ward_id', 'title', 'status', 'closed_at', 'result_json'])
      .where('id', 'in', roundIds)
      .orderBy('id', 'desc')
      .execute(),
    db
      .selectFrom('prioritisation_option')
      .select(['id', 'round_id', 'title', 'need_id', 'theme'])
      .where('round_id', 'in', roundIds)
      .where('status', '=', 'accepted')
      .orderBy('id')
      .execute(),
  ])
  return rounds.map((r) => {
    const own = options.filter((o) => Number(o.round_id) === Number(r.id))
    const selected =
      r.status === 'closed' && r.result_json ? new Set((JSON.parse(r.result_json) as StoredResult).selected) : new Set()
    return {
      roundId: Number(r.id),
      wardId: Number(r.ward_id),
      title: r.title,
      status: r.status,
      closedAt: r.closed_at,
      selectedOptionIds: own.filter((o) => selected.has(projectId(Number(o.id)))).map((o) => Number(o.id)),
      options: own.map((o) => ({
        optionId: Number(o.id),
        title: o.title,
        needId: o.need_id === null ? null : Number(o.need_id),
        theme: o.theme,
      })),
    }
  })
}

/** The rounds a person is registered as having voted in, newest first. */
export async function listRoundsVotedBy(db: Kysely<Database>, userId: number): Promise<TracedRound[]> {
  const rows = await db.selectFrom('prioritisation_voted').select('round_id').where('user_id', '=', userId).execute()
  return describeRounds(
    db,
    rows.map((r) => Number(r.round_id)),
  )
}

/** Every round of a ward that has been opened (a draft is not public), newest first. */
export async function listTracedRounds(db: Kysely<Database>, wardId: number): Promise<TracedRound[]> {
  const rows = await db
    .selectFrom('prioritisation_round')
    .select('id')
    .where('ward_id', '=', wardId)
    .where('status', '!=', 'draft')
    .execute()
  return describeRounds(
    db,
    rows.map((r) => Number(r.id)),
  )
}

/** People with an account registered as voting in a round (paper votes have none). */
export async function listRoundVoterIds(db: Kysely<Database>, roundId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('prioritisation_voted')
    .select('user_id')
    .where('round_id', '=', roundId)
    .where('user_id', 'is not', null)
    .execute()
  return rows.map((r) => Number(r.user_id))
}
