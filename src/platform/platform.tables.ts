import type { Generated } from 'kysely'
import type { Flag, IsoTime } from './db/schema.js'

export interface HttpSessionTable {
  /** SHA-256 of the cookie value: a leaked table cannot be replayed as cookies. */
  id_hash: string
  user_id: number | null
  /** Password accepted but second factor still owed: the session is not signed in yet. */
  pending_user_id: number | null
  csrf_token: string
  mfa_verified: Flag
  created_at: IsoTime
  last_seen_at: IsoTime
  absolute_expires_at: IsoTime
  /** JSON text: flash messages and small per-session state. */
  data: string
}

export interface AuditEventTable {
  id: Generated<number>
  seq: number
  at: IsoTime
  actor_user_id: number | null
  actor_label: string
  ward_id: number | null
  action: string
  subject: string
  outcome: 'success' | 'failure' | 'denied'
  detail: string
  prev_hash: string
  hash: string
}

export interface AuditHeadTable {
  id: number
  seq: number
  hash: string
}

export interface MailOutboxTable {
  id: Generated<number>
  to_address: string
  subject: string
  body: string
  created_at: IsoTime
  sent_at: IsoTime | null
}

/** One rate-limit window per route and client (shared by every app process on the database). */
export interface PlatformRateLimitTable {
  key: string
  hits: number
  /** Milliseconds since the epoch at which the window ends. */
  reset_at: number
}

declare module './db/schema.js' {
  interface Database {
    platform_rate_limit: PlatformRateLimitTable
    http_session: HttpSessionTable
    audit_event: AuditEventTable
    audit_head: AuditHeadTable
    mail_outbox: MailOutboxTable
  }
}
