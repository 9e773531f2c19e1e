import { readFileSync } from 'node:fs'
import path from 'node:path'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import type { Transaction } from 'kysely'
import fastifyCookie from '@fastify/cookie'
import fastifyFormbody from '@fastify/formbody'
import fastifyMultipart from '@fastify/multipart'
import fastifyRateLimit from '@fastify/rate-limit'
import fastifyStatic from '@fastify/static'
import fastifySwagger from '@fastify/swagger'
import { paths, type Config } from './config.js'
import { accessPlugin, definePermissions, type RouteInventoryEntry } from './platform/access/index.js'
import { createAuditLog, type AuditEntry, type AuditLog } from './platform/audit/index.js'
import {
  assertDurable,
  connectDatabase,
  createWriter,
  migrateToLatest,
  type Database,
  type Db,
  type ModuleMigration,
} from './platform/db/index.js'
import { databaseRateLimitStore } from './platform/http/rate-limit-store.js'
import { registerSessions, type Sessions } from './platform/http/sessions.js'
import { SessionStore } from './platform/http/session-store.js'
import { registerWeb, renderStatusPage } from './platform/http/web.js'
import './platform/http/types.js'
import { createTranslator } from './platform/i18n/index.js'
import { createOutboxMailer } from './platform/mail/mail.js'
import { mailMigrations } from './platform/mail/mail.migrations.js'
import { createSmtpRelay } from './platform/mail/smtp-relay.js'
import { createNotifyRelay } from './platform/mail/notify-relay.js'
import type { PlatformContext, WardDirectory } from './platform/module.js'
import { createTtlCache } from './platform/cache.js'
import { platformMigrations } from './platform/platform.migrations.js'
import { filesMigrations, MULTIPART_LIMITS } from './platform/files/index.js'
import {
  findCouncilByCode,
  findWardByCode,
  listWards,
  loadTenantProfile,
  tenancyMigrations,
  type TenantProfile,
  type Ward,
} from './platform/tenancy/index.js'
import { createViewEnvironment, govukFrontendDist } from './platform/views/index.js'
import {
  accountsMigrations,
  accountsPermissions,
  createAccountsService,
  registerAccountsRoutes,
  type AccountsService,
} from './modules/accounts/index.js'
import { adminPermissions, registerAdminRoutes } from './modules/admin/index.js'
import {
  geographyMigrations,
  importGeographyPack,
  lookupPostcode,
  parseGeographyPack,
} from './modules/geography/index.js'
import { registerSiteRoutes, siteMigrations, sitePermissions } from './modules/site/index.js'
import { panelMigrations, panelPermissions, registerPanelRoutes } from './modules/panel/index.js'
import {
  prioritisationMigrations,
  prioritisationPermissions,
  registerPrioritisationRoutes,
} from './modules/prioritisation/index.js'
import { engagementMigrations, engagementPermissions, registerEngagementRoutes } from './modules/engagement/index.js'
import { reachMigrations, reachPermissions, registerReachRoutes } from './modules/reach/index.js'
import { ledgerMigrations, ledgerPermissions, registerLedgerRoutes } from './modules/ledger/index.js'
import { directoryMigrations, directoryPermissions, registerDirectoryRoutes } from './modules/directory/index.js'
import {
  registerUnderstandingRoutes,
  understandingMigrations,
  understandingPermissions,
} from './modules/understanding/index.js'
import {
  commissioningMigrations,
  commissioningPermissions,
  registerCommissioningRoutes,
} from './modules/commissioning/index.js'
import { ideasMigrations, ideasPermissions, registerIdeasRoutes } from './modules/ideas/index.js'
import { deliveryMigrations, deliveryPermissions, registerDeliveryRoutes } from './modules/delivery/index.js'
import { registerLanguagesRoutes } from './modules/languages/index.js'
import { programmePermissions, registerProgrammeRoutes } from './modules/programme/index.js'
import { privacyMigrations, privacyPermissions, registerPrivacyRoutes } from './modules/privacy/index.js'
import {
  notificationsMigrations,
  notificationsPermissions,
  registerNotificationsRoutes,
} from './modules/notifications/index.js'
import { registerTraceRoutes, tracePermissions } from './modules/trace/index.js'

