import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import './delivery.tables.js'

type Db = Kysely<Database>

/** The ratings a person gave and the comments they reported (for "download everything held about me"). */
export async function exportDeliveryPersonalData(db: Db, userId: number): Promise<Record<string, unknown>> {
  const [ratings, reports] = await Promise.all([
    db
      .selectFrom('delivery_rating as r')
      .innerJoin('delivery_service as s', 's.id', 'r.service_id')
      .select(['s.title', 'r.stars', 'r.comment', 'r.wants_surveys', 'r.hidden_reason', 'r.created_at', 'r.updated_at'])
      .where('r.user_id', '=', userId)
      .orderBy('r.id')
      .execute(),
    db
      .selectFrom('delivery_rating_report')
      .select(['rating_id', 'reason', 'created_at'])
      .where('reporter_user_id', '=', userId)
      .orderBy('id')
      .execute(),
  ])
  return {
    serviceRatings: ratings.map((r) => ({
      service: r.title,
      stars: Number(r.stars),
      comment: r.comment,
      followUpSurveys: Number(r.wants_surveys) === 1,
      hiddenReason: r.hidden_reason,
      ratedAt: r.created_at,
      changedAt: r.updated_at,
    })),
    reportedRatingComments: reports.map((r) => ({
      ratingReference: Number(r.rating_id),
      reason: r.reason,
      reportedAt: r.created_at,
    })),
  }
}

/**
 * Ratings stay (published counts and averages hold) and point only at the erased account's tombstone; survey
 * requests end, since there is nobody left to write to. Comments are public text without a name and are kept,
 * like ideas' comments.
 */
export async function eraseDeliveryPersonalData(trx: Db, userId: number): Promise<Record<string, number>> {
  const r = await trx
    .updateTable('delivery_rating')
    .set({ wants_surveys: 0 })
    .where('user_id', '=', userId)
    .where('wants_surveys', '=', 1)
    .executeTakeFirst()
  const n = await trx
    .selectFrom('delivery_rating')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow()
  return { ratingsAnonymised: Number(n.n), surveyRequestsEnded: Number(r.numUpdatedRows) }
}
