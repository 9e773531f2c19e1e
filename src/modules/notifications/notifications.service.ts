import path from 'node:path'
import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import { createTranslator, type Translator } from '../../platform/i18n/index.js'
import { enqueueMail } from '../../platform/mail/mail.js'
import type { PlatformContext } from '../../platform/module.js'
import { findPreferredLanguage, findUserById } from '../accounts/index.js'
import { claimContactOutcome, claimOutcome, listPreferences, type OutcomeContact } from './notifications.repository.js'
import {
  composeBody,
  effectivePreferences,
  signContactToken,
  signUnsubscribeToken,
  unsubscribeHeaders,
  type NotificationKind,
} from './notifications.rules.js'

export type NotificationResult = 'queued' | 'opted_out' | 'no_email'

/** What sending needs from the platform (callers pass their whole PlatformContext). */
export type NotifyContext = Pick<PlatformContext, 'config' | 'tenant'>

/**
 * Words of an email to be written in the recipient's own language when it is queued: a translation key and its
 * values (a value may itself be words to translate, e.g. a status name). A plain string is sent as it is.
 */
export interface MailWords {
  key: string
  vars?: Record<string, unknown>
}
export type MailString = string | MailWords

export interface Notification {
  userId: number
  kind: NotificationKind
  subject: MailString
  /** Several parts are joined as paragraphs (empty ones left out). */
  text: MailString | MailString[]
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
 * Translates words in the programme's first language. For an email, pass `{ key, vars }` (MailWords) to
 * sendNotification instead, so that each recipient reads it in their own language: a notification is usually
 * caused by someone else (an officer replying), so the language of *their* request says nothing about the recipient's.
 */
export async function mailText(ctx: NotifyContext, key: string, vars: Record<string, unknown> = {}): Promise<string> {
  const t = (await translatorFor(ctx.tenant.languages)).forLanguage(ctx.tenant.languages[0] ?? 'en')
  return t(key, vars)
}

const isWords = (v: unknown): v is MailWords =>
  typeof v === 'object' && v !== null && typeof (v as { key?: unknown }).key === 'string'

/** Translates words (and any words among their values) with the recipient's translator. */
function render(t: (key: string, vars?: Record<string, unknown>) => string, s: MailString): string {
  if (typeof s === 'string') return s
  const vars = Object.fromEntries(
    Object.entries(s.vars ?? {}).map(([k, v]) => [k, isWords(v) ? render(t, v) : v] as const),
  )
  return t(s.key, vars)
}

/**
 * The language a person's emails are written in: the one they chose (when switching language signed in, or on
 * their email preferences page) if this programme still offers it, otherwise the programme's first language.
 */
export async function recipientLanguage(ctx: NotifyContext, db: Kysely<Database>, userId: number): Promise<string> {
  const chosen = await findPreferredLanguage(db, userId)
  return chosen !== null && ctx.tenant.languages.includes(chosen) ? chosen : (ctx.tenant.languages[0] ?? 'en')
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
  // Written in the recipient's language, whoever caused the email (an officer's reply, a fan-out at a close).
  const t = (await translatorFor(ctx.tenant.languages)).forLanguage(await recipientLanguage(ctx, trx, n.userId))
  const unsubscribe = unsubscribeUrl(ctx, n.userId, n.kind)
  const link = /^https?:\/\//.test(n.link)
    ? n.link
    : `${ctx.config.publicUrl}${n.link.startsWith('/') ? '' : '/'}${n.link}`
  await enqueueMail(trx, {
    to: user.email,
    subject: render(t, n.subject),
    body: composeBody({
      text: (Array.isArray(n.text) ? n.text : [n.text])
        .map((part) => render(t, part))
        .filter((part) => part !== '')
        .join('\n\n'),
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

/**
 * An outcome announcement to an address left on a consultation answer by someone without an account (issue 9):
 * once per address per event, in the language they answered in, with its own one-click unsubscribe link.
 */
export async function sendContactOutcome(
  ctx: NotifyContext,
  trx: Kysely<Database>,
  n: { contact: OutcomeContact; eventKey: string; subject: MailString; text: MailString; link: string },
): Promise<'queued' | 'duplicate'> {
  if (!(await claimContactOutcome(trx, n.contact.id, n.eventKey))) return 'duplicate'
  const language = ctx.tenant.languages.includes(n.contact.language)
    ? n.contact.language
    : (ctx.tenant.languages[0] ?? 'en')
  const t = (await translatorFor(ctx.tenant.languages)).forLanguage(language)
  const unsubscribe = `${ctx.config.publicUrl}/unsubscribe/contact/${signContactToken(ctx.config.secretKey, n.contact.id)}`
  const link = /^https?:\/\//.test(n.link)
    ? n.link
    : `${ctx.config.publicUrl}${n.link.startsWith('/') ? '' : '/'}${n.link}`
  await enqueueMail(trx, {
    to: n.contact.email,
    subject: render(t, n.subject),
    body: composeBody({
      text: render(t, n.text),
      link,
      footer: t('notifications.mail.contactFooter'),
      unsubscribeUrl: unsubscribe,
    }),
    headers: unsubscribeHeaders(unsubscribe),
  })
  return 'queued'
}
