import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import './prioritisation.tables.js'

type Db = Kysely<Database>

/**
 * The options the person proposed and the rounds they voted in. Only the register is read: ballots are secret
 * and cannot be joined to a voter, so the download says "you voted in this round" and never how.
 */
export async function exportPrioritisationPersonalData(db: Db, userId: number): Promise<Record<string, unknown>> {
  const [proposals, voted] = await Promise.all([
    db
      .selectFrom('prioritisation_option as o')
      .innerJoin('prioritisation_round as r', 'r.id', 'o.round_id')
      .select([
        'o.id',
        'r.title as round',
        'o.title',
        'o.description',
        'o.theme',
        'o.place',
        'o.cost_pence',
        'o.status',
        'o.decision_reason',
        'o.created_at',
      ])
      .where('o.proposed_by_user_id', '=', userId)
      .orderBy('o.id')
      .execute(),
    db
      .selectFrom('prioritisation_voted as v')
      .innerJoin('prioritisation_round as r', 'r.id', 'v.round_id')
      .select(['r.id', 'r.title', 'v.channel', 'v.voted_at'])
      .where('v.user_id', '=', userId)
      .orderBy('v.voted_at')
      .execute(),
  ])
  return {
    proposals: proposals.map((p) => ({
      reference: Number(p.id),
      round: p.round,
      title: p.title,
      description: p.description,
      theme: p.theme,
      place: p.place,
      costPence: Number(p.cost_pence),
      status: p.status,
      decisionReason: p.decision_reason,
      proposedAt: p.created_at,
    })),
    votedIn: voted.map((v) => ({
      roundReference: Number(v.id),
      round: v.title,
      channel: v.channel,
      votedAt: v.voted_at,
    })),
  }
}

/**
 * Proposals stay (they may be on a ballot, or decided) and point only at the erased account's tombstone. Register
 * rows stay too, because they enforce one ballot per person and make turnout add up; they keep pointing at the
 * tombstone, and the name-and-postcode key that matched paper voters is replaced by one that identifies nobody.
 * Ballots are never touched: nothing links them to a person.
 */
export async function erasePrioritisationPersonalData(trx: Db, userId: number): Promise<Record<string, number>> {
  const proposals = await trx
    .selectFrom('prioritisation_option')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('proposed_by_user_id', '=', userId)
    .executeTakeFirstOrThrow()
  const v = await trx
    .updateTable('prioritisation_voted')
    .set({ name_key: `erased:user:${userId}` })
    .where('user_id', '=', userId)
    .executeTakeFirst()
  return { proposalsAnonymised: Number(proposals.n), votedRegisterAnonymised: Number(v.numUpdatedRows) }
}
