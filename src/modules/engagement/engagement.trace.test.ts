import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { testDatabases } from '../../../test/support/databases.js'
import { NORBITON, startTestApp, type TestApp } from '../../../test/support/test-app.js'
import { seedDemo } from '../../cli/seed.js'
import { countResponsesByTheme, countResponsesByThemeInJs } from './engagement.trace.js'

/**
 * "You said" counts are made in SQL (issue 9: 100,000 responses a ward); they must equal the JavaScript reading
 * of the same rows, whatever a theme answer holds (well formed, spaced, escaped, duplicated, malformed, not an array).
 */
for (const kind of await testDatabases()) {
  describe(`theme counts in SQL on ${kind.dialect}`, () => {
    let t: TestApp
    let wardId: number
    before(async () => {
      t = await startTestApp(kind, { DEMO_MODE: 'true' })
      const council = await t.testDb.db.selectFrom('tenancy_council').select('id').executeTakeFirstOrThrow()
      await seedDemo(t.testDb.db, t.tenant, Number(council.id), 10)
      wardId = (await t.wards.byCode(NORBITON))!.id
    })
    after(async () => t.stop())

    const both = async () => {
      const [a, b] = await Promise.all([
        countResponsesByTheme(t.testDb.db, wardId),
        countResponsesByThemeInJs(t.testDb.db, wardId),
      ])
      const sorted = (m: Map<string, number>) => [...m].sort(([x], [y]) => x.localeCompare(y))
      assert.equal(a.responses, b.responses)
      assert.deepEqual(sorted(a.bySlug), sorted(b.bySlug))
      return a
    }

    async function respond(values: string[]) {
      const db = t.testDb.db
      const q = await db
        .selectFrom('engagement_question')
        .select(['id', 'consultation_id'])
        .where('ward_id', '=', wardId)
        .where('kind', '=', 'themes')
        .orderBy('id')
        .executeTakeFirstOrThrow()
      const now = new Date().toISOString()
      const r = await db
        .insertInto('engagement_response')
        .values({
          ward_id: wardId,
          consultation_id: Number(q.consultation_id),
          submission_key: `sqlcount-${Math.random().toString(36).slice(2)}`.padEnd(20, 'x'),
          channel: 'paper',
          postcode: 'KT2 7AA',
          area_code: null,
          respondent_user_id: null,
          entered_by_user_id: null,
          event_id: null,
          responded_on: now.slice(0, 10),
          is_demo: 1,
          created_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      for (const value of values)
        await db
          .insertInto('engagement_answer')
          .values({ ward_id: wardId, response_id: Number(r.id), question_id: Number(q.id), value })
          .execute()
    }

    test('the demo conversation and unusual but valid answers count the same in SQL as in JavaScript', async () => {
      const before = await both()
      assert.ok(before.bySlug.size > 0)
      await respond([
        '["financial-support","financial-support"]',
        ' [ "place-and-delivery" ,\n"employment-and-skills" ] ',
      ])
      await respond(['["financial-support"]', '["financial-support","family-and-life-chances"]'])
      await respond(['["quote \\" and slash \\\\ and ąę"]', '[]'])
      await respond(['not json', '{"a":"financial-support"}', '"financial-support"', '', 'null', '[1, 2]'])
      const after = await both()
      assert.equal(after.bySlug.get('financial-support'), (before.bySlug.get('financial-support') ?? 0) + 2)
      assert.equal(after.bySlug.get('quote " and slash \\ and ąę'), 1)
    })

    test('an array the strict pattern does not recognise still counts (PostgreSQL falls back to JavaScript)', async () => {
      await respond(['["financial-support",1,null]'])
      await respond(['["\\u0066inancial-support"]'])
      const after = await both()
      assert.ok((after.bySlug.get('financial-support') ?? 0) > 0)
    })
  })
}
