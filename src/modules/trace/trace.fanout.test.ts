import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { seedDemo } from '../../cli/seed.js'
import { testDatabases } from '../../../test/support/databases.js'
import {
  Client,
  createUser,
  NORBITON,
  startTestApp,
  type TestApp,
  type TestUser,
} from '../../../test/support/test-app.js'

/**
 * The fan-out wired into the places outcomes happen: a round closed (prioritisation), an award approved
 * (commissioning), a return accepted (delivery). Driven over HTTP as the officers do it, on the demo programme.
 */
for (const kind of await testDatabases()) {
  describe(`outcome emails from the programme on ${kind.dialect}`, () => {
    let t: TestApp
    let officer: Client
    let resident: TestUser
    let polish: TestUser
    const mails = (subject: string) =>
      t.testDb.db
        .selectFrom('mail_outbox')
        .selectAll()
        .where('to_address', '=', resident.email)
        .where('subject', 'like', `${subject}%`)
        .execute()

    before(async () => {
      t = await startTestApp(kind, { DEMO_MODE: 'true' })
      const council = await t.testDb.db.selectFrom('tenancy_council').select('id').executeTakeFirstOrThrow()
      await seedDemo(t.testDb.db, t.tenant, Number(council.id), 10)
      officer = new Client(t)
      await officer.signIn(await createUser(t, { role: 'officer', demo: true }))
      // A resident who said "financial support" and "employment", and asked to hear about outcomes.
      resident = await createUser(t)
      await respond(resident)
      // Another who said the same but reads Polish: switching the site's language signed in sets their emails' too.
      polish = await createUser(t)
      await respond(polish, async (c) => {
        assert.equal((await c.get('/language?lang=pl&returnTo=%2F')).statusCode, 303)
      })
    })
    after(async () => t.stop())

    async function respond(person: TestUser, first?: (c: Client) => Promise<void>) {
      const c = new Client(t)
      await c.signIn(person)
      if (first) await first(c)
      const consultation = `/wards/${NORBITON}/consultations/1`
      await c.get(`${consultation}/where`)
      await c.post(`${consultation}/where`, { postcode: 'KT2 7AA' })
      await c.get(`${consultation}/questions/1`)
      let res = await c.post(`${consultation}/questions/1`, { answer: ['financial-support', 'employment-and-skills'] })
      for (let n = 2; !/\/(check|updates)$/.test(String(res.headers.location)); n += 1) {
        await c.get(`${consultation}/questions/${n}`)
        res = await c.post(`${consultation}/questions/${n}`, {})
      }
      const key = /name="submissionKey" value="([^"]+)"/.exec((await c.get(`${consultation}/check`)).body)![1]!
      assert.equal((await c.post(`${consultation}/submit`, { submissionKey: key })).statusCode, 303)
      await c.get('/account/notifications')
      await c.post('/account/notifications', { kinds: ['response_receipt', 'outcomes'] })
    }

    test('approving an award emails those whose chain leads to it', async () => {
      const p = await t.testDb.db
        .selectFrom('commissioning_process')
        .select('id')
        .where('title', '=', 'Demo: Benefits check sessions')
        .executeTakeFirstOrThrow()
      const url = `/wards/${NORBITON}/commissioning/manage/${Number(p.id)}`
      await officer.get(url)
      const res = await officer.post(`${url}/award/approve`, {})
      assert.equal(res.statusCode, 303)
      const got = await mails('Something you asked for has been commissioned')
      assert.equal(got.length, 1)
      assert.match(got[0]!.subject, /Benefits check sessions/)
      assert.match(got[0]!.body, /\/account\/what-happened/)
      // The Polish reader's email is in Polish: subject, text and the unsubscribe footer.
      const pl = await t.testDb.db
        .selectFrom('mail_outbox')
        .selectAll()
        .where('to_address', '=', polish.email)
        .execute()
      const award = pl.filter((m) => m.subject.startsWith('Zlecono coś, o co prosiłeś/prosiłaś: '))
      assert.equal(award.length, 1, JSON.stringify(pl.map((m) => m.subject)))
      assert.match(award[0]!.subject, /Benefits check sessions/)
      assert.match(award[0]!.body, /powierzono wykonawcy/)
      assert.match(award[0]!.body, /Zrezygnuj z tego rodzaju e-maili:\n\S+\/unsubscribe\//)
      assert.doesNotMatch(award[0]!.body, /Stop this kind of email/)
    })

    test('closing a round emails the people registered as voting in it (and never says how they voted)', async () => {
      const round = await t.testDb.db
        .selectFrom('prioritisation_round')
        .select('id')
        .where('status', '=', 'open')
        .executeTakeFirstOrThrow()
      // The register of who voted, as an online vote leaves it (the ballot itself is stored apart, unlinked).
      await t.testDb.db
        .insertInto('prioritisation_voted')
        .values({
          round_id: Number(round.id),
          person_key: `user:${resident.id}`,
          user_id: resident.id,
          name_key: `test:${resident.id}`,
          channel: 'online',
          token_hash: null,
          entered_by_user_id: null,
          voted_at: new Date().toISOString(),
        })
        .execute()
      const url = `/wards/${NORBITON}/priorities/manage/${Number(round.id)}`
      await officer.get(url)
      const res = await officer.post(`${url}/close`, {})
      assert.equal(res.statusCode, 303)
      const got = await mails('A priority vote you took part in has been decided')
      assert.equal(got.length, 1)
      const page = await (async () => {
        const c = new Client(t)
        await c.signIn(resident)
        return c.get('/account/what-happened')
      })()
      assert.match(page.body, /Your vote: /)
      assert.match(page.body, /Your ballots are secret/)
    })

    test('accepting a provider’s return emails those whose chain reaches the service', async () => {
      const ret = await t.testDb.db
        .selectFrom('delivery_return')
        .select(['id', 'service_id'])
        .where('state', '=', 'submitted')
        .executeTakeFirstOrThrow()
      // Attach the demo service to the employment contract, so this resident's chain reaches it.
      const process = await t.testDb.db
        .selectFrom('commissioning_process')
        .select('id')
        .where('title', '=', 'Demo: CV and interview workshops')
        .executeTakeFirstOrThrow()
      await t.testDb.db
        .updateTable('delivery_service')
        .set({ process_id: Number(process.id) })
        .where('id', '=', Number(ret.service_id))
        .execute()
      const url = `/wards/${NORBITON}/delivery/manage/returns/${Number(ret.id)}/review`
      await officer.get(url)
      const res = await officer.post(url, { decision: 'accepted', comment: '' })
      assert.equal(res.statusCode, 303)
      assert.equal((await mails('Progress on a service you helped shape')).length, 1)
    })
  })
}
