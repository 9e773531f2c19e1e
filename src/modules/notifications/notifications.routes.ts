import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { PlatformContext } from '../../platform/module.js'
import { fromMessages } from '../../platform/views/forms.js'
import { listPreferences, setPreference } from './notifications.repository.js'
import {
  effectivePreferences,
  isNotificationKind,
  NOTIFICATION_KINDS,
  verifyUnsubscribeToken,
  type NotificationKind,
} from './notifications.rules.js'

const V = 'notifications/views'

const signedIn = {
  config: {
    access: { permission: 'notifications.preferences' },
    rateLimit: { max: 60, timeWindow: '1 minute' },
  },
}
// The token is the credential (RFC 8058 one-click: a mail client POSTs without a session or CSRF token). The limit is
// generous because large mail providers send everyone's one-click requests from a few addresses.
const byToken = {
  config: {
    access: { permission: 'public' },
    csrf: false,
    rateLimit: { max: 300, timeWindow: '1 minute' },
  },
}

/** Checkbox values arrive as one string or several; anything that is not a known kind is refused. */
function chosenKinds(body: unknown): { kinds: NotificationKind[]; invalid: boolean } {
  const raw = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).kinds : undefined
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]
  const kinds = list.filter(isNotificationKind)
  return { kinds, invalid: kinds.length !== list.length }
}

export function registerNotificationsRoutes(app: FastifyInstance, ctx: PlatformContext): void {
  const { db } = ctx

  async function preferencesPage(
    req: FastifyRequest,
    reply: FastifyReply,
    extra: Record<string, unknown> = {},
    status = 200,
  ) {
    if (req.actor.kind !== 'user') return reply.redirect('/sign-in?returnTo=%2Faccount%2Fnotifications', 303)
    const prefs = effectivePreferences(await listPreferences(db, req.actor.userId))
    return reply.page(
      `${V}/preferences.njk`,
      { kinds: NOTIFICATION_KINDS.map((k) => ({ kind: k, enabled: prefs[k] })), ...extra },
      { status, form: true },
    )
  }

  app.get('/account/notifications', signedIn, async (req, reply) => preferencesPage(req, reply))

  app.post('/account/notifications', signedIn, async (req, reply) => {
    if (req.actor.kind !== 'user') return reply.redirect('/sign-in', 303)
    const { kinds, invalid } = chosenKinds(req.body)
    if (invalid)
      return preferencesPage(req, reply, { errors: fromMessages({ kinds: req.t('notifications.errors.kinds') }) }, 400)
    const userId = req.actor.userId
    await ctx.write(async (trx) => {
      for (const k of NOTIFICATION_KINDS) await setPreference(trx, userId, k, kinds.includes(k))
    })
    await ctx.sessions.flash(req, reply, 'success', req.t('notifications.saved'))
    return reply.redirect('/account/notifications', 303)
  })

  function invalidLink(reply: FastifyReply) {
    // 403: the link is the credential, and this one is not valid (tampered, truncated or made up).
    return reply.page(`${V}/unsubscribe-invalid.njk`, {}, { status: 403 })
  }

  app.get('/unsubscribe/:token', byToken, async (req, reply) => {
    const token = (req.params as { token: string }).token
    const v = verifyUnsubscribeToken(ctx.config.secretKey, token)
    if (!v) return invalidLink(reply)
    // Viewing changes nothing: link scanners and previews fetch URLs, and must not unsubscribe anyone.
    return reply.page(`${V}/unsubscribe.njk`, { token, kind: v.kind })
  })

  app.post('/unsubscribe/:token', byToken, async (req, reply) => {
    const v = verifyUnsubscribeToken(ctx.config.secretKey, (req.params as { token: string }).token)
    if (!v) return invalidLink(reply)
    await ctx.write((trx) => setPreference(trx, v.userId, v.kind, false))
    // A one-click POST from a mail client (RFC 8058 body) needs only a status; a person gets a page.
    const body = req.body as Record<string, unknown> | undefined
    if (body && body['List-Unsubscribe'] === 'One-Click') return reply.code(200).type('text/plain').send('Unsubscribed')
    return reply.page(`${V}/unsubscribed.njk`, { kind: v.kind })
  })
}
