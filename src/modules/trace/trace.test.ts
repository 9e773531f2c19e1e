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
import { loadWardPicture, notifyOutcome, outcomeAudienceFor } from './index.js'
import type { OutcomeEvent } from './trace.rules.js'
import { outcomeAudienceByTracing } from './trace.service.js'

/** "You said, we did" on the seeded demo programme, on both databases. */
for (const kind of await testDatabases()) {
  describe(`you said, we did on ${kind.dialect}`, () => {
    let t: TestApp
    let wardId: number
    let jobsFair: number
    const consultation = `/wards/${NORBITON}/consultations/1`

    before(async () => {
      t = await startTestApp(kind, { DEMO_MODE: 'true' })
      const council = await t.testDb.db.selectFrom('tenancy_council').select('id').executeTakeFirstOrThrow()
      await seedDemo(t.testDb.db, t.tenant, Number(council.id), 10)
      wardId = (await t.wards.byCode(NORBITON))!.id
      const s = await t.testDb.db
        .selectFrom('delivery_service')
        .select('id')
        .where('title', '=', 'Demo: Local jobs fair')
        .executeTakeFirstOrThrow()
      jobsFair = Number(s.id)
    })
    after(async () => t.stop())

    /** Answers the demo conversation through its pages, naming the given themes; optional questions are skipped. */
    async function respond(c: Client, themes: string[]): Promise<void> {
      await c.get(`${consultation}/where`)
      assert.equal((await c.post(`${consultation}/where`, { postcode: 'KT2 7AA' })).statusCode, 303)
      await c.get(`${consultation}/questions/1`)
      let res = await c.post(`${consultation}/questions/1`, { answer: themes })
      for (let n = 2; !/\/(check|updates)$/.test(String(res.headers.location)); n += 1) {
        assert.equal(res.statusCode, 303)
        await c.get(`${consultation}/questions/${n}`)
        res = await c.post(`${consultation}/questions/${n}`, {})
      }
      const check = await c.get(`${consultation}/check`)
      const key = /name="submissionKey" value="([^"]+)"/.exec(check.body)![1]!
      assert.equal((await c.post(`${consultation}/submit`, { submissionKey: key })).statusCode, 303)
    }

    async function optIn(c: Client, kinds: string[]) {
      await c.get('/account/notifications')
      assert.equal((await c.post('/account/notifications', { kinds })).statusCode, 303)
    }

    let ruth: TestUser
    let ruthClient: Client
    test('a resident follows their response to the service it led to; nobody else sees it', async () => {
      ruth = await createUser(t)
      ruthClient = new Client(t)
      await ruthClient.signIn(ruth)
      const empty = await ruthClient.get('/account/what-happened')
      assert.equal(empty.statusCode, 200)
      assert.match(empty.body, /You have not responded/)

      await respond(ruthClient, ['employment-and-skills'])
      const page = await ruthClient.get('/account/what-happened')
      assert.equal(page.statusCode, 200)
      assert.match(page.body, /Your response: One Norbiton community conversation/)
      assert.match(page.body, /Employment and Skills/)
      // Demo chain: the employment theme → the commissioned jobs fair → its service, with progress.
      assert.match(page.body, new RegExp(`href="/wards/${NORBITON}/delivery/services/${jobsFair}"`))
      assert.match(page.body, /Demo: Local jobs fair/)
      assert.match(page.body, /% delivered/)
      assert.match(page.body, /Service running/)
      // The link it gives to the service works for anyone.
      assert.equal((await new Client(t).get(`/wards/${NORBITON}/delivery/services/${jobsFair}`)).statusCode, 200)

      const someoneElse = new Client(t)
      await someoneElse.signIn(await createUser(t))
      const theirs = await someoneElse.get('/account/what-happened')
      assert.doesNotMatch(theirs.body, /Your response: One Norbiton/)
      assert.notEqual((await new Client(t).get('/account/what-happened')).statusCode, 200)
    })

    test('the public page shows every theme’s chain with counts under disclosure control', async () => {
      const res = await new Client(t).get(`/wards/${NORBITON}/you-said-we-did`)
      assert.equal(res.statusCode, 200)
      for (const theme of [
        'Employment and Skills',
        'Family and Life Chances',
        'Place and Delivery',
        'Financial Support',
      ])
        assert.ok(res.body.includes(theme), theme)
      assert.match(res.body, /Demo: Local jobs fair/)
      // Demo ideas are fewer than 10 per theme: never shown as a number.
      assert.match(res.body, /fewer than 10 ideas/)
      const counts = [...res.body.matchAll(/About (\d+) responses/g)].map((m) => Number(m[1]))
      assert.ok(counts.length > 0)
      for (const n of counts) assert.ok(n >= 10 && n % 5 === 0, `${n} is disclosed as rounded, never small`)
      assert.equal((await new Client(t).get(`/wards/E05013932/you-said-we-did`)).statusCode, 200)
    })

    test('outcome emails go to the people whose chain reaches it, once, and only if they chose them', async () => {
      // Ruth (employment) opts in; Sam (place and delivery) opts in; Olu (employment) does not.
      await optIn(ruthClient, ['outcomes'])
      const sam = await createUser(t)
      const samClient = new Client(t)
      await samClient.signIn(sam)
      await respond(samClient, ['place-and-delivery'])
      await optIn(samClient, ['outcomes'])
      const olu = await createUser(t)
      const oluClient = new Client(t)
      await oluClient.signIn(olu)
      await respond(oluClient, ['employment-and-skills'])

      const audience = await outcomeAudienceFor(t.testDb.db, wardId, { kind: 'service_progress', ref: jobsFair })
      assert.ok(audience.includes(ruth.id))
      assert.ok(audience.includes(olu.id), 'Olu contributed, even though he will not be emailed')
      assert.ok(!audience.includes(sam.id))

      const ctx = { config: t.config, tenant: t.tenant }
      const outbox = (email: string) =>
        t.testDb.db
          .selectFrom('mail_outbox')
          .selectAll()
          .where('to_address', '=', email)
          .where('subject', 'like', 'Progress on a service%')
          .execute()
      const first = await t.testDb.db
        .transaction()
        .execute((trx) => notifyOutcome(ctx, trx, { wardId, kind: 'service_progress', ref: jobsFair, occurrence: 1 }))
      assert.ok(first.queued >= 1)
      assert.equal((await outbox(ruth.email)).length, 1)
      assert.match((await outbox(ruth.email))[0]!.headers_json ?? '', /List-Unsubscribe-Post/)
      assert.equal((await outbox(olu.email)).length, 0, 'not opted in: nothing')
      assert.equal((await outbox(sam.email)).length, 0, 'not in the chain: nothing')
      // The same event again (a retried request) tells nobody twice; the next return is a new event.
      const again = await t.testDb.db
        .transaction()
        .execute((trx) => notifyOutcome(ctx, trx, { wardId, kind: 'service_progress', ref: jobsFair, occurrence: 1 }))
      assert.equal(again.queued, 0)
      await t.testDb.db
        .transaction()
        .execute((trx) => notifyOutcome(ctx, trx, { wardId, kind: 'service_progress', ref: jobsFair, occurrence: 2 }))
      assert.equal((await outbox(ruth.email)).length, 2)
      // An event about something that does not exist in the ward sends nothing.
      const none = await t.testDb.db
        .transaction()
        .execute((trx) => notifyOutcome(ctx, trx, { wardId, kind: 'process_awarded', ref: 999_999 }))
      assert.deepEqual(none, { audience: 0, queued: 0, contacts: 0 })
    })

    test('the audience found in the database equals tracing every contribution, for every outcome in the ward', async () => {
      const db = t.testDb.db
      // Coded answers are part of chains: an officer codes one signed-in answer under the financial-support branch.
      const before = await loadWardPicture(db, wardId)
      const financial = before.themes.find((x) => x.slug === 'financial-support')!
      const frameTheme = before.frame.themes.find((x) => x.engagementThemeId === financial.id)
      assert.ok(frameTheme, 'the demo coding frame maps onto the engagement themes')
      const answer = await db
        .selectFrom('engagement_answer as a')
        .innerJoin('engagement_response as r', 'r.id', 'a.response_id')
        .select('a.id')
        .where('a.ward_id', '=', wardId)
        .where('r.respondent_user_id', '=', ruth.id)
        .orderBy('a.id', 'desc')
        .executeTakeFirstOrThrow()
      await db
        .insertInto('understanding_coding')
        .values({
          ward_id: wardId,
          item_ref: `answer:${Number(answer.id)}`,
          coder_user_id: ruth.id,
          theme_ids_json: JSON.stringify([frameTheme.id]),
          is_other: 0,
          coded_at: new Date().toISOString(),
        })
        .execute()
      const picture = await loadWardPicture(db, wardId)
      assert.ok(picture.frame.codings.size > 0)
      const events: OutcomeEvent[] = [
        ...picture.rounds.map((r) => ({ kind: 'round_decided' as const, ref: r.roundId })),
        ...picture.processes.map((p) => ({ kind: 'process_awarded' as const, ref: p.processId })),
        ...picture.services.map((s) => ({ kind: 'service_progress' as const, ref: s.serviceId })),
      ]
      let someone = 0
      for (const e of events) {
        const fast = await outcomeAudienceFor(db, wardId, e)
        assert.deepEqual(fast, await outcomeAudienceByTracing(db, wardId, e), JSON.stringify(e))
        someone += fast.length
      }
      assert.ok(someone > 0)
    })
  })
}
