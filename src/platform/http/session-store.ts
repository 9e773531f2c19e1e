import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import type { Write } from '../db/writer.js'
import { randomToken, sha256Hex } from '../security/tokens.js'
import '../platform.tables.js'

export interface SessionState {
  idHash: string
  userId: number | null
  pendingUserId: number | null
  csrfToken: string
  mfaVerified: boolean
  createdAt: string
  lastSeenAt: string
  absoluteExpiresAt: string
  data: SessionData
}

export interface SessionData {
  flash?: { kind: 'success' | 'info'; text: string }[]
  returnTo?: string
  [key: string]: unknown
}

export interface SessionTimeouts {
  idleMs: number
  absoluteMs: number
}

/** Server-side sessions in a table: revocable, and shared by every app instance on the same database. */
export class SessionStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly timeouts: SessionTimeouts,
    private readonly now: () => Date = () => new Date(),
    write?: Write,
  ) {
    // Session rows change on most form steps (drafts, flash messages); through the app's group-commit writer they share
    // the next commit instead of each paying an fsync of its own on the event loop (ADR 0009). The CLI passes none.
    this.change = write
      ? (work) => write(async (trx) => void (await work(trx)))
      : async (work) => void (await work(this.db))
  }

  /** Runs a change to the table, committed (and durable) before it resolves. */
  private readonly change: (work: (db: Kysely<Database>) => Promise<unknown>) => Promise<void>

  /** Looks a cookie value up; expired sessions are deleted and reported as such. */
  async load(cookieValue: string): Promise<{ session: SessionState | null; expired: boolean }> {
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(cookieValue)) return { session: null, expired: false }
    const idHash = sha256Hex(cookieValue)
    const row = await this.db.selectFrom('http_session').selectAll().where('id_hash', '=', idHash).executeTakeFirst()
    if (!row) return { session: null, expired: false }
    const now = this.now()
    const idleEnd = new Date(row.last_seen_at).getTime() + this.timeouts.idleMs
    if (now.getTime() > idleEnd || now.toISOString() > row.absolute_expires_at) {
      await this.change((db) => db.deleteFrom('http_session').where('id_hash', '=', idHash).execute())
      return { session: null, expired: row.user_id !== null }
    }
    const session: SessionState = {
      idHash,
      userId: row.user_id === null ? null : Number(row.user_id),
      pendingUserId: row.pending_user_id === null ? null : Number(row.pending_user_id),
      csrfToken: row.csrf_token,
      mfaVerified: Number(row.mfa_verified) === 1,
      createdAt: row.created_at,
      lastSeenAt: row.last_seen_at,
      absoluteExpiresAt: row.absolute_expires_at,
      data: parseData(row.data),
    }
    // Touch at most once a minute: idle timeout needs minute precision, not a write per request.
    if (now.getTime() - new Date(row.last_seen_at).getTime() > 60_000) {
      session.lastSeenAt = now.toISOString()
      await this.change((db) =>
        db
          .updateTable('http_session')
          .set({ last_seen_at: session.lastSeenAt })
          .where('id_hash', '=', idHash)
          .execute(),
      )
    }
    return { session, expired: false }
  }

  /** A new session with a fresh id and CSRF token; returns the cookie value (never stored in clear). */
  async create(fields: {
    userId?: number | null
    pendingUserId?: number | null
    mfaVerified?: boolean
    data?: SessionData
  }): Promise<{ cookieValue: string; session: SessionState }> {
    const cookieValue = randomToken(32)
    const now = this.now()
    const session: SessionState = {
      idHash: sha256Hex(cookieValue),
      userId: fields.userId ?? null,
      pendingUserId: fields.pendingUserId ?? null,
      csrfToken: randomToken(32),
      mfaVerified: fields.mfaVerified ?? false,
      createdAt: now.toISOString(),
      lastSeenAt: now.toISOString(),
      absoluteExpiresAt: new Date(now.getTime() + this.timeouts.absoluteMs).toISOString(),
      data: fields.data ?? {},
    }
    await this.change((db) =>
      db
        .insertInto('http_session')
        .values({
          id_hash: session.idHash,
          user_id: session.userId,
          pending_user_id: session.pendingUserId,
          csrf_token: session.csrfToken,
          mfa_verified: session.mfaVerified ? 1 : 0,
          created_at: session.createdAt,
          last_seen_at: session.lastSeenAt,
          absolute_expires_at: session.absoluteExpiresAt,
          data: JSON.stringify(session.data),
        })
        .execute(),
    )
    return { cookieValue, session }
  }

  async saveData(session: SessionState): Promise<void> {
    const data = JSON.stringify(session.data)
    await this.change((db) =>
      db.updateTable('http_session').set({ data }).where('id_hash', '=', session.idHash).execute(),
    )
  }

  /** Writes `data` as the session's data with the caller's transaction (see Sessions.changeWithin). */
  async saveDataWithin(trx: Kysely<Database>, session: SessionState, data: SessionData): Promise<void> {
    await trx
      .updateTable('http_session')
      .set({ data: JSON.stringify(data) })
      .where('id_hash', '=', session.idHash)
      .execute()
  }

  async setMfaVerified(session: SessionState): Promise<void> {
    session.mfaVerified = true
    await this.change((db) =>
      db.updateTable('http_session').set({ mfa_verified: 1 }).where('id_hash', '=', session.idHash).execute(),
    )
  }

  async touch(session: SessionState): Promise<void> {
    const lastSeenAt = this.now().toISOString()
    session.lastSeenAt = lastSeenAt
    await this.change((db) =>
      db.updateTable('http_session').set({ last_seen_at: lastSeenAt }).where('id_hash', '=', session.idHash).execute(),
    )
  }

  async destroy(idHash: string): Promise<void> {
    await this.change((db) => db.deleteFrom('http_session').where('id_hash', '=', idHash).execute())
  }

  /** Signs a person out everywhere (after a password reset, or when an admin disables the account). */
  async destroyForUser(userId: number): Promise<void> {
    await this.change((db) =>
      db
        .deleteFrom('http_session')
        .where((eb) => eb.or([eb('user_id', '=', userId), eb('pending_user_id', '=', userId)]))
        .execute(),
    )
  }

  async purgeExpired(): Promise<number> {
    const now = this.now()
    const idleCutoff = new Date(now.getTime() - this.timeouts.idleMs).toISOString()
    const r = await this.db
      .deleteFrom('http_session')
      .where((eb) => eb.or([eb('last_seen_at', '<', idleCutoff), eb('absolute_expires_at', '<', now.toISOString())]))
      .executeTakeFirst()
    return Number(r.numDeletedRows)
  }
}

function parseData(text: string): SessionData {
  try {
    const v: unknown = JSON.parse(text)
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as SessionData) : {}
  } catch {
    return {}
  }
}
