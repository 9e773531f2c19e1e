import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import './site.tables.js'

export interface NewFeedback {
  wardId: number
  userId: number | null
  submissionKey: string
  rating: string
  comments: string
}

/** Inserts once per submission key; a replay of the same form is a no-op that reports the original id. */
export async function insertFeedbackOnce(
  db: Kysely<Database>,
  f: NewFeedback,
): Promise<{ id: number; duplicate: boolean }> {
  const inserted = await db
    .insertInto('site_feedback')
    .values({
      ward_id: f.wardId,
      user_id: f.userId,
      submission_key: f.submissionKey,
      rating: f.rating,
      comments: f.comments,
      created_at: new Date().toISOString(),
    })
    .onConflict((oc) => oc.column('submission_key').doNothing())
    .returning('id')
    .executeTakeFirst()
  if (inserted) return { id: Number(inserted.id), duplicate: false }
  const existing = await db
    .selectFrom('site_feedback')
    .select('id')
    .where('submission_key', '=', f.submissionKey)
    .executeTakeFirstOrThrow()
  return { id: Number(existing.id), duplicate: true }
}

export async function feedbackSummary(db: Kysely<Database>, wardId: number): Promise<{ rating: string; n: number }[]> {
  const rows = await db
    .selectFrom('site_feedback')
    .select((eb) => ['rating', eb.fn.countAll<number>().as('n')])
    .where('ward_id', '=', wardId)
    .groupBy('rating')
    .execute()
  return rows.map((r) => ({ rating: r.rating, n: Number(r.n) }))
}

export async function countFeedback(db: Kysely<Database>): Promise<number> {
  const r = await db
    .selectFrom('site_feedback')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  return Number(r.n)
}

export async function listFeedbackKeys(db: Kysely<Database>): Promise<string[]> {
  return (await db.selectFrom('site_feedback').select('submission_key').execute()).map((r) => r.submission_key)
}
