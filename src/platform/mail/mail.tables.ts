import type { IsoTime } from '../db/index.js'

declare module '../platform.tables.js' {
  interface MailOutboxTable {
    attempts: number
    last_error: string | null
    next_attempt_at: IsoTime | null
    /** A relay instance holds the row until then (several app instances may share one PostgreSQL). */
    claimed_until: IsoTime | null
    /** Extra headers such as List-Unsubscribe (RFC 8058), JSON object. */
    headers_json: string | null
  }
}
