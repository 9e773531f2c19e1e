import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fastifyHelmet from '@fastify/helmet'
import type nunjucks from 'nunjucks'
import type { Translator } from '../i18n/i18n.js'
import { safeEqual } from '../security/tokens.js'
import type { PageOptions } from './types.js'
import type { Sessions } from './sessions.js'
import { takeFlash } from './sessions.js'

export interface WebOptions {
  views: nunjucks.Environment
  translator: Translator
  sessions: Sessions
  isProduction: boolean
  /** Values every page needs (service name, branding, navigation). */
  baseContext: (req: FastifyRequest) => Record<string, unknown>
  idleTimeoutMs: number
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export async function registerWeb(app: FastifyInstance, opts: WebOptions): Promise<void> {
  await app.register(fastifyHelmet, {
    enableCSPNonces: true,
    contentSecurityPolicy: {
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        // With nonces on, style-src must be listed or the external GOV.UK stylesheet is blocked.
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:'],
        'font-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'none'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
        'upgrade-insecure-requests': opts.isProduction ? [] : null,
      },
    },
    hsts: opts.isProduction ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'same-origin' },
    crossOriginEmbedderPolicy: false,
  })

  app.decorateRequest('lang', 'en')
  app.decorateRequest('t', null as unknown as FastifyRequest['t'])
  app.addHook('onRequest', async (req) => {
    const q = (req.query as Record<string, unknown> | undefined)?.lang
    const lang = opts.translator.pick(typeof q === 'string' ? q : req.cookies.lang)
    req.lang = lang
    req.t = opts.translator.forLanguage(lang)
  })

  // Signed-in pages and forms must never be kept by a shared or browser cache.
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.session || req.actor?.kind === 'user' || req.method !== 'GET') reply.header('cache-control', 'no-store')
    return payload
  })

  // CSRF: a synchroniser token tied to the server-side session, checked after the body is parsed.
  app.addHook('preHandler', async (req, reply) => {
    if (SAFE_METHODS.has(req.method) || req.routeOptions.config?.csrf === false) return
    const body = req.body as Record<string, unknown> | undefined
    const field = body && typeof body === 'object' ? body._csrf : undefined
    // multipart/form-data bodies hold each field as a part object ({ type: 'field', value }).
    const fromBody =
      typeof field === 'string'
        ? field
        : field && typeof field === 'object' && typeof (field as { value?: unknown }).value === 'string'
          ? (field as { value: string }).value
          : undefined
    const header = req.headers['x-csrf-token']
    const token = fromBody ?? (typeof header === 'string' ? header : undefined)
    if (!req.session || !token || !safeEqual(token, req.session.csrfToken)) {
      reply.header('x-csrf-rejected', '1')
      if (req.url.startsWith('/api/'))
        return reply.code(403).send({ error: 'csrf', message: 'Missing or invalid CSRF token' })
      return reply.page('errors/csrf.njk', {}, { status: 403 })
    }
  })

  app.decorateReply(
    'page',
    async function (
      this: FastifyReply,
      template: string,
      context: Record<string, unknown> = {},
      options: PageOptions = {},
    ) {
      const req = this.request
      if (options.form || req.actor.kind === 'user') await opts.sessions.ensure(req, this)
      const flash = await takeFlash(opts.sessions.store, req.session)
      const nonce = (this as FastifyReply & { cspNonce?: { script: string } }).cspNonce?.script
      const html = opts.views.render(template, {
        ...opts.baseContext(req),
        t: req.t,
        lang: req.lang,
        actor: req.actor,
        csrfToken: req.session?.csrfToken,
        cspNonce: nonce,
        currentPath: req.url.split('?')[0],
        flash,
        idleTimeoutMs: req.actor.kind === 'user' ? opts.idleTimeoutMs : undefined,
        ...context,
      })
      return this.code(options.status ?? 200)
        .type('text/html; charset=utf-8')
        .send(html)
    },
  )

  app.setErrorHandler(async (err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500
    if (status >= 500) req.log.error({ err }, 'request failed')
    else req.log.info({ code: err.code, status }, 'request rejected')
    // 4xx from the framework (bad JSON, too large, unsupported type) explain themselves; 5xx never leak details.
    const message = status < 500 ? err.message : 'Something went wrong on our side'
    if (req.url.startsWith('/api/') || req.url === '/healthz' || !req.t) {
      return reply.code(status).send({ error: status < 500 ? (err.code ?? 'bad_request') : 'internal_error', message })
    }
    return reply.page(
      status < 500 ? 'errors/bad-request.njk' : 'errors/server-error.njk',
      { status, message },
      { status },
    )
  })
}

export async function renderStatusPage(
  req: FastifyRequest,
  reply: FastifyReply,
  status: 403 | 404,
): Promise<FastifyReply> {
  if (req.url.startsWith('/api/')) {
    return reply.code(status).send({
      error: status === 404 ? 'not_found' : 'forbidden',
      message: status === 404 ? 'Not found' : 'You do not have permission to do this',
    })
  }
  return reply.page(status === 404 ? 'errors/not-found.njk' : 'errors/forbidden.njk', {}, { status })
}
