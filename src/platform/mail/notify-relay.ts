import { createHmac } from 'node:crypto'
import { createOutboxRelay, type OutboxMessage, type OutboxRelay, type OutboxRelayOptions } from './smtp-relay.js'

/**
 * GOV.UK Notify as the outbox's transport (instead of SMTP): each queued message is sent through Notify's email API
 * with one template whose subject is `((subject))` and whose body is `((body))`, so the service's own words and
 * translations stay in this codebase. An RFC 8058 List-Unsubscribe header becomes Notify's `one_click_unsubscribe_url`,
 * which Notify turns back into the same headers.
 */
export interface NotifyOptions extends OutboxRelayOptions {
  /** A Notify API key: `<key name>-<service id (uuid)>-<secret (uuid)>`. */
  apiKey: string
  templateId: string
  /** https://api.notifications.service.gov.uk unless testing. */
  baseUrl?: string
  /** Per request; a slow Notify must not hold the relay forever. */
  timeoutMs?: number
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Splits a Notify API key into the service id (the JWT issuer) and the signing secret; throws on a malformed key. */
export function parseNotifyKey(apiKey: string): { serviceId: string; secret: string } {
  const secret = apiKey.slice(-36)
  const serviceId = apiKey.slice(-73, -37)
  if (!UUID.test(secret) || !UUID.test(serviceId) || apiKey.at(-37) !== '-')
    throw new Error('NOTIFY_API_KEY must be a GOV.UK Notify API key (name-serviceid-secret)')
  return { serviceId, secret }
}

/** Notify's bearer token: an HS256 JWT with the service id as issuer and the current time (it allows 30 s of skew). */
export function notifyJwt(serviceId: string, secret: string, now: Date): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const unsigned = `${b64({ typ: 'JWT', alg: 'HS256' })}.${b64({ iss: serviceId, iat: Math.floor(now.getTime() / 1000) })}`
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`
}

/** The request body Notify's POST /v2/notifications/email expects for one outbox message. */
export function notifyEmailBody(m: OutboxMessage, templateId: string): Record<string, unknown> {
  const unsubscribe = /^<(https:\/\/[^>]+)>$/.exec(m.headers?.['List-Unsubscribe'] ?? '')?.[1]
  return {
    email_address: m.to,
    template_id: templateId,
    personalisation: { subject: m.subject, body: m.body },
    // The outbox row id: lets an operator match Notify's record to ours.
    reference: `outbox-${m.id}`,
    ...(unsubscribe ? { one_click_unsubscribe_url: unsubscribe } : {}),
  }
}

export function createNotifyRelay(opts: NotifyOptions): OutboxRelay {
  const { serviceId, secret } = parseNotifyKey(opts.apiKey)
  const base = (opts.baseUrl ?? 'https://api.notifications.service.gov.uk').replace(/\/$/, '')
  // The token always carries the wall-clock time (Notify rejects skew over 30 s), whatever clock schedules retries.
  return createOutboxRelay(opts, async (m) => {
    const res = await fetch(`${base}/v2/notifications/email`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${notifyJwt(serviceId, secret, new Date())}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(notifyEmailBody(m, opts.templateId)),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
    })
    if (res.status !== 201) {
      // Notify explains refusals as {errors: [{error, message}]}; keep that (never the address) as the row's error.
      const detail = await res.text().catch(() => '')
      throw new Error(`Notify answered ${res.status}: ${detail.slice(0, 300)}`)
    }
  })
}
