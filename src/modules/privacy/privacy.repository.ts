import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import type { ErasureStatus } from './privacy.rules.js'
import './privacy.tables.js'

type Db = Kysely<Database>

export interface ErasureRequest {
  id: number
  userId: number
  status: ErasureStatus
  requestedAt: string
  dueAt: string
  processedAt: string | null
  processedByUserId: number | null
  cancelledAt: string | null
  outcome: Record<string, number> | null
}

type Row = {
  id: number
  user_id: number
  status: ErasureStatus
  requested_at: string
  due_at: string
  processed_at: string | null
  processed_by_user_id: number | null
  cancelled_at: string | null
  outcome_json: string | null
}

function toRequest(r: Row): ErasureRequest {
  let outcome: Record<string, number> | null = null
  if (r.outcome_json) {
    try {
      outcome = JSON.parse(r.outcome_json) as Record<string, number>
    } catch {
      outcome = null
    }
  }
  return {
    id: Number(r.id),
    userId: Number(r.user_id),
    status: r.status,
    requestedAt: r.requested_at,
    dueAt: r.due_at,
    processedAt: r.processed_at,
    processedByUserId: r.processed_by_user_id === null ? null : Number(r.processed_by_user_id),
    cancelledAt: r.cancelled_at,
    outcome,
  }
}

export async function findPendingRequest(db: Db, userId: number): Promise<ErasureRequest | undefined> {
  const r = await db
    .selectFrom('privacy_erasure_request')
    .selectAll()
    .where('user_id', '=', userId)
    .where('status', '=', 'pending')
    .executeTakeFirst()
  return r ? toRequest(r) : undefined
}

export async function findRequest(db: Db, id: number): Promise<ErasureRequest | undefined> {
  const r = await db.selectFrom('privacy_erasure_request').selectAll().where('id', '=', id).executeTakeFirst()
  return r ? toRequest(r) : undefined
}

/** One pending request per person: asking again while one is pending returns the existing one. */
export async function insertRequestOnce(
  db: Db,
  r: { userId: number; requestedAt: string; dueAt: string },
): Promise<ErasureRequest> {
  const existing = await findPendingRequest(db, r.userId)
  if (existing) return existing
  const row = await db
    .insertInto('privacy_erasure_request')
    .values({
      user_id: r.userId,
      status: 'pending',
      requested_at: r.requestedAt,
      due_at: r.dueAt,
      processed_at: null,
      processed_by_user_id: null,
      cancelled_at: null,
      outcome_json: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return toRequest(row)
}

export async function cancelPending(db: Db, userId: number, at: string): Promise<boolean> {
  const r = await db
    .updateTable('privacy_erasure_request')
    .set({ status: 'cancelled', cancelled_at: at })
    .where('user_id', '=', userId)
    .where('status', '=', 'pending')
    .executeTakeFirst()
  return Number(r.numUpdatedRows) > 0
}

/** Marks a pending request done; false when it was no longer pending (cancelled, or done by someone else). */
export async function completeRequest(
  db: Db,
  id: number,
  done: { at: string; byUserId: number | null; outcome: Record<string, number> },
): Promise<boolean> {
  const r = await db
    .updateTable('privacy_erasure_request')
    .set({
      status: 'completed',
      processed_at: done.at,
      processed_by_user_id: done.byUserId,
      outcome_json: JSON.stringify(done.outcome),
    })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst()
  return Number(r.numUpdatedRows) > 0
}

export async function listDueRequests(db: Db, now: string): Promise<ErasureRequest[]> {
  const rows = await db
    .selectFrom('privacy_erasure_request')
    .selectAll()
    .where('status', '=', 'pending')
    .where('due_at', '<=', now)
    .orderBy('id')
    .execute()
  return rows.map(toRequest)
}

export async function listRequests(db: Db, limit: number): Promise<ErasureRequest[]> {
  const rows = await db
    .selectFrom('privacy_erasure_request')
    .selectAll()
    .orderBy('status', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute()
  return rows.map(toRequest)
}

export async function listUserRequests(db: Db, userId: number): Promise<ErasureRequest[]> {
  const rows = await db
    .selectFrom('privacy_erasure_request')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('id', 'desc')
    .execute()
  return rows.map(toRequest)
}

/** Retention of the requests themselves: finished ones older than the cutoff are deleted. */
export async function purgeOldRequests(db: Db, before: string): Promise<number> {
  const r = await db
    .deleteFrom('privacy_erasure_request')
    .where('status', '<>', 'pending')
    .where((eb) => eb.or([eb('processed_at', '<', before), eb('cancelled_at', '<', before)]))
    .executeTakeFirst()
  return Number(r.numDeletedRows)
}