/** Every migration, in the order modules depend on each other (names also sort globally). */
export const allMigrations: ModuleMigration[] = [
  ...platformMigrations,
  ...filesMigrations,
  ...tenancyMigrations,
  ...geographyMigrations,
  ...accountsMigrations,
  ...siteMigrations,
  ...panelMigrations,
  ...prioritisationMigrations,
  ...engagementMigrations,
  ...reachMigrations,
  ...ledgerMigrations,
  ...directoryMigrations,
  ...understandingMigrations,
  ...commissioningMigrations,
  ...ideasMigrations,
  ...mailMigrations,
  ...privacyMigrations,
  ...notificationsMigrations,
  ...deliveryMigrations,
]

export interface BuiltApp {
  app: FastifyInstance
  db: Db
  audit: AuditLog
  sessions: Sessions
  accounts: AccountsService
  tenant: TenantProfile
  wards: WardDirectory
  routes: RouteInventoryEntry[]
  close(): Promise<void>
}

export interface BuildOptions {
  /** Use this database (tests share one); otherwise connect from config. The caller then owns closing it. */
  db?: Db
  logger?: boolean
  /** Adds routes before the app is sealed (the benchmark's in-app bare route). */
  beforeReady?: (app: FastifyInstance) => void
}

/** Loads (or refreshes) the tenant's geography pack; wards keep whether an admin switched them on. */
export async function importTenantPack(db: Db, tenant: TenantProfile): Promise<void> {
  const pack = parseGeographyPack(readFileSync(path.join(tenant.dir, tenant.geographyPack), 'utf8'))
  await importGeographyPack(db.db, pack, tenant)
}

/** Loads the tenant's geography pack when its council is not in the database yet (first start). */
export async function ensureTenantData(db: Db, tenant: TenantProfile): Promise<number> {
  const existing = await findCouncilByCode(db.db, tenant.council.code)
  if (existing) return existing.id
  await importTenantPack(db, tenant)
  const council = await findCouncilByCode(db.db, tenant.council.code)
  if (!council) throw new Error('council missing after import')
  return council.id
}

