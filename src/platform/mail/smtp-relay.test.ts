import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { SMTPServer } from 'smtp-server'
import { testDatabases } from '../../../test/support/databases.js'
import { startTestApp, type TestApp } from '../../../test/support/test-app.js'
import { createOutboxMailer } from './mail.js'
import { createSmtpRelay, retryDelayMs } from './smtp-relay.js'

interface Received {
  to: string[]
  data: string
}

/** A real SMTP server on a free local port that keeps what it accepts (or refuses everything when told to). */
async function startSmtp(): Promise<{
  port: number
  received: Received[]
  refuse: { on: boolean }
  close(): Promise<void>
}> {
  const received: Received[] = []
  const refuse = { on: false }
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(_address, _session, cb) {
      if (refuse.on) cb(new Error('mailbox unavailable'))
      else cb()
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        received.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          data: Buffer.concat(chunks).toString('utf8'),
        })
        cb()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.server.address() as AddressInfo).port
  return { port, received, refuse, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

const silent = { warn() {}, error() {}, info() {} } as never

for (const kind of await testDatabases()) {
  describe(`SMTP relay on ${kind.dialect}`, () => {
    let t: TestApp
    let smtp: Awaited<ReturnType<typeof startSmtp>>
    before(async () => {
      t = await startTestApp(kind)
      smtp = await startSmtp()
    })
    after(async () => {
      await t.stop()
      await smtp.close()
    })

    test('queued mail is sent over SMTP and marked sent; a refusal is retried later and nothing is lost', async () => {
      const db = t.testDb.db
      await db.deleteFrom('mail_outbox').execute()
      const mailer = createOutboxMailer(db, silent)
      await mailer.send({
        to: 'resident@test.example',
        subject: 'Thank you for your response',
        body: 'Your reference is R000001',
        headers: {
          'List-Unsubscribe': '<https://x.example/u/abc>',
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        },
      })
      let clock = new Date('2026-11-26T12:00:00Z')
      const relay = createSmtpRelay({
        db,
        smtpUrl: `smtp://127.0.0.1:${smtp.port}`,
        from: 'no-reply@test.example',
        log: silent,
        now: () => clock,
      })
      smtp.refuse.on = true
      assert.deepEqual(await relay.relayOnce(), { sent: 0, failed: 1 })
      let row = await db.selectFrom('mail_outbox').selectAll().executeTakeFirstOrThrow()
      assert.equal(row.sent_at, null)
      assert.equal(Number(row.attempts), 1)
      assert.match(row.last_error ?? '', /mailbox unavailable/)
      // Not due again until the backoff has passed.
      smtp.refuse.on = false
      assert.deepEqual(await relay.relayOnce(), { sent: 0, failed: 0 })
      clock = new Date(clock.getTime() + retryDelayMs(1) + 1)
      assert.deepEqual(await relay.relayOnce(), { sent: 1, failed: 0 })
      row = await db.selectFrom('mail_outbox').selectAll().executeTakeFirstOrThrow()
      assert.ok(row.sent_at)
      assert.equal(smtp.received.length, 1)
      assert.deepEqual(smtp.received[0]!.to, ['resident@test.example'])
      assert.match(smtp.received[0]!.data, /Subject: Thank you for your response/)
      assert.match(smtp.received[0]!.data, /List-Unsubscribe-Post: List-Unsubscribe=One-Click/)
      // Sent rows are never sent twice.
      assert.deepEqual(await relay.relayOnce(), { sent: 0, failed: 0 })
      await relay.stop()
    })

    test('an unreachable server leaves the row queued', async () => {
      const db = t.testDb.db
      await db.deleteFrom('mail_outbox').execute()
      await createOutboxMailer(db, silent).send({ to: 'a@test.example', subject: 's', body: 'b' })
      const relay = createSmtpRelay({ db, smtpUrl: 'smtp://127.0.0.1:1', from: 'x@test.example', log: silent })
      assert.deepEqual(await relay.relayOnce(), { sent: 0, failed: 1 })
      const row = await db.selectFrom('mail_outbox').selectAll().executeTakeFirstOrThrow()
      assert.equal(row.sent_at, null)
      await relay.stop()
    })
  })
}
