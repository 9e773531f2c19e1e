import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import './notifications.tables.js'

type Db = Kysely<Database>

/** The person's email choices and which outcomes they were already told about. */
export async function exportNotificationsPersonalData(db: Db, userId: number): Promise<Record<string, unknown>> {
  const [preferences, sent] = await Promise.all([
    db
      .selectFrom('notifications_preference')
      .select(['kind', 'enabled', 'updated_at'])
      .where('user_id', '=', userId)
      .orderBy('kind')
      .execute(),
    db
      .selectFrom('notifications_outcome_sent')
      .select(['event_key', 'created_at'])
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .execute(),
  ])
  return {
    preferences: preferences.map((p) => ({ kind: p.kind, enabled: Number(p.enabled) === 1, changedAt: p.updated_at })),
    outcomesSent: sent.map((s) => ({ event: s.event_key, sentAt: s.created_at })),
  }
}

/** Choices and the sent-outcome log only serve emails to this person; with the account gone they are deleted. */
export async function eraseNotificationsPersonalData(trx: Db, userId: number): Promise<Record<string, number>> {
  const p = await trx.deleteFrom('notifications_preference').where('user_id', '=', userId).executeTakeFirst()
  const s = await trx.deleteFrom('notifications_outcome_sent').where('user_id', '=', userId).executeTakeFirst()
  return {
    notificationPreferencesDeleted: Number(p.numDeletedRows),
    notificationsSentLogDeleted: Number(s.numDeletedRows),
  }
}
