import { createHmac } from 'node:crypto'
import { z } from 'zod'
import { safeEqual } from '../../platform/security/index.js'

export const NOTIFICATION_KINDS = ['response_receipt', 'idea_activity', 'outcomes', 'service_surveys'] as const
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number]

export function isNotificationKind(v: unknown): v is NotificationKind {
  return typeof v === 'string' && (NOTIFICATION_KINDS as readonly string[]).includes(v)
}

/**
 * A receipt is what someone asked for by responding, so it is on unless they turn it off; everything else is
 * on only when the person said yes (when contributing, or on the preferences page). Consent is never assumed.
 */
export function defaultEnabled(kind: NotificationKind): boolean {
  return kind === 'response_receipt'
}

export function effectivePreferences(
  stored: readonly { kind: NotificationKind; enabled: boolean }[],
): Record<NotificationKind, boolean> {
  const out = Object.fromEntries(NOTIFICATION_KINDS.map((k) => [k, defaultEnabled(k)])) as Record<
    NotificationKind,
    boolean
  >
  for (const s of stored) out[s.kind] = s.enabled
  return out
}

/** 192 bits of HMAC-SHA256: unguessable, and short enough to keep the link tidy in a plain-text email. */
const SIG_CHARS = 32

function signature(secret: string, userId: number, kind: NotificationKind): string {
  // The purpose label keeps this key use apart from any other HMAC made with the same secret.
  return createHmac('sha256', `notifications.unsubscribe:${secret}`)
    .update(`${userId}:${kind}`)
    .digest('base64url')
    .slice(0, SIG_CHARS)
}

/**
 * A signed, stateless unsubscribe token `<userId>.<kind>.<sig>`: it works without signing in (RFC 8058 one-click)
 * and can only ever turn off the one kind of email for the one person it was made for. It does not expire on
 * purpose: an old email's unsubscribe link must keep working.
 */
export function signUnsubscribeToken(secret: string, userId: number, kind: NotificationKind): string {
  return `${userId}.${kind}.${signature(secret, userId, kind)}`
}

export function verifyUnsubscribeToken(
  secret: string,
  token: unknown,
): { userId: number; kind: NotificationKind } | undefined {
  if (typeof token !== 'string' || token.length > 100) return undefined
  const m = /^([1-9]\d{0,11})\.([a-z_]{1,30})\.([A-Za-z0-9_-]+)$/.exec(token)
  if (!m) return undefined
  const userId = Number(m[1])
  const kind = m[2]
  if (!isNotificationKind(kind)) return undefined
  return safeEqual(m[3]!, signature(secret, userId, kind)) ? { userId, kind } : undefined
}

/** RFC 8058: the https URL mail clients POST `List-Unsubscribe=One-Click` to, and the header that says they may. */
export function unsubscribeHeaders(url: string): Record<string, string> {
  return { 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' }
}

/** The plain-text body: the message, its link, then why the person gets it and how to stop. */
export function composeBody(p: { text: string; link: string; footer: string; unsubscribeUrl: string }): string {
  return `${p.text.trim()}\n\n${p.link}\n\n--\n${p.footer}\n${p.unsubscribeUrl}\n`
}

// --- Contact addresses (no account) -------------------------------------------------------------------------

function contactSignature(secret: string, contactId: number): string {
  // Its own purpose label: a contact token can never pass for an account's token, nor the other way round.
  return createHmac('sha256', `notifications.contact-unsubscribe:${secret}`)
    .update(String(contactId))
    .digest('base64url')
    .slice(0, SIG_CHARS)
}

/** `<contactId>.<sig>`: stops outcome emails to one address left on a consultation answer; never expires. */
export function signContactToken(secret: string, contactId: number): string {
  return `${contactId}.${contactSignature(secret, contactId)}`
}

export function verifyContactToken(secret: string, token: unknown): number | undefined {
  if (typeof token !== 'string' || token.length > 100) return undefined
  const m = /^([1-9]\d{0,11})\.([A-Za-z0-9_-]+)$/.exec(token)
  if (!m) return undefined
  const id = Number(m[1])
  return safeEqual(m[2]!, contactSignature(secret, id)) ? id : undefined
}

// --- "Do you want to hear what happens?" on a consultation answer (issue 9) ----------------------------------

const EMAIL = z.email()

/**
 * The opt-in question after a consultation's last question: yes or no (optional: nothing chosen is no). Signed in,
 * yes means the account's email; without an account, yes needs a valid email address (lower-cased here).
 * Errors are translation keys by field.
 */
export function readOutcomeOptIn(
  body: unknown,
  signedIn: boolean,
): { ok: true; wants: boolean; email: string } | { ok: false; errors: Record<string, string> } {
  const b = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {}
  const choice = b.updates
  if (choice !== undefined && choice !== 'yes' && choice !== 'no')
    return { ok: false, errors: { updates: 'notifications.optIn.errors.choice' } }
  if (choice !== 'yes') return { ok: true, wants: false, email: '' }
  if (signedIn) return { ok: true, wants: true, email: '' }
  const email = typeof b.email === 'string' ? b.email.trim().toLowerCase() : ''
  if (email === '') return { ok: false, errors: { email: 'notifications.optIn.errors.emailRequired' } }
  if (email.length > 254 || !EMAIL.safeParse(email).success)
    return { ok: false, errors: { email: 'notifications.optIn.errors.emailFormat' } }
  return { ok: true, wants: true, email }
}
