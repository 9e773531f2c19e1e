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
  const contacts = await contactsOf(db, userId)
  return {
    preferences: preferences.map((p) => ({ kind: p.kind, enabled: Number(p.enabled) === 1, changedAt: p.updated_at })),
    outcomesSent: sent.map((s) => ({ event: s.event_key, sentAt: s.created_at })),
    // Addresses left on consultation answers made without an account: theirs when they match the account's email.
    outcomeEmailsWithoutAccount: contacts.map((c) => ({
      email: c.email,
      language: c.language,
      leftAt: c.created_at,
      unsubscribedAt: c.unsubscribed_at,
    })),
  }
}

/** Contact addresses that are this person's: the same address as their account's. */
async function contactsOf(db: Db, userId: number) {
  const user = await db.selectFrom('accounts_user').select('email').where('id', '=', userId).executeTakeFirst()
  if (!user || !user.email.includes('@')) return []
  return db
    .selectFrom('notifications_outcome_contact')
    .selectAll()
    .where('email', '=', user.email.toLowerCase())
    .orderBy('id')
    .execute()
}

/**
 * Choices, the sent-outcome log and addresses left without an account (matched by the account's email) only serve
 * emails to this person; with the account gone they are deleted.
 */
export async function eraseNotificationsPersonalData(trx: Db, userId: number): Promise<Record<string, number>> {
  // Before the account is scrubbed (its email is how its contact addresses are found).
  const ids = (await contactsOf(trx, userId)).map((c) => Number(c.id))
  if (ids.length > 0) {
    await trx.deleteFrom('notifications_contact_outcome_sent').where('contact_id', 'in', ids).execute()
    await trx.deleteFrom('notifications_outcome_contact').where('id', 'in', ids).execute()
  }
  const p = await trx.deleteFrom('notifications_preference').where('user_id', '=', userId).executeTakeFirst()
  const s = await trx.deleteFrom('notifications_outcome_sent').where('user_id', '=', userId).executeTakeFirst()
  return {
    notificationPreferencesDeleted: Number(p.numDeletedRows),
    notificationsSentLogDeleted: Number(s.numDeletedRows),
    outcomeContactsDeleted: ids.length,
  }
}

/**
 * Retention: an address left with a response (no account) is kept only to tell that person what came of it. It
 * goes when its retention period is over, and at once after they unsubscribe (it has no other use), with its log.
 */
export async function purgeNotificationsExpired(
  trx: Db,
  cutoffs: { outcomeContactsBefore: string },
): Promise<Record<string, number>> {
  const ids = (
    await trx
      .selectFrom('notifications_outcome_contact')
      .select('id')
      .where((eb) =>
        eb.or([eb('created_at', '<', cutoffs.outcomeContactsBefore), eb('unsubscribed_at', 'is not', null)]),
      )
      .execute()
  ).map((r) => Number(r.id))
  if (ids.length === 0) return { outcomeContactsDeleted: 0 }
  await trx.deleteFrom('notifications_contact_outcome_sent').where('contact_id', 'in', ids).execute()
  await trx.deleteFrom('notifications_outcome_contact').where('id', 'in', ids).execute()
  return { outcomeContactsDeleted: ids.length }
}
