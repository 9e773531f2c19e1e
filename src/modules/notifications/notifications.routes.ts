import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { PlatformContext } from '../../platform/module.js'
import { setPreferredLanguage } from '../accounts/index.js'
import { fromMessages } from '../../platform/views/forms.js'
import {
  findOutcomeContact,
  listPreferences,
  setPreference,
  unsubscribeOutcomeContact,
} from './notifications.repository.js'
import { recipientLanguage } from './notifications.service.js'
import {
  effectivePreferences,
  isNotificationKind,
  NOTIFICATION_KINDS,
  verifyContactToken,
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
      {
        kinds: NOTIFICATION_KINDS.map((k) => ({ kind: k, enabled: prefs[k] })),
        languages: ctx.tenant.languages,
        emailLanguage: await recipientLanguage(ctx, db, req.actor.userId),
        ...extra,
      },
      { status, form: true },
    )
  }

  app.get('/account/notifications', signedIn, async (req, reply) => preferencesPage(req, reply))

  app.post('/account/notifications', signedIn, async (req, reply) => {
    if (req.actor.kind !== 'user') return reply.redirect('/sign-in', 303)
    const { kinds, invalid } = chosenKinds(req.body)
    // The language of the person's emails: absent keeps what they had; anything the programme does not offer is refused.
    const raw =
      typeof req.body === 'object' && req.body !== null ? (req.body as Record<string, unknown>).language : undefined
    const language = typeof raw === 'string' && ctx.tenant.languages.includes(raw) ? raw : undefined
    const byField: Record<string, string> = {}
    if (invalid) byField.kinds = req.t('notifications.errors.kinds')
    if (raw !== undefined && language === undefined) byField.language = req.t('notifications.errors.language')
    if (Object.keys(byField).length > 0)
      return preferencesPage(req, reply, { errors: fromMessages(byField, ['kinds', 'language']) }, 400)
    const userId = req.actor.userId
    await ctx.write(async (trx) => {
      for (const k of NOTIFICATION_KINDS) await setPreference(trx, userId, k, kinds.includes(k))
      if (language) await setPreferredLanguage(trx, userId, language)
    })
    await ctx.sessions.flash(req, reply, 'success', req.t('notifications.saved'))
    return reply.redirect('/account/notifications', 303)
  })

  function invalidLink(reply: FastifyReply) {
    // 403: the link is the credential, and this one is not valid (tampered, truncated or made up).
    return reply.page(`${V}/unsubscribe-invalid.njk`, {}, { status: 403 })
  }

  // Addresses left on a consultation answer without an account: the same ask-then-POST, with a token of their own.
  app.get('/unsubscribe/contact/:token', byToken, async (req, reply) => {
    const token = (req.params as { token: string }).token
    const id = verifyContactToken(ctx.config.secretKey, token)
    if (id === undefined || !(await findOutcomeContact(db, id))) return invalidLink(reply)
    return reply.page(`${V}/unsubscribe.njk`, { token: `contact/${token}`, kind: 'outcomes' })
  })

  app.post('/unsubscribe/contact/:token', byToken, async (req, reply) => {
    const id = verifyContactToken(ctx.config.secretKey, (req.params as { token: string }).token)
    if (id === undefined || !(await findOutcomeContact(db, id))) return invalidLink(reply)
    await ctx.write((trx) => unsubscribeOutcomeContact(trx, id))
    const body = req.body as Record<string, unknown> | undefined
    if (body && body['List-Unsubscribe'] === 'One-Click') return reply.code(200).type('text/plain').send('Unsubscribed')
    return reply.page(`${V}/unsubscribed.njk`, { kind: 'outcomes' })
  })

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
