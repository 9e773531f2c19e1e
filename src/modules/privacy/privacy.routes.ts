import { existsSync, readFileSync } from 'node:fs'
import { formatDate } from '../../platform/i18n/index.js'
import path from 'node:path'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { PlatformContext } from '../../platform/module.js'
import { toGovukErrors } from '../../platform/views/index.js'
import { findRequest, listRequests } from './privacy.repository.js'
import { parseRetentionPolicy, type RetentionPolicy } from './privacy.rules.js'
import { createPrivacyService, type PrivacyService } from './privacy.service.js'

const V = 'privacy/views'
const self = (audit?: string) => ({
  config: {
    access: { permission: 'privacy.self' },
    ...(audit ? { audit } : {}),
    rateLimit: { max: 30, timeWindow: '1 minute' },
  },
})
const processing = (audit: string) => ({ config: { access: { permission: 'privacy.process' }, audit } })

const EraseForm = z.object({ confirm: z.literal('yes', { error: 'privacy.errors.confirm' }) })

/** The tenant's retention policy (tenants/<tenant>/privacy.json); the documented defaults when there is none. */
export function loadRetentionPolicy(tenantDir: string): RetentionPolicy {
  const file = path.join(tenantDir, 'privacy.json')
  return parseRetentionPolicy(existsSync(file) ? readFileSync(file, 'utf8') : undefined)
}

export function registerPrivacyRoutes(app: FastifyInstance, ctx: PlatformContext): PrivacyService {
  const policy = loadRetentionPolicy(ctx.tenant.dir)
  const service = createPrivacyService({
    db: ctx.db,
    write: ctx.write,
    audit: ctx.audit,
    policy,
    secretKey: ctx.config.secretKey,
    endSessions: (userId) => ctx.sessions.store.destroyForUser(userId),
  })

  // The scheduled purge: due erasures and retention, every policy.purgeEveryMinutes while the server runs.
  let timer: NodeJS.Timeout | undefined
  let running: Promise<unknown> | undefined
  app.addHook('onReady', async () => {
    timer = setInterval(() => {
      if (running) return
      running = service
        .runPurge()
        .catch((err: unknown) => app.log.error({ err }, 'privacy purge failed'))
        .finally(() => {
          running = undefined
        })
    }, policy.purgeEveryMinutes * 60_000)
    timer.unref()
  })
  app.addHook('onClose', async () => {
    if (timer) clearInterval(timer)
    await running
  })

  const uid = (req: FastifyRequest) => (req.actor.kind === 'user' ? req.actor.userId : 0)

  async function yourDataPage(
    req: FastifyRequest,
    reply: FastifyReply,
    extra: Record<string, unknown> = {},
    status = 200,
  ) {
    const userId = uid(req)
    const [data, pending] = await Promise.all([
      service.exportAll(userId, ctx.tenant.serviceName),
      service.pendingFor(userId),
    ])
    return reply.page(
      `${V}/your-data.njk`,
      { data, pending, coolingOffDays: policy.erasureCoolingOffDays, retention: policy.retention, ...extra },
      { status, form: true },
    )
  }

  app.get('/account/your-data', self(), async (req, reply) => yourDataPage(req, reply))

  app.get('/account/your-data/download.json', self('privacy.export.download'), async (req, reply) => {
    const data = await service.exportAll(uid(req), ctx.tenant.serviceName)
    return reply
      .header('content-type', 'application/json; charset=utf-8')
      .header('content-disposition', 'attachment; filename="my-data.json"')
      .header('cache-control', 'no-store')
      .send(JSON.stringify(data, null, 2))
  })

  app.post('/account/your-data/erasure', self('privacy.erasure.request'), async (req, reply) => {
    const parsed = EraseForm.safeParse(req.body)
    if (!parsed.success)
      return yourDataPage(req, reply, { errors: toGovukErrors(parsed.error, req.t, ['confirm']) }, 400)
    const request = await service.requestErasure(uid(req))
    if (req.actor.kind === 'user')
      await ctx.mailer.send({
        to: req.actor.email,
        subject: req.t('privacy.mail.requestedSubject'),
        body: req.t('privacy.mail.requestedBody', {
          name: req.actor.name,
          date: formatDate(request.dueAt, req.lang),
          url: `${ctx.config.publicUrl}/account/your-data`,
        }),
      })
    await ctx.sessions.flash(
      req,
      reply,
      'success',
      req.t('privacy.erasure.requested', { date: formatDate(request.dueAt, req.lang) }),
    )
    return reply.redirect('/account/your-data', 303)
  })

  app.post('/account/your-data/erasure/cancel', self('privacy.erasure.cancel'), async (req, reply) => {
    const cancelled = await service.cancelErasure(uid(req))
    await ctx.sessions.flash(
      req,
      reply,
      'info',
      req.t(cancelled ? 'privacy.erasure.cancelled' : 'privacy.erasure.nothingToCancel'),
    )
    return reply.redirect('/account/your-data', 303)
  })

  app.get('/admin/privacy', processing('privacy.requests.read'), async (_req, reply) =>
    reply.page(
      `${V}/requests.njk`,
      { requests: await listRequests(ctx.db, 200), policy, now: new Date().toISOString() },
      { form: true },
    ),
  )

  app.post('/admin/privacy/requests/:requestId/erase', processing('privacy.erasure.process'), async (req, reply) => {
    const raw = (req.params as Record<string, string>).requestId
    const request = raw && /^\d{1,12}$/.test(raw) ? await findRequest(ctx.db, Number(raw)) : undefined
    if (!request) return reply.page('errors/not-found.njk', {}, { status: 404 })
    const outcome = request.status === 'pending' ? await service.erase(request, { userId: uid(req) }) : undefined
    await ctx.sessions.flash(
      req,
      reply,
      outcome ? 'success' : 'info',
      req.t(outcome ? 'privacy.admin.erased' : 'privacy.admin.notPending', { id: request.id }),
    )
    return reply.redirect('/admin/privacy', 303)
  })

  return service
}
