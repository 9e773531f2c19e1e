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

declare module '../../platform/db/schema.js' {
  interface Database {
    notifications_preference: NotificationsPreferenceTable
    notifications_outcome_sent: NotificationsOutcomeSentTable
  }
}
