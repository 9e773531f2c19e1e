import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { seedDemo } from '../../cli/seed.js'
import { testDatabases } from '../../../test/support/databases.js'
import { Client, createUser, NORBITON, startTestApp, type TestApp } from '../../../test/support/test-app.js'
import { notifyOutcome } from '../trace/index.js'
import { eraseNotificationsPersonalData, exportNotificationsPersonalData } from './index.js'
import { listPreferences } from './notifications.repository.js'

/**
 * Issue 9: "do you want to hear what happens?" on the consultation answering journey, driven as a browser without
 * JavaScript drives it (plain form posts): optional, default no, one question on its own page, shown on check
 * answers; signed in it switches on the account's outcome emails, without an account it keeps an address with the
 * response; outcomes reach that address in its language, and its own unsubscribe link stops them.
 */
for (const kind of await testDatabases()) {
  describe(`hear what happens, on the answer journey, on ${kind.dialect}`, () => {
    let t: TestApp
    let officer: Client
    const consultation = `/wards/${NORBITON}/consultations/1`
    const db = () => t.testDb.db
    const contacts = () => db().selectFrom('notifications_outcome_contact').selectAll().orderBy('id').execute()
    const mailTo = (to: string) => db().selectFrom('mail_outbox').selectAll().where('to_address', '=', to).execute()

    before(async () => {
      t = await startTestApp(kind, { DEMO_MODE: 'true', PUBLIC_URL: 'https://together.test' })
      const council = await db().selectFrom('tenancy_council').select('id').executeTakeFirstOrThrow()
      await seedDemo(db(), t.tenant, Number(council.id), 10)
      officer = new Client(t)
      await officer.signIn(await createUser(t, { role: 'officer', demo: true }))
    })
    after(async () => t.stop())

    /** Where, then the questions (themes named, the optional ones left blank), up to the "hear what happens" page. */
    async function answerUpToUpdates(c: Client): Promise<void> {
      await c.get(`${consultation}/where`)
      assert.equal((await c.post(`${consultation}/where`, { postcode: 'KT2 7AA' })).statusCode, 303)
      await c.get(`${consultation}/questions/1`)
      let res = await c.post(`${consultation}/questions/1`, { answer: ['financial-support'] })
      for (let n = 2; res.headers.location !== `${consultation}/updates`; n += 1) {
        assert.equal(res.statusCode, 303)
        assert.notEqual(res.headers.location, `${consultation}/check`)
        await c.get(`${consultation}/questions/${n}`)
        res = await c.post(`${consultation}/questions/${n}`, {})
      }
    }
    async function send(c: Client): Promise<void> {
      const check = await c.get(`${consultation}/check`)
      const key = /name="submissionKey" value="([^"]+)"/.exec(check.body)![1]!
      assert.equal((await c.post(`${consultation}/submit`, { submissionKey: key })).statusCode, 303)
    }

    test('without an account: optional, validated, on check answers, kept with the response in the reader’s language', async () => {
      const anon = new Client(t)
      await answerUpToUpdates(anon)
      const page = await anon.get(`${consultation}/updates`)
      assert.equal(page.statusCode, 200)
      assert.match(page.body, /Do you want to hear what happens as a result\?/)
      assert.match(page.body, /This is optional/)
      // Nothing is chosen for the person.
      assert.doesNotMatch(page.body, /name="updates"[^>]*checked/)
      const bad = await anon.post(`${consultation}/updates`, { updates: 'yes', email: 'not-an-address' })
      assert.equal(bad.statusCode, 400)
      assert.match(bad.body, /govuk-error-summary/)
      assert.match(bad.body, /Enter an email address in the correct format/)
      const empty = await anon.post(`${consultation}/updates`, { updates: 'yes', email: '' })
      assert.equal(empty.statusCode, 400)
      assert.match(empty.body, /Enter your email address, or select no/)
      assert.equal((await anon.post(`${consultation}/updates`, { updates: 'maybe' })).statusCode, 400)
      const ok = await anon.post(`${consultation}/updates`, { updates: 'yes', email: ' Anon.Reader@Example.com ' })
      assert.equal(ok.statusCode, 303)
      assert.equal(ok.headers.location, `${consultation}/check`)
      const check = await anon.get(`${consultation}/check`)
      assert.match(check.body, /Hear what happens/)
      assert.match(check.body, /Yes, by email to anon\.reader@example\.com/)
      assert.match(check.body, new RegExp(`href="${consultation}/updates\\?change=1"`))
      const change = await anon.get(`${consultation}/updates?change=1`)
      assert.match(change.body, /value="anon\.reader@example\.com"/)
      assert.match(change.body, /name="change" value="1"/)
      await send(anon)
      const [row] = await contacts()
      assert.ok(row)
      assert.equal(row.email, 'anon.reader@example.com')
      assert.equal(row.language, 'en')
      const response = await db()
        .selectFrom('engagement_response')
        .select(['id', 'respondent_user_id'])
        .where('id', '=', Number(row.response_id))
        .executeTakeFirstOrThrow()
      assert.equal(response.respondent_user_id, null)

      // A Polish reader's address is kept with Polish; "no" (or not choosing) keeps nothing.
      const pl = new Client(t)
      await pl.get('/language?lang=pl&returnTo=%2F')
      await answerUpToUpdates(pl)
      await pl.get(`${consultation}/updates`)
      await pl.post(`${consultation}/updates`, { updates: 'yes', email: 'czytelnik@example.com' })
      await send(pl)
      const no = new Client(t)
      await answerUpToUpdates(no)
      await no.get(`${consultation}/updates`)
      assert.equal((await no.post(`${consultation}/updates`, {})).headers.location, `${consultation}/check`)
      assert.match((await no.get(`${consultation}/check`)).body, /<dd class="govuk-summary-list__value">\s*No\s*<\/dd>/)
      await send(no)
      assert.deepEqual(
        (await contacts()).map((c) => [c.email, c.language]),
        [
          ['anon.reader@example.com', 'en'],
          ['czytelnik@example.com', 'pl'],
        ],
      )
    })

    test('outcomes reach those addresses in their language; the unsubscribe link stops them', async () => {
      const p = await db()
        .selectFrom('commissioning_process')
        .select('id')
        .where('title', '=', 'Demo: Benefits check sessions')
        .executeTakeFirstOrThrow()
      const url = `/wards/${NORBITON}/commissioning/manage/${Number(p.id)}`
      await officer.get(url)
      assert.equal((await officer.post(`${url}/award/approve`, {})).statusCode, 303)
      const [en] = await mailTo('anon.reader@example.com')
      assert.ok(en)
      assert.match(en.subject, /^Something you asked for has been commissioned: .*Benefits check sessions/)
      assert.match(en.body, new RegExp(`https://together.test/wards/${NORBITON}/you-said-we-did`))
      const link = /(https:\/\/together\.test\/unsubscribe\/contact\/\S+)/.exec(en.body)?.[1]
      assert.ok(link, en.body)
      assert.match(JSON.parse(en.headers_json ?? '{}')['List-Unsubscribe'] as string, /\/unsubscribe\/contact\//)
      const [pl] = await mailTo('czytelnik@example.com')
      assert.ok(pl)
      assert.match(pl.subject, /^Zlecono coś, o co prosiłeś\/prosiłaś: /)

      const path = link.replace('https://together.test', '')
      const anyone = new Client(t)
      const ask = await anyone.get(path)
      assert.equal(ask.statusCode, 200)
      assert.equal((await anyone.get(`${path}x`)).statusCode, 403)
      assert.equal((await anyone.get('/unsubscribe/contact/1.forged')).statusCode, 403)
      assert.equal((await anyone.post(path, {})).statusCode, 200)
      // The next outcome on the same chain reaches the Polish address only.
      const ward = (await t.wards.byCode(NORBITON))!
      const ctx = { config: t.config, tenant: t.tenant }
      const r = await db()
        .transaction()
        .execute((trx) =>
          notifyOutcome(ctx, trx, { wardId: ward.id, kind: 'process_awarded', ref: Number(p.id), occurrence: 2 }),
        )
      assert.equal(r.contacts, 1)
      assert.equal((await mailTo('anon.reader@example.com')).length, 1)
      assert.equal((await mailTo('czytelnik@example.com')).length, 2)
    })

    test('signed in: yes switches on the account’s outcome emails; an address left without an account is its data', async () => {
      const person = await createUser(t)
      const c = new Client(t)
      await c.signIn(person)
      // The same address as one left earlier without an account: that address is this person's data too.
      await db()
        .updateTable('accounts_user')
        .set({ email: 'czytelnik@example.com' })
        .where('id', '=', person.id)
        .execute()
      await answerUpToUpdates(c)
      const page = await c.get(`${consultation}/updates`)
      assert.match(page.body, /the address on your account/)
      assert.doesNotMatch(page.body, /name="email"/)
      await c.post(`${consultation}/updates`, { updates: 'yes' })
      assert.match((await c.get(`${consultation}/check`)).body, /Yes, by email/)
      await send(c)
      assert.deepEqual(await listPreferences(db(), person.id), [{ kind: 'outcomes', enabled: true }])
      const data = (await exportNotificationsPersonalData(db(), person.id)) as {
        outcomeEmailsWithoutAccount: { email: string }[]
      }
      assert.deepEqual(
        data.outcomeEmailsWithoutAccount.map((x) => x.email),
        ['czytelnik@example.com'],
      )
      const erased = await db()
        .transaction()
        .execute((trx) => eraseNotificationsPersonalData(trx, person.id))
      assert.equal(erased.outcomeContactsDeleted, 1)
      assert.deepEqual(
        (await contacts()).map((x) => x.email),
        ['anon.reader@example.com'],
      )
    })
  })
}
