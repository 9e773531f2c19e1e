import type { FastifyBaseLogger } from 'fastify'
import type { Kysely } from 'kysely'
import nodemailer from 'nodemailer'
import type { Database } from '../db/schema.js'
import '../platform.tables.js'
import './mail.tables.js'

/** What every outbox relay shares: where the outbox is, how to log, batching, retries, the clock. */
export interface OutboxRelayOptions {
  db: Kysely<Database>
  log: FastifyBaseLogger
  batchSize?: number
  /** After this many failures a message stays in the outbox (unsent, with its last error) for an operator. */
  maxAttempts?: number
  now?: () => Date
}

export interface RelayOptions extends OutboxRelayOptions {
  /** smtp://user:pass@host:port or smtps://… */
  smtpUrl: string
  from: string
}

/** One queued message as a transport sends it. */
export interface OutboxMessage {
  id: number
  to: string
  subject: string
  body: string
  headers: Record<string, string> | undefined
}

export type SmtpRelay = OutboxRelay

export interface OutboxRelay {
  /** Sends what is due; resolves with counts. Safe to run from several instances at once (rows are claimed). */
  relayOnce(): Promise<{ sent: number; failed: number }>
  start(intervalMs?: number): void
  stop(): Promise<void>
}

/** Backoff: 1, 2, 4 … minutes, at most an hour. */
export function retryDelayMs(attempts: number): number {
  return Math.min(60, 2 ** Math.max(0, attempts - 1)) * 60_000
}

/**
 * Sends queued `mail_outbox` rows over SMTP and marks them sent. A row is only marked after the server accepted
 * it, so a crash between the two sends it again rather than losing it (at-least-once, as SMTP itself is).
 */
export function createSmtpRelay(opts: RelayOptions): SmtpRelay {
  const transport = nodemailer.createTransport(opts.smtpUrl)
  return createOutboxRelay(
    opts,
    async (m) => {
      await transport.sendMail({ from: opts.from, to: m.to, subject: m.subject, text: m.body, headers: m.headers })
    },
    () => transport.close(),
  )
}

/**
 * The outbox loop any transport plugs into (SMTP, GOV.UK Notify): claims due rows, sends each with `send`, and marks
 * it sent only once `send` resolved; a failure is kept with its error and retried after a backoff.
 */
export function createOutboxRelay(
  opts: OutboxRelayOptions,
  send: (m: OutboxMessage) => Promise<void>,
  close: () => void = () => undefined,
): OutboxRelay {
  const { db, log } = opts
  const batchSize = opts.batchSize ?? 50
  const maxAttempts = opts.maxAttempts ?? 10
  const now = opts.now ?? (() => new Date())
  let timer: NodeJS.Timeout | undefined
  let running: Promise<unknown> | undefined

  async function relayOnce(): Promise<{ sent: number; failed: number }> {
    const at = now().toISOString()
    const due = await db
      .selectFrom('mail_outbox')
      .select(['id', 'to_address', 'subject', 'body', 'attempts', 'headers_json'])
      .where('sent_at', 'is', null)
      .where('attempts', '<', maxAttempts)
      .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', at)]))
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', at)]))
      .orderBy('id')
      .limit(batchSize)
      .execute()
    let sent = 0
    let failed = 0
    for (const m of due) {
      const claim = await db
        .updateTable('mail_outbox')
        .set({ claimed_until: new Date(now().getTime() + 5 * 60_000).toISOString() })
        .where('id', '=', m.id)
        .where('sent_at', 'is', null)
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', at)]))
        .executeTakeFirst()
      if (Number(claim.numUpdatedRows) !== 1) continue
      try {
        await send({
          id: Number(m.id),
          to: m.to_address,
          subject: m.subject,
          body: m.body,
          headers: m.headers_json ? (JSON.parse(m.headers_json) as Record<string, string>) : undefined,
        })
        await db
          .updateTable('mail_outbox')
          .set({ sent_at: now().toISOString(), claimed_until: null, last_error: null })
          .where('id', '=', m.id)
          .execute()
        sent += 1
      } catch (e) {
        const attempts = Number(m.attempts) + 1
        await db
          .updateTable('mail_outbox')
          .set({
            attempts,
            last_error: (e instanceof Error ? e.message : String(e)).slice(0, 500),
            next_attempt_at: new Date(now().getTime() + retryDelayMs(attempts)).toISOString(),
            claimed_until: null,
          })
          .where('id', '=', m.id)
          .execute()
        failed += 1
        // The log names the row, never the address or body (bodies carry sign-in links).
        log.warn({ outboxId: Number(m.id), attempts }, 'mail relay: send failed, will retry')
      }
    }
    return { sent, failed }
  }

  return {
    relayOnce,
    start(intervalMs = 5_000) {
      if (timer) return
      timer = setInterval(() => {
        if (running) return
        running = relayOnce()
          .catch((e: unknown) => log.error({ err: e }, 'mail relay failed'))
          .finally(() => {
            running = undefined
          })
      }, intervalMs)
      timer.unref()
    },
    async stop() {
      if (timer) clearInterval(timer)
      timer = undefined
      await running
      close()
    },
  }
}
