import type { TFunction } from 'i18next'
import type { Transaction } from 'kysely'
import type { Database } from '../db/schema.js'
import type { Actor } from '../access/roles.js'
import type { RouteAccess } from '../access/access.plugin.js'
import type { Ward } from '../tenancy/ward.repository.js'
import type { SessionState } from './session-store.js'

export interface PageOptions {
  status?: number
  /** The page has a form: make sure a session (and so a CSRF token) exists before rendering. */
  form?: boolean
}

declare module 'fastify' {
  interface FastifyRequest {
    session: SessionState | null
    sessionExpired: boolean
    actor: Actor
    ward: Ward | undefined
    lang: string
    t: TFunction
    /**
     * Appends this route's audit event (its `audit` action, outcome success) inside the caller's unit of work, so it
     * commits with the action; the response then does not append it again. Does nothing on a route without one.
     */
    auditWithin(trx: Transaction<Database>): Promise<void>
    /** Set once `auditWithin`'s unit has been committed (by the route, after its write resolved). */
    auditRecorded: boolean
  }
  interface FastifyReply {
    page(template: string, context?: Record<string, unknown>, options?: PageOptions): Promise<FastifyReply>
  }
  interface FastifyContextConfig {
    access?: RouteAccess
    /** Appends an audit event (who, what, when, ward, outcome) when the route answers. */
    audit?: string
    /** State-changing routes check a CSRF token unless this is false (only for token-authenticated APIs). */
    csrf?: boolean
  }
}
