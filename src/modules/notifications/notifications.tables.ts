import type { Generated } from 'kysely'
import type { Flag, IsoTime } from '../../platform/db/index.js'
import type { NotificationKind } from './notifications.rules.js'

/** A person's explicit choice for one kind of email; no row means the kind's default (see `defaultEnabled`). */
export interface NotificationsPreferenceTable {
  user_id: number
  kind: NotificationKind
  enabled: Flag
  updated_at: IsoTime
}

/**
 * One row per person per outcome already announced, so an outcome fanned out twice (a retried request, a
 * recount) still reaches each person once. The key names the event, e.g. `round_decided:12`.
 */
export interface NotificationsOutcomeSentTable {
  user_id: number
  event_key: string
  created_at: IsoTime
}

/**
 * An email address left by someone who answered a consultation without an account and asked to hear what happens
 * (issue 9). It hears of the outcomes its response's chain reaches, until it unsubscribes; lower-cased.
 */
export interface NotificationsOutcomeContactTable {
  id: Generated<number>
  ward_id: number
  response_id: number
  email: string
  language: string
  created_at: IsoTime
  unsubscribed_at: IsoTime | null
}

/** Outcomes already announced to a contact address (each once, like notifications_outcome_sent for accounts). */
export interface NotificationsContactOutcomeSentTable {
  contact_id: number
  event_key: string
  created_at: IsoTime
}

declare module '../../platform/db/schema.js' {
  interface Database {
    notifications_outcome_contact: NotificationsOutcomeContactTable
    notifications_contact_outcome_sent: NotificationsContactOutcomeSentTable
    notifications_preference: NotificationsPreferenceTable
    notifications_outcome_sent: NotificationsOutcomeSentTable
  }
}