export async function buildApp(config: Config, options: BuildOptions = {}): Promise<BuiltApp> {
  const ownsDb = !options.db
  const db = options.db ?? connectDatabase(config.database)
  await migrateToLatest(db, allMigrations)
  await assertDurable(db)
  const tenant = loadTenantProfile(config.tenantsDir, config.tenant)
  const councilId = await ensureTenantData(db, tenant)

  const app = Fastify({
    logger:
      options.logger === false || config.logLevel === 'silent'
        ? false
        : {
            level: config.logLevel,
            redact: ['req.headers.cookie', 'req.headers.authorization', 'req.body', '*.email', '*.password'],
          },
    trustProxy: config.trustProxy,
    bodyLimit: 1_048_576,
    return503OnClosing: true,
  })

  for (const perms of [accountsPermissions, adminPermissions, sitePermissions, panelPermissions])
    definePermissions(perms)
  definePermissions(prioritisationPermissions)
  definePermissions(engagementPermissions)
  definePermissions(reachPermissions)
  definePermissions(ledgerPermissions)
  definePermissions(directoryPermissions)
  definePermissions(understandingPermissions)
  definePermissions(commissioningPermissions)
  definePermissions(ideasPermissions)
  definePermissions(privacyPermissions)
  definePermissions(notificationsPermissions)
  definePermissions(tracePermissions)
  definePermissions(deliveryPermissions)
  definePermissions(programmePermissions)

  await app.register(fastifyCookie)
  await app.register(fastifyFormbody)
  // Uploads are buffered (bounded by MULTIPART_LIMITS) so the CSRF check can read the token field before the handler.
  await app.register(fastifyMultipart, { attachFieldsToBody: true, limits: MULTIPART_LIMITS })
  // One process on SQLite counts in memory; processes sharing a PostgreSQL database share their counters, or each
  // would allow the whole limit again (security checklist I-5).
  await app.register(fastifyRateLimit, {
    global: false,
    ...(db.dialect === 'postgres' ? { store: databaseRateLimitStore(db.db) } : {}),
  })
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: `${tenant.serviceName} API`,
        version: '1.0.0',
        description: 'Open data and programme information. Personal data is never returned.',
      },
      servers: [{ url: config.publicUrl }],
    },
    hideUntagged: true,
  })

  // One group-commit writer for the whole app: audit appends and session changes join the same commits (ADR 0009).
  const write = createWriter(db)
  const audit = createAuditLog(db.db, db.dialect, { write })
  const mailer = createOutboxMailer(db.db, app.log)
  const translator = await createTranslator([path.join(paths.projectRoot, 'locales')], tenant.languages)
  const views = createViewEnvironment({
    searchPaths: [
      path.join(tenant.dir, 'views'),
      path.join(paths.projectRoot, 'src', 'views'),
      path.join(paths.projectRoot, 'src', 'modules'),
    ],
    noCache: config.env === 'development' && process.env.npm_lifecycle_event === 'dev',
  })

  const accounts = createAccountsService({
    db: db.db,
    audit,
    mailer,
    passwordLog2N: config.passwordScryptLog2N,
    demoMode: config.demoMode,
    publicUrl: config.publicUrl,
    serviceName: tenant.serviceName,
    translate: (key, vars) => translator.forLanguage(tenant.languages[0] ?? 'en')(key, vars),
    lookupPostcode: (input) => lookupPostcode(db.db, input),
  })
  const sessions = registerSessions(app, {
    store: new SessionStore(
      db.db,
      { idleMs: config.sessionIdleMs, absoluteMs: config.sessionAbsoluteMs },
      undefined,
      // PostgreSQL groups commits itself: there a session change stays one statement, not a transaction around it.
      db.dialect === 'sqlite' ? write : undefined,
    ),
    secureCookies: config.isProduction,
    resolveActor: (userId, mfa) => accounts.resolveActor(userId, mfa),
  })

  const wardList = createTtlCache<'all', Ward[]>(5_000, () => listWards(db.db, { councilId }))
  const wards: WardDirectory = {
    byCode: async (code) => (await wardList.get('all')).find((w) => w.code === code),
    list: async (filter = {}) => (await wardList.get('all')).filter((w) => !filter.activeOnly || w.isActive),
    invalidate: () => wardList.invalidate(),
  }
  const pilot = await findWardByCode(db.db, tenant.pilotWards[0]!)
  await registerWeb(app, {
    views,
    translator,
    sessions,
    isProduction: config.isProduction,
    idleTimeoutMs: config.sessionIdleMs,
    baseContext: (req) => {
      const ward = req.ward ?? pilot
      return {
        serviceName: ward?.programmeName ?? tenant.serviceName,
        strapline: ward?.strapline ?? tenant.programme.strapline,
        councilName: tenant.council.name,
        platformName: tenant.serviceName,
        brandColour: tenant.brand.colour,
        siteLanguages: tenant.languages,
        demoMode: config.demoMode,
      }
    },
  })

  const routes = accessPlugin(app, {
    findWard: (code) => wards.byCode(code),
    publicPrefixes: ['/assets/', '/govuk/', '/public/'],
    renderDenied: renderStatusPage,
    onDenied: async (req, decision) => {
      if (req.actor.kind !== 'user') return
      await audit.append({
        actorUserId: req.actor.userId,
        actorLabel: `user:${req.actor.userId}`,
        wardId: req.ward?.id ?? null,
        action: 'access.denied',
        subject: `${req.method} ${req.routeOptions.url ?? req.url}`,
        outcome: 'denied',
        detail: { reason: decision.reason },
      })
    },
  })

  const routeAuditEntry = (req: FastifyRequest, action: string, outcome: 'success' | 'failure'): AuditEntry => ({
    actorUserId: req.actor.kind === 'user' ? req.actor.userId : null,
    actorLabel: req.actor.kind === 'user' ? `user:${req.actor.userId}` : 'anonymous',
    wardId: req.ward?.id ?? null,
    action,
    subject: JSON.stringify(req.params ?? {}),
    outcome,
  })
  app.decorateRequest('auditRecorded', false)
  app.decorateRequest('auditWithin', async function (this: FastifyRequest, trx: Transaction<Database>) {
    const action = this.routeOptions.config?.audit
    if (action) await audit.appendWithin(trx, routeAuditEntry(this, action, 'success'))
  })

  // Staff actions and reads of personal data are appended to the hash-chained audit log. The entry is committed
  // before the response leaves (onSend, not onResponse): since appends join the group-commit writer (ADR 0009) they
  // are no longer instant, and an action whose answer has been seen must already be on the record.
  app.addHook('onSend', async (req, reply, payload) => {
    const action = req.routeOptions.config?.audit
    if (!action || reply.getHeader('x-access-denied') || reply.getHeader('x-csrf-rejected')) return payload
    // Already committed with the action itself (`req.auditWithin`), and the answer is the success it recorded.
    if (req.auditRecorded && reply.statusCode < 400) return payload
    await audit.append(routeAuditEntry(req, action, reply.statusCode < 400 ? 'success' : 'failure'))
    return payload
  })

  await app.register(fastifyStatic, {
    root: path.join(govukFrontendDist, 'govuk', 'assets'),
    prefix: '/assets/',
    maxAge: '1d',
  })
  await app.register(fastifyStatic, {
    root: path.join(govukFrontendDist, 'govuk'),
    prefix: '/govuk/',
    decorateReply: false,
    allowedPath: (p) => /^\/govuk-frontend\.min\.js(\.map)?$/.test(p),
  })
  await app.register(fastifyStatic, { root: config.assetsDir, prefix: '/public/', decorateReply: false, maxAge: '1h' })

  const ctx: PlatformContext = {
    config,
    db: db.db,
    dialect: db.dialect,
    write,
    audit,
    sessions,
    mailer,
    tenant,
    councilId,
    wards,
  }
  registerAccountsRoutes(app, ctx, accounts)
  registerAdminRoutes(app, ctx, accounts)
  registerSiteRoutes(app, ctx, {
    health: async () => {
      try {
        await db.settings()
        return { ok: true, database: db.dialect }
      } catch (e) {
        return { ok: false, database: db.dialect, detail: e instanceof Error ? e.message : String(e) }
      }
    },
    openapi: () => app.swagger(),
  })

  registerPanelRoutes(app, ctx, { accounts })
  registerPrioritisationRoutes(app, ctx, { accounts })
  registerEngagementRoutes(app, ctx)
  registerReachRoutes(app, ctx)
  registerLedgerRoutes(app, ctx)
  registerDirectoryRoutes(app, ctx)
  registerUnderstandingRoutes(app, ctx)
  registerCommissioningRoutes(app, ctx)
  registerIdeasRoutes(app, ctx)
  registerLanguagesRoutes(app, ctx)
  registerPrivacyRoutes(app, ctx)
  registerNotificationsRoutes(app, ctx)
  registerTraceRoutes(app, ctx)
  registerDeliveryRoutes(app, ctx)
  registerProgrammeRoutes(app, ctx)
  // Queued mail leaves over SMTP only when a relay is configured; otherwise it waits in the outbox, losing nothing.
  if (config.smtpUrl) {
    const relay = createSmtpRelay({ db: db.db, smtpUrl: config.smtpUrl, from: config.mailFrom, log: app.log })
    relay.start()
    app.addHook('onClose', async () => relay.stop())
  }
  // Or through GOV.UK Notify (config refuses both at once), from the same outbox with the same retries.
  if (config.notify) {
    const relay = createNotifyRelay({ db: db.db, log: app.log, ...config.notify })
    relay.start()
    app.addHook('onClose', async () => relay.stop())
  }

  options.beforeReady?.(app)

  app.setNotFoundHandler({ preHandler: app.rateLimit({ max: 60, timeWindow: '1 minute' }) }, async (req, reply) =>
    renderStatusPage(req, reply, 404),
  )

  await app.ready()
  return {
    app,
    db,
    audit,
    sessions,
    accounts,
    tenant,
    wards,
    routes,
    async close() {
      await app.close()
      if (ownsDb) await db.close()
    },
  }
}
