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

// --- Contact addresses of people without an account (issue 9) -----------------------------------------------

export interface OutcomeContact {
  id: number
  wardId: number
  responseId: number
  email: string
  language: string
}

export async function insertOutcomeContact(
  db: Db,
  c: { wardId: number; responseId: number; email: string; language: string },
): Promise<number> {
  const r = await db
    .insertInto('notifications_outcome_contact')
    .values({
      ward_id: c.wardId,
      response_id: c.responseId,
      email: c.email.toLowerCase(),
      language: c.language,
      created_at: new Date().toISOString(),
      unsubscribed_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return Number(r.id)
}

/** The ward's contact addresses still subscribed. */
export async function listOutcomeContacts(db: Db, wardId: number): Promise<OutcomeContact[]> {
  const rows = await db
    .selectFrom('notifications_outcome_contact')
    .select(['id', 'ward_id', 'response_id', 'email', 'language'])
    .where('ward_id', '=', wardId)
    .where('unsubscribed_at', 'is', null)
    .orderBy('id')
    .execute()
  return rows.map((r) => ({
    id: Number(r.id),
    wardId: Number(r.ward_id),
    responseId: Number(r.response_id),
    email: r.email,
    language: r.language,
  }))
}

export async function findOutcomeContact(
  db: Db,
  id: number,
): Promise<(OutcomeContact & { unsubscribed: boolean }) | undefined> {
  const r = await db.selectFrom('notifications_outcome_contact').selectAll().where('id', '=', id).executeTakeFirst()
  return r
    ? {
        id: Number(r.id),
        wardId: Number(r.ward_id),
        responseId: Number(r.response_id),
        email: r.email,
        language: r.language,
        unsubscribed: r.unsubscribed_at !== null,
      }
    : undefined
}

export async function unsubscribeOutcomeContact(db: Db, id: number): Promise<void> {
  await db
    .updateTable('notifications_outcome_contact')
    .set({ unsubscribed_at: new Date().toISOString() })
    .where('id', '=', id)
    .where('unsubscribed_at', 'is', null)
    .execute()
}

/** Like claimOutcome, for a contact address: false when it was already told of this event. */
export async function claimContactOutcome(db: Db, contactId: number, eventKey: string): Promise<boolean> {
  const r = await db
    .insertInto('notifications_contact_outcome_sent')
    .values({ contact_id: contactId, event_key: eventKey, created_at: new Date().toISOString() })
    .onConflict((oc) => oc.columns(['contact_id', 'event_key']).doNothing())
    .executeTakeFirst()
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0
}
