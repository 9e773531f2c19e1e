import type { Kysely } from 'kysely'
import type { FastifyBaseLogger } from 'fastify'
import type { Database } from '../db/schema.js'
import '../platform.tables.js'

export interface Mailer {
  send(message: { to: string; subject: string; body: string }): Promise<void>
}

/**
 * Mail goes to an outbox table first, so nothing is lost if the mail relay is down; a relay worker
 * (not part of the pilot: no SMTP host is reachable here) would send and mark rows. In development the
 * log shows that a message was queued, never its body, because bodies carry sign-in links.
 */
export function createOutboxMailer(db: Kysely<Database>, log: FastifyBaseLogger): Mailer {
  return {
    async send(m) {
      await db
        .insertInto('mail_outbox')
        .values({
          to_address: m.to,
          subject: m.subject,
          body: m.body,
          created_at: new Date().toISOString(),
          sent_at: null,
        })
        .execute()
      log.info({ subject: m.subject }, 'mail queued in outbox')
    },
  }
}
