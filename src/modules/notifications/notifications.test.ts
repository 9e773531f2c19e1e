import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { testDatabases } from '../../../test/support/databases.js'
import { startSmtpSink } from '../../../test/support/smtp.js'
import { Client, createUser, startTestApp, type TestApp } from '../../../test/support/test-app.js'
import { createSmtpRelay } from '../../platform/mail/smtp-relay.js'
import { eraseAccountsPersonalData, exportAccountsPersonalData } from '../accounts/index.js'
import { sendNotification, sendOutcomeNotification, type NotifyContext } from './index.js'

const silent = { warn() {}, error() {}, info() {} } as never

for (const kind of await testDatabases()) {
  describe(`notifications on ${kind.dialect}`, () => {
    let t: TestApp
    let ctx: NotifyContext
    let smtp: Awaited<ReturnType<typeof startSmtpSink>>
    before(async () => {
      t = await startTestApp(kind, { PUBLIC_URL: 'https://together.test' })
      ctx = { config: t.config, tenant: t.tenant }
      smtp = await startSmtpSink()
    })
    after(async () => {
      await t.stop()
      await smtp.close()
    })

    const db = () => t.testDb.db
    const outboxFor = (to: string) => db().selectFrom('mail_outbox').selectAll().where('to_address', '=', to).execute()
    const send = (userId: number, k: 'response_receipt' | 'idea_activity' | 'outcomes' | 'service_surveys') =>
      db()
        .transaction()
        .execute((trx) =>
          sendNotification(ctx, trx, {
            userId,
            kind: k,
            subject: 'Your idea has a reply',
            text: 'An officer replied to “Benches on Norbiton Avenue”.',
            link: '/wards/E05013941/ideas/1',
          }),
        )

    test('a receipt is sent over SMTP with RFC 8058 headers and a working unsubscribe link in the body', async () => {
      const u = await createUser(t)
      assert.equal(await send(u.id, 'response_receipt'), 'queued')
      const [row] = await outboxFor(u.email)
      assert.ok(row)
      const headers = JSON.parse(row.headers_json ?? '{}') as Record<string, string>
      const m = /^<(https:\/\/together\.test\/unsubscribe\/([^>]+))>$/.exec(headers['List-Unsubscribe'] ?? '')
      assert.ok(m, headers['List-Unsubscribe'])
      assert.equal(headers['List-Unsubscribe-Post'], 'List-Unsubscribe=One-Click')
      assert.ok(row.body.includes(m[1]!), 'the body carries the same link for people whose mail client has no button')
      assert.ok(row.body.includes('https://together.test/wards/E05013941/ideas/1'), 'relative links are made absolute')

      const relay = createSmtpRelay({
        db: db(),
        smtpUrl: `smtp://127.0.0.1:${smtp.port}`,
        from: 'no-reply@together.test',
        log: silent,
      })
      await relay.relayOnce()
      await relay.stop()
      const got = smtp.received.find((r) => r.to.includes(u.email))
      assert.ok(got, 'the SMTP server received the message')
      // Long headers are folded over lines on the wire (RFC 5322); unfold before reading them.
      const head = got.data.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ')
      assert.ok(head.includes(`List-Unsubscribe: ${headers['List-Unsubscribe']}`), head)
      assert.match(head, /List-Unsubscribe-Post: List-Unsubscribe=One-Click/)
      assert.match(head, /Subject: Your idea has a reply/)

      // The one-click POST a mail client makes: no session, no CSRF token, just the RFC 8058 body.
      const path = new URL(m[1]!).pathname
      const res = await t.app.inject({
        method: 'POST',
        url: path,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'List-Unsubscribe=One-Click',
      })
      assert.equal(res.statusCode, 200)
      assert.equal(await send(u.id, 'response_receipt'), 'opted_out')
      assert.equal((await outboxFor(u.email)).length, 1, 'nothing more is queued for someone who opted out')
    })

    test('kinds other than receipts are off until chosen; the preferences page turns them on and off', async () => {
      const u = await createUser(t)
      assert.equal(await send(u.id, 'idea_activity'), 'opted_out')
      assert.equal(await send(u.id, 'outcomes'), 'opted_out')
      assert.equal((await outboxFor(u.email)).length, 0)

      const c = new Client(t)
      await c.signIn(u)
      const page = await c.get('/account/notifications')
      assert.equal(page.statusCode, 200)
      assert.match(page.body, /name="kinds" type="checkbox" value="response_receipt" checked/)
      assert.doesNotMatch(page.body, /value="outcomes" checked/)

      const bad = await c.post('/account/notifications', { kinds: ['outcomes', 'everything'] })
      assert.equal(bad.statusCode, 400)
      assert.match(bad.body, /govuk-error-summary/)
      assert.equal(await send(u.id, 'outcomes'), 'opted_out', 'a refused form changes nothing')

      const ok = await c.post('/account/notifications', { kinds: ['idea_activity', 'outcomes'] })
      assert.equal(ok.statusCode, 303)
      assert.equal(await send(u.id, 'idea_activity'), 'queued')
      assert.equal(await send(u.id, 'outcomes'), 'queued')
      assert.equal(await send(u.id, 'response_receipt'), 'opted_out', 'unticked receipts are now off')

      // Signed out, the page sends people to sign in rather than showing anything.
      const anon = await new Client(t).get('/account/notifications')
      assert.notEqual(anon.statusCode, 200)
    })

    test('the unsubscribe link: GET only asks, POST unsubscribes; tampered links are refused and change nothing', async () => {
      const u = await createUser(t)
      const other = await createUser(t)
      for (const id of [u.id, other.id])
        await db()
          .insertInto('notifications_preference')
          .values({ user_id: id, kind: 'outcomes', enabled: 1, updated_at: new Date().toISOString() })
          .execute()
      assert.equal(await send(u.id, 'outcomes'), 'queued')
      const [row] = await outboxFor(u.email)
      const url = new URL(/^<([^>]+)>$/.exec(JSON.parse(row!.headers_json!)['List-Unsubscribe'] as string)![1]!)
      const token = url.pathname.split('/').pop()!
      const [, k, sig] = token.split('.')

      const anon = new Client(t)
      const confirm = await anon.get(url.pathname)
      assert.equal(confirm.statusCode, 200)
      assert.match(confirm.body, /<form method="post" action="\/unsubscribe\//)
      assert.equal(await send(u.id, 'outcomes'), 'queued', 'viewing the page (or a link scanner) unsubscribes nobody')

      for (const bad of [`${other.id}.${k}.${sig}`, `${u.id}.idea_activity.${sig}`, `${u.id}.${k}.${sig!.slice(1)}A`]) {
        const g = await anon.get(`/unsubscribe/${bad}`)
        assert.equal(g.statusCode, 403)
        const p = await anon.post(`/unsubscribe/${bad}`, {})
        assert.equal(p.statusCode, 403)
      }
      assert.equal(await send(other.id, 'outcomes'), 'queued', 'a token for one person cannot unsubscribe another')
      assert.equal(await send(u.id, 'outcomes'), 'queued')

      const done = await anon.post(url.pathname, {})
      assert.equal(done.statusCode, 200)
      assert.match(done.body, /govuk-panel/)
      assert.equal(await send(u.id, 'outcomes'), 'opted_out')
      assert.equal(await send(other.id, 'outcomes'), 'queued')
      // Idempotent: the same link again is fine.
      assert.equal((await anon.post(url.pathname, {})).statusCode, 200)
    })

    test('an outcome reaches each person once, and a rolled-back change queues nothing', async () => {
      const u = await createUser(t)
      await db()
        .insertInto('notifications_preference')
        .values({ user_id: u.id, kind: 'outcomes', enabled: 1, updated_at: new Date().toISOString() })
        .execute()
      const outcome = () =>
        db()
          .transaction()
          .execute((trx) =>
            sendOutcomeNotification(ctx, trx, {
              userId: u.id,
              eventKey: 'round_decided:1',
              subject: 'Decided',
              text: 'The round you voted in has been decided.',
              link: '/',
            }),
          )
      assert.equal(await outcome(), 'queued')
      assert.equal(await outcome(), 'duplicate')
      assert.equal((await outboxFor(u.email)).length, 1)

      await assert.rejects(
        db()
          .transaction()
          .execute(async (trx) => {
            await sendNotification(ctx, trx, { userId: u.id, kind: 'outcomes', subject: 's', text: 't', link: '/' })
            throw new Error('the change failed')
          }),
      )
      assert.equal((await outboxFor(u.email)).length, 1)
    })
    test('each email is written in its recipient’s chosen language, footer and unsubscribe text included', async () => {
      const u = await createUser(t)
      const c = new Client(t)
      await c.signIn(u)
      const page = await c.get('/account/notifications')
      assert.match(page.body, /Language of your emails/)
      // The programme's first language until the person chooses.
      assert.match(page.body, /value="en" checked/)
      const bad = await c.post('/account/notifications', { kinds: ['response_receipt'], language: 'xx' })
      assert.equal(bad.statusCode, 400)
      assert.match(bad.body, /govuk-error-summary/)
      assert.match(bad.body, /Select a language from the list/)
      assert.equal(
        (await c.post('/account/notifications', { kinds: ['response_receipt'], language: 'ko' })).statusCode,
        303,
      )
      const words = { key: 'trace.mail.round_decided.subject', vars: { title: 'Demo round' } }
      const sent = await db()
        .transaction()
        .execute((trx) =>
          sendNotification(ctx, trx, {
            userId: u.id,
            kind: 'response_receipt',
            subject: words,
            text: [{ key: 'trace.mail.round_decided.text', vars: { title: 'Demo round' } }, '', 'P.S.'],
            link: '/',
          }),
        )
      assert.equal(sent, 'queued')
      const [ko] = await outboxFor(u.email)
      assert.ok(ko)
      assert.ok(!ko.subject.startsWith('A priority vote'), ko.subject)
      assert.match(ko.subject, /Demo round/)
      assert.match(ko.body, /이 종류의 이메일 중지:/)
      assert.match(ko.body, /\n\nP\.S\.\n\n/)
      // Switching the site's language while signed in changes it too; the choice is the person's data.
      assert.equal((await c.get('/language?lang=pl&returnTo=%2F')).statusCode, 303)
      const exported = (await exportAccountsPersonalData(db(), u.id)) as { account: { emailLanguage: string } }
      assert.equal(exported.account.emailLanguage, 'pl')
      await db()
        .transaction()
        .execute((trx) => eraseAccountsPersonalData(trx, u.id, new Date()))
      const erased = (await exportAccountsPersonalData(db(), u.id)) as { account: { emailLanguage: string | null } }
      assert.equal(erased.account.emailLanguage, null)
    })
  })
}
