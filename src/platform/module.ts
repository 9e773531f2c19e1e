import type { FastifyInstance } from 'fastify'
import type { Kysely } from 'kysely'
import type { Config } from '../config.js'
import type { AuditLog } from './audit/index.js'
import type { Database, Dialect, ModuleMigration } from './db/index.js'
import type { Rule } from './access/index.js'
import type { Sessions } from './http/sessions.js'
import type { Mailer } from './mail/mail.js'
import type { TenantProfile } from './tenancy/index.js'

/** What every module receives at registration: platform services, never another module's internals. */
export interface PlatformContext {
  config: Config
  db: Kysely<Database>
  dialect: Dialect
  audit: AuditLog
  sessions: Sessions
  mailer: Mailer
  tenant: TenantProfile
  councilId: number
}

/**
 * A capability's contract with the app (Decidim's component manifest, in TypeScript): its tables,
 * its permissions and its routes. app.ts registers manifests in order.
 */
export interface ModuleManifest<Api = unknown> {
  id: string
  migrations: ModuleMigration[]
  permissions: Record<string, Rule>
  /** Registers routes; returns the module's public API for modules registered after it. */
  register(app: FastifyInstance, ctx: PlatformContext): Promise<Api> | Api
}
