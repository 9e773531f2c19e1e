import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import './commissioning.tables.js'

type Db = Kysely<Database>

/**
 * What a person did in commissioning: comments on draft specifications, bids they submitted for their
 * organisation, scores they gave as an evaluator and conflicts of interest they declared. Clarification questions
 * are held against the organisation only (the asker is never recorded), so they are not personal data here.
 */
export async function exportCommissioningPersonalData(db: Db, userId: number): Promise<Record<string, unknown>> {
  const [comments, bids, scores, conflicts] = await Promise.all([
    db
      .selectFrom('commissioning_comment as c')
      .innerJoin('commissioning_process as p', 'p.id', 'c.process_id')
      .select(['p.id', 'p.title', 'c.version', 'c.body', 'c.created_at'])
      .where('c.author_user_id', '=', userId)
      .orderBy('c.id')
      .execute(),
    db
      .selectFrom('commissioning_bid as b')
      .innerJoin('commissioning_process as p', 'p.id', 'b.process_id')
      .select(['b.id', 'p.title', 'b.created_at', 'b.updated_at'])
      .where('b.submitted_by_user_id', '=', userId)
      .orderBy('b.id')
      .execute(),
    db
      .selectFrom('commissioning_score')
      .select(['bid_id', 'criterion', 'score', 'reason', 'created_at'])
      .where('scorer_user_id', '=', userId)
      .orderBy('bid_id')
      .orderBy('criterion')
      .execute(),
    db
      .selectFrom('commissioning_conflict as c')
      .innerJoin('commissioning_process as p', 'p.id', 'c.process_id')
      .innerJoin('directory_organisation as o', 'o.id', 'c.organisation_id')
      .select(['p.title', 'o.name', 'c.reason', 'c.created_at'])
      .where('c.user_id', '=', userId)
      .orderBy('c.created_at')
      .execute(),
  ])
  return {
    specificationComments: comments.map((c) => ({
      processReference: Number(c.id),
      process: c.title,
      version: Number(c.version),
      body: c.body,
      postedAt: c.created_at,
    })),
    bidsSubmitted: bids.map((b) => ({
      reference: Number(b.id),
      process: b.title,
      submittedAt: b.created_at,
      changedAt: b.updated_at,
    })),
    scoresGiven: scores.map((s) => ({
      bidReference: Number(s.bid_id),
      criterion: s.criterion,
      score: Number(s.score),
      reason: s.reason,
      scoredAt: s.created_at,
    })),
    conflictsDeclared: conflicts.map((c) => ({
      process: c.title,
      organisation: c.name,
      reason: c.reason,
      declaredAt: c.created_at,
    })),
  }
}

/**
 * Commissioning records are the council's audit trail of a procurement: comments, bids, scores and declared
 * conflicts all stay (an award must still add up and be re-checkable) and point only at the erased account's
 * tombstone, which shows no name.
 */
export async function eraseCommissioningPersonalData(trx: Db, userId: number): Promise<Record<string, number>> {
  const countOf = async (
    table: 'commissioning_comment' | 'commissioning_bid' | 'commissioning_score' | 'commissioning_conflict',
    column: 'author_user_id' | 'submitted_by_user_id' | 'scorer_user_id' | 'user_id',
  ): Promise<number> => {
    const r = await trx
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where(column, '=', userId)
      .executeTakeFirstOrThrow()
    return Number(r.n)
  }
  return {
    specificationCommentsAnonymised: await countOf('commissioning_comment', 'author_user_id'),
    bidsAnonymised: await countOf('commissioning_bid', 'submitted_by_user_id'),
    scoresAnonymised: await countOf('commissioning_score', 'scorer_user_id'),
    conflictsAnonymised: await countOf('commissioning_conflict', 'user_id'),
  }
}
