import type { Kysely } from 'kysely'
import type { FastifyBaseLogger } from 'fastify'
import type { Database } from '../db/schema.js'
import '../platform.tables.js'
import './mail.tables.js'

export interface Mailer {
  /** `headers` carries e.g. List-Unsubscribe / List-Unsubscribe-Post (RFC 8058). */
  send(message: { to: string; subject: string; body: string; headers?: Record<string, string> }): Promise<void>
}

/**
 * Mail goes to an outbox table first, so nothing is lost if the mail relay is down; the SMTP relay
 * (smtp-relay.ts, on when SMTP_URL is set) sends and marks rows. In development the
 * log shows that a message was queued, never its body, because bodies carry sign-in links.
 */
export function createOutboxMailer(db: Kysely<Database>, log: FastifyBaseLogger): Mailer {
  return {
    async send(m) {
      await enqueueMail(db, m)
      log.info({ subject: m.subject }, 'mail queued in outbox')
    },
  }
}

export type MailMessage = Parameters<Mailer['send']>[0]

/**
 * Queues one message using the given connection or transaction, so a notification can be part of the same unit of
 * work as the change it reports (inside `ctx.write(trx => …)`: committed together, or not at all).
 */
export async function enqueueMail(db: Kysely<Database>, m: MailMessage): Promise<void> {
  await db
    .insertInto('mail_outbox')
    .values({
      to_address: m.to,
      subject: m.subject,
      body: m.body,
      created_at: new Date().toISOString(),
      sent_at: null,
      attempts: 0,
      last_error: null,
      next_attempt_at: null,
      claimed_until: null,
      headers_json: m.headers ? JSON.stringify(m.headers) : null,
    })
    .execute()
}
