import path from 'node:path'
import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import { createTranslator, type Translator } from '../../platform/i18n/index.js'
import { enqueueMail } from '../../platform/mail/mail.js'
import type { PlatformContext } from '../../platform/module.js'
import { findUserById } from '../accounts/index.js'
import { claimOutcome, listPreferences } from './notifications.repository.js'
import {
  composeBody,
  effectivePreferences,
  signUnsubscribeToken,
  unsubscribeHeaders,
  type NotificationKind,
} from './notifications.rules.js'

export type NotificationResult = 'queued' | 'opted_out' | 'no_email'

/** What sending needs from the platform (callers pass their whole PlatformContext). */
export type NotifyContext = Pick<PlatformContext, 'config' | 'tenant'>

export interface Notification {
  userId: number
  kind: NotificationKind
  subject: string
  text: string
  /** Absolute URL, or a path on this site (made absolute with the public URL). */
  link: string
}

// Emails are written outside a request (fan-out), so the footer is translated here rather than with req.t.
// Works from src/ and from dist/ alike: both sit two folders below the project root.
const LOCALES = path.resolve(import.meta.dirname, '..', '..', '..', 'locales')
const translators = new Map<string, Promise<Translator>>()
function translatorFor(languages: string[]): Promise<Translator> {
  const key = languages.join(',')
  let t = translators.get(key)
  if (!t) {
    t = createTranslator([LOCALES], languages)
    translators.set(key, t)
  }
  return t
}

/**
 * Translates an email's words in the programme's first language. A notification is usually caused by someone else
 * (an officer replying), so the language of *their* request says nothing about the recipient's.
 */
export async function mailText(ctx: NotifyContext, key: string, vars: Record<string, unknown> = {}): Promise<string> {
  const t = (await translatorFor(ctx.tenant.languages)).forLanguage(ctx.tenant.languages[0] ?? 'en')
  return t(key, vars)
}

export function unsubscribeUrl(ctx: NotifyContext, userId: number, kind: NotificationKind): string {
  return `${ctx.config.publicUrl}/unsubscribe/${signUnsubscribeToken(ctx.config.secretKey, userId, kind)}`
}

/**
 * Queues an email through the mail outbox if the person has not opted out of this kind; adds a one-click
 * unsubscribe link and List-Unsubscribe / List-Unsubscribe-Post headers (RFC 8058). Call inside
 * `ctx.write(trx => …)` with that trx, so the email is queued if and only if the change it reports is committed.
 */
export async function sendNotification(
  ctx: NotifyContext,
  trx: Kysely<Database>,
  n: Notification,
): Promise<NotificationResult> {
  const user = await findUserById(trx, n.userId)
  if (!user || user.isDisabled || !user.email.includes('@')) return 'no_email'
  const prefs = effectivePreferences(await listPreferences(trx, n.userId))
  if (!prefs[n.kind]) return 'opted_out'
  const t = (await translatorFor(ctx.tenant.languages)).forLanguage(ctx.tenant.languages[0] ?? 'en')
  const unsubscribe = unsubscribeUrl(ctx, n.userId, n.kind)
  const link = /^https?:\/\//.test(n.link)
    ? n.link
    : `${ctx.config.publicUrl}${n.link.startsWith('/') ? '' : '/'}${n.link}`
  await enqueueMail(trx, {
    to: user.email,
    subject: n.subject,
    body: composeBody({
      text: n.text,
      link,
      footer: t('notifications.mail.footer', {
        kind: t(`notifications.kinds.${n.kind}.label`),
        preferences: `${ctx.config.publicUrl}/account/notifications`,
      }),
      unsubscribeUrl: unsubscribe,
    }),
    headers: unsubscribeHeaders(unsubscribe),
  })
  return 'queued'
}

/**
 * An outcome announcement (kind 'outcomes') sent at most once per person per event, however many times the event
 * is processed (a retried request, a recount): `eventKey` names the event, e.g. `round_decided:12`.
 * Returns 'duplicate' when this person has already been told about this event.
 */
export async function sendOutcomeNotification(
  ctx: NotifyContext,
  trx: Kysely<Database>,
  n: Omit<Notification, 'kind'> & { eventKey: string },
): Promise<NotificationResult | 'duplicate'> {
  const prefs = effectivePreferences(await listPreferences(trx, n.userId))
  // Opted-out people are not recorded as told, so opting in later still brings the next event, not this one.
  if (!prefs.outcomes) return 'opted_out'
  if (!(await claimOutcome(trx, n.userId, n.eventKey))) return 'duplicate'
  return sendNotification(ctx, trx, { ...n, kind: 'outcomes' })
}
