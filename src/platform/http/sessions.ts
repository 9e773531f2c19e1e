import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Actor } from '../access/roles.js'
import { ANONYMOUS } from '../access/roles.js'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import type { SessionStore } from './session-store.js'
import { type SessionData, type SessionState } from './session-store.js'

export interface SessionOptions {
  store: SessionStore
  secureCookies: boolean
  /** Builds the actor for a signed-in user; undefined when the account is gone or disabled. */
  resolveActor: (userId: number, mfaVerified: boolean) => Promise<Actor | undefined>
}

export interface Sessions {
  cookieName: string
  ensure(req: FastifyRequest, reply: FastifyReply): Promise<SessionState>
  /** Rotates the session id at every change of privilege (sign-in, second factor) against fixation. */
  signIn(req: FastifyRequest, reply: FastifyReply, userId: number, mfaVerified: boolean): Promise<void>
  setPending(req: FastifyRequest, reply: FastifyReply, userId: number): Promise<void>
  signOut(req: FastifyRequest, reply: FastifyReply): Promise<void>
  flash(req: FastifyRequest, reply: FastifyReply, kind: 'success' | 'info', text: string): Promise<void>
  setData(req: FastifyRequest, reply: FastifyReply, patch: SessionData): Promise<void>
  /**
   * Changes the request's existing session inside the caller's unit of work, so the change commits with the write it
   * belongs to (a cleared draft with the stored response) and costs no commit of its own. False when there is no
   * session yet (then use flash/setData).
   */
  changeWithin(trx: Kysely<Database>, req: FastifyRequest, change: SessionChange): Promise<boolean>
  store: SessionStore
}

export type SessionChange = { data?: SessionData; flash?: { kind: 'success' | 'info'; text: string } }

/** A flash waits until a page shows it; a client that never loads one must not grow its session without bound. */
const FLASH_KEPT = 5

function withFlash(data: SessionData, kind: 'success' | 'info', text: string): SessionData['flash'] {
  return [...(data.flash ?? []), { kind, text }].slice(-FLASH_KEPT)
}

export function registerSessions(app: FastifyInstance, opts: SessionOptions): Sessions {
  const cookieName = opts.secureCookies ? '__Host-wt_session' : 'wt_session'
  const cookieOptions = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: opts.secureCookies }
  const { store } = opts

  app.decorateRequest('session', null)
  app.decorateRequest('sessionExpired', false)
  app.decorateRequest('actor', null as never)

  app.addHook('onRequest', async (req) => {
    req.actor = ANONYMOUS
    const raw = req.cookies[cookieName]
    if (!raw) return
    const { session, expired } = await store.load(raw)
    req.sessionExpired = expired
    req.session = session
    if (session?.userId != null) {
      const actor = await opts.resolveActor(session.userId, session.mfaVerified)
      if (actor) req.actor = actor
      else {
        await store.destroy(session.idHash)
        req.session = null
      }
    }
  })

  const setCookie = (reply: FastifyReply, value: string) => reply.setCookie(cookieName, value, cookieOptions)

  const sessions: Sessions = {
    cookieName,
    store,
    async ensure(req, reply) {
      if (req.session) return req.session
      const { cookieValue, session } = await store.create({})
      setCookie(reply, cookieValue)
      req.session = session
      return session
    },
    async signIn(req, reply, userId, mfaVerified) {
      const data: SessionData = {}
      if (req.session) {
        if (req.session.data.returnTo) data.returnTo = req.session.data.returnTo
        await store.destroy(req.session.idHash)
      }
      const { cookieValue, session } = await store.create({ userId, mfaVerified, data })
      setCookie(reply, cookieValue)
      req.session = session
      const actor = await opts.resolveActor(userId, mfaVerified)
      if (actor) req.actor = actor
    },
    async setPending(req, reply, userId) {
      if (req.session) await store.destroy(req.session.idHash)
      const { cookieValue, session } = await store.create({
        pendingUserId: userId,
        data: req.session?.data.returnTo ? { returnTo: req.session.data.returnTo } : {},
      })
      setCookie(reply, cookieValue)
      req.session = session
      req.actor = ANONYMOUS
    },
    async signOut(req, reply) {
      if (req.session) await store.destroy(req.session.idHash)
      req.session = null
      req.actor = ANONYMOUS
      reply.clearCookie(cookieName, cookieOptions)
    },
    async flash(req, reply, kind, text) {
      const s = await sessions.ensure(req, reply)
      s.data.flash = withFlash(s.data, kind, text)
      await store.saveData(s)
    },
    async setData(req, reply, patch) {
      const s = await sessions.ensure(req, reply)
      Object.assign(s.data, patch)
      await store.saveData(s)
    },
    async changeWithin(trx, req, change) {
      const s = req.session
      if (!s) return false
      const data: SessionData = { ...s.data, ...change.data }
      if (change.flash) data.flash = withFlash(data, change.flash.kind, change.flash.text)
      await store.saveDataWithin(trx, s, data)
      // The rest of this request sees what was written.
      s.data = data
      return true
    },
  }
  return sessions
}

/** Removes and returns flash messages (shown once). */
export async function takeFlash(
  store: SessionStore,
  session: SessionState | null,
): Promise<{ kind: string; text: string }[]> {
  if (!session?.data.flash?.length) return []
  const f = session.data.flash
  delete session.data.flash
  await store.saveData(session)
  return f
}
