import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import './site.tables.js'

type Db = Kysely<Database>

/** Feedback about the service that a person gave while signed in. */
export async function exportSitePersonalData(db: Db, userId: number): Promise<Record<string, unknown>> {
  const rows = await db
    .selectFrom('site_feedback')
    .select(['rating', 'comments', 'created_at'])
    .where('user_id', '=', userId)
    .orderBy('id')
    .execute()
  return { feedback: rows.map((r) => ({ rating: r.rating, comments: r.comments, givenAt: r.created_at })) }
}

/** Feedback stays (it counts towards satisfaction figures) but no longer points at the person. */
export async function eraseSitePersonalData(trx: Db, userId: number): Promise<Record<string, number>> {
  const r = await trx
    .updateTable('site_feedback')
    .set({ user_id: null })
    .where('user_id', '=', userId)
    .executeTakeFirst()
  return { feedbackUnlinked: Number(r.numUpdatedRows) }
}
