import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { ConfigError, loadConfig } from '../../config.js'
import { testDatabases } from '../../../test/support/databases.js'
import { startTestApp, type TestApp } from '../../../test/support/test-app.js'
import { enqueueMail } from './mail.js'
import { createNotifyRelay, parseNotifyKey } from './notify-relay.js'

const SERVICE = '26785a09-ab16-4eb0-8407-a37497a57506'
const SECRET = '3d844edf-8d35-48ac-975b-e847b4f122b0'
const KEY = `wt_test-${SERVICE}-${SECRET}`
const TEMPLATE = 'f33517ff-2a88-4f6e-b855-c550268ce08a'
const silent = { warn() {}, error() {}, info() {} } as never

interface Received {
  auth: string
  body: Record<string, unknown>
}

/** A stand-in for Notify on 127.0.0.1 that checks the JWT as Notify does, and answers 201 or a chosen refusal. */
async function startFakeNotify(): Promise<{
  url: string
  received: Received[]
  answer: { status: number }
  close(): Promise<void>
}> {
  const received: Received[] = []
  const answer = { status: 201 }
  const read = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    })
  const server = createServer((req, res) => {
    void read(req).then((text) => {
      const auth = String(req.headers.authorization ?? '')
      const [h, p, sig] = auth.replace(/^Bearer /, '').split('.')
      const expected = createHmac('sha256', SECRET).update(`${h}.${p}`).digest('base64url')
      const claims = JSON.parse(Buffer.from(p ?? '', 'base64url').toString() || '{}') as { iss?: string; iat?: number }
      const fresh = Math.abs(Date.now() / 1000 - (claims.iat ?? 0)) <= 30
      res.setHeader('content-type', 'application/json')
      if (req.url !== '/v2/notifications/email' || sig !== expected || claims.iss !== SERVICE || !fresh) {
        res.statusCode = 403
        res.end(JSON.stringify({ errors: [{ error: 'AuthError', message: 'Invalid token' }], status_code: 403 }))
        return
      }
      received.push({ auth, body: JSON.parse(text) as Record<string, unknown> })
      res.statusCode = answer.status
      res.end(
        answer.status === 201
          ? JSON.stringify({ id: 'x', reference: null })
          : JSON.stringify({ errors: [{ error: 'RateLimitError', message: 'Exceeded rate limit' }], status_code: 429 }),
      )
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answer,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

test('a Notify key is split into service id and secret; anything else is refused at start', () => {
  assert.deepEqual(parseNotifyKey(KEY), { serviceId: SERVICE, secret: SECRET })
  for (const bad of ['', 'not-a-key', `${SERVICE}${SECRET}`, KEY.slice(0, -1)])
    assert.throws(() => parseNotifyKey(bad), /NOTIFY_API_KEY/)
})

test('Notify is configured with a key and a template together, and never alongside SMTP', () => {
  const base = { NODE_ENV: 'test', DATABASE_URL: ':memory:' }
  assert.equal(loadConfig(base).notify, undefined)
  assert.deepEqual(loadConfig({ ...base, NOTIFY_API_KEY: KEY, NOTIFY_EMAIL_TEMPLATE_ID: TEMPLATE }).notify, {
    apiKey: KEY,
    templateId: TEMPLATE,
    baseUrl: undefined,
  })
  assert.throws(() => loadConfig({ ...base, NOTIFY_API_KEY: KEY }), ConfigError)
  assert.throws(
    () => loadConfig({ ...base, NOTIFY_API_KEY: 'secret', NOTIFY_EMAIL_TEMPLATE_ID: TEMPLATE }),
    ConfigError,
  )
  assert.throws(
    () =>
      loadConfig({ ...base, NOTIFY_API_KEY: KEY, NOTIFY_EMAIL_TEMPLATE_ID: TEMPLATE, SMTP_URL: 'smtp://127.0.0.1:25' }),
    ConfigError,
  )
})

for (const kind of await testDatabases()) {
  describe(`GOV.UK Notify relay on ${kind.dialect}`, () => {
    let t: TestApp
    let notify: Awaited<ReturnType<typeof startFakeNotify>>
    before(async () => {
      t = await startTestApp(kind)
      notify = await startFakeNotify()
    })
    after(async () => {
      await t.stop()
      await notify.close()
    })

    test('queued mail goes to Notify with a valid token and the one-click unsubscribe URL; refusals are retried', async () => {
      const db = t.testDb.db
      await db.deleteFrom('mail_outbox').execute()
      await enqueueMail(db, {
        to: 'resident@test.example',
        subject: 'Your idea has a reply',
        body: 'An officer replied.',
        headers: {
          'List-Unsubscribe': '<https://together.test/unsubscribe/1.idea_activity.abc>',
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        },
      })
      let clock = new Date()
      const relay = createNotifyRelay({
        db,
        log: silent,
        apiKey: KEY,
        templateId: TEMPLATE,
        baseUrl: notify.url,
        now: () => clock,
      })
      notify.answer.status = 429
      assert.deepEqual(await relay.relayOnce(), { sent: 0, failed: 1 })
      let row = await db.selectFrom('mail_outbox').selectAll().executeTakeFirstOrThrow()
      assert.equal(row.sent_at, null)
      assert.match(row.last_error ?? '', /Notify answered 429: .*RateLimitError/)
      assert.doesNotMatch(row.last_error ?? '', /resident@test\.example/)

      notify.answer.status = 201
      clock = new Date(clock.getTime() + 61_000)
      assert.deepEqual(await relay.relayOnce(), { sent: 1, failed: 0 })
      row = await db.selectFrom('mail_outbox').selectAll().executeTakeFirstOrThrow()
      assert.ok(row.sent_at)
      const sent = notify.received.at(-1)!
      assert.deepEqual(sent.body, {
        email_address: 'resident@test.example',
        template_id: TEMPLATE,
        personalisation: { subject: 'Your idea has a reply', body: 'An officer replied.' },
        reference: `outbox-${Number(row.id)}`,
        one_click_unsubscribe_url: 'https://together.test/unsubscribe/1.idea_activity.abc',
      })
      assert.deepEqual(await relay.relayOnce(), { sent: 0, failed: 0 }, 'a sent row is never sent again')
      await relay.stop()
    })

    test('a wrong key is refused by Notify and the message stays queued', async () => {
      const db = t.testDb.db
      await db.deleteFrom('mail_outbox').execute()
      await enqueueMail(db, { to: 'a@test.example', subject: 's', body: 'b' })
      const relay = createNotifyRelay({
        db,
        log: silent,
        apiKey: `wt_test-${SERVICE}-${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}`,
        templateId: TEMPLATE,
        baseUrl: notify.url,
      })
      assert.deepEqual(await relay.relayOnce(), { sent: 0, failed: 1 })
      const row = await db.selectFrom('mail_outbox').selectAll().executeTakeFirstOrThrow()
      assert.equal(row.sent_at, null)
      assert.match(row.last_error ?? '', /403/)
      await relay.stop()
    })
  })
}
