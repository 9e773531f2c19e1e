import type { FastifyInstance } from 'fastify'
import type { Kysely } from 'kysely'
import type { Config } from '../config.js'
import type { AuditLog } from './audit/index.js'
import type { Database, Dialect, ModuleMigration, Write } from './db/index.js'
import type { Rule } from './access/index.js'
import type { Sessions } from './http/sessions.js'
import type { Mailer } from './mail/mail.js'
import type { TenantProfile, Ward } from './tenancy/index.js'

/** What every module receives at registration: platform services, never another module's internals. */
export interface PlatformContext {
  config: Config
  db: Kysely<Database>
  dialect: Dialect
  /** Every write a person is told succeeded goes through this (committed before it resolves; grouped on SQLite). */
  write: Write
  audit: AuditLog
  sessions: Sessions
  mailer: Mailer
  tenant: TenantProfile
  councilId: number
  /** Cached reads of wards (refreshed at most every few seconds; invalidated on local changes). */
  wards: WardDirectory
}

export interface WardDirectory {
  byCode(code: string): Promise<Ward | undefined>
  list(filter?: { activeOnly?: boolean }): Promise<Ward[]>
  invalidate(): void
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
