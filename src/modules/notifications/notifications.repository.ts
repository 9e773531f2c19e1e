import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import { isNotificationKind, type NotificationKind } from './notifications.rules.js'
import './notifications.tables.js'

type Db = Kysely<Database>

export async function listPreferences(db: Db, userId: number): Promise<{ kind: NotificationKind; enabled: boolean }[]> {
  const rows = await db
    .selectFrom('notifications_preference')
    .select(['kind', 'enabled'])
    .where('user_id', '=', userId)
    .execute()
  return rows.flatMap((r) => (isNotificationKind(r.kind) ? [{ kind: r.kind, enabled: Number(r.enabled) === 1 }] : []))
}

/** Upsert of one explicit choice (portable: update, then insert if nothing was there). */
export async function setPreference(db: Db, userId: number, kind: NotificationKind, enabled: boolean): Promise<void> {
  const at = new Date().toISOString()
  const r = await db
    .updateTable('notifications_preference')
    .set({ enabled: enabled ? 1 : 0, updated_at: at })
    .where('user_id', '=', userId)
    .where('kind', '=', kind)
    .executeTakeFirst()
  if (Number(r.numUpdatedRows) > 0) return
  await db
    .insertInto('notifications_preference')
    .values({ user_id: userId, kind, enabled: enabled ? 1 : 0, updated_at: at })
    .execute()
}

/** Records that an event was announced to a person; false when it already was (so nobody hears twice). */
export async function claimOutcome(db: Db, userId: number, eventKey: string): Promise<boolean> {
  const r = await db
    .insertInto('notifications_outcome_sent')
    .values({ user_id: userId, event_key: eventKey, created_at: new Date().toISOString() })
    .onConflict((oc) => oc.columns(['user_id', 'event_key']).doNothing())
    .executeTakeFirst()
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0
}
