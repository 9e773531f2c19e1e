import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import './understanding.tables.js'

type Db = Kysely<Database>

/** The opinion statements the person proposed and how they voted on statements. */
export async function exportUnderstandingPersonalData(db: Db, userId: number): Promise<Record<string, unknown>> {
  const [statements, votes] = await Promise.all([
    db
      .selectFrom('understanding_statement')
      .select(['id', 'body', 'status', 'created_at'])
      .where('proposed_by_user_id', '=', userId)
      .orderBy('id')
      .execute(),
    db
      .selectFrom('understanding_vote as v')
      .innerJoin('understanding_statement as s', 's.id', 'v.statement_id')
      .select(['s.id', 's.body', 'v.vote', 'v.voted_at'])
      .where('v.voter_key', '=', `user:${userId}`)
      .orderBy('s.id')
      .execute(),
  ])
  return {
    statementsProposed: statements.map((s) => ({
      reference: Number(s.id),
      body: s.body,
      status: s.status,
      proposedAt: s.created_at,
    })),
    opinionVotes: votes.map((v) => ({
      statementReference: Number(v.id),
      statement: v.body,
      vote: v.vote,
      votedAt: v.voted_at,
    })),
  }
}

/**
 * Statements stay (others voted on them) and point only at the erased account's tombstone. Opinion votes stay so
 * the agreement counts and the opinion map hold; their key `user:<id>` now names the tombstone, which shows no name.
 */
export async function eraseUnderstandingPersonalData(trx: Db, userId: number): Promise<Record<string, number>> {
  const [statements, votes] = await Promise.all([
    trx
      .selectFrom('understanding_statement')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('proposed_by_user_id', '=', userId)
      .executeTakeFirstOrThrow(),
    trx
      .selectFrom('understanding_vote')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('voter_key', '=', `user:${userId}`)
      .executeTakeFirstOrThrow(),
  ])
  return { statementsAnonymised: Number(statements.n), opinionVotesAnonymised: Number(votes.n) }
}
