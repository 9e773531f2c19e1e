import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { testDatabases } from '../../../test/support/databases.js'
import { createUser, NORBITON, startTestApp, type TestApp } from '../../../test/support/test-app.js'
import { seedIdeasDemo } from './ideas.seed.js'

const [sqlite] = await testDatabases()

describe('demo ideas for Norbiton', () => {
  let t: TestApp
  before(async () => {
    t = await startTestApp(sqlite!)
  })
  after(async () => t.stop())

  test('are spread over the four themes and the ward, marked as demo, and seeded once', async () => {
    const ward = (await t.wards.byCode(NORBITON))!
    const authors = [await createUser(t), await createUser(t), await createUser(t)]
    const officer = await createUser(t, { role: 'officer' })
    const opts = { wardId: ward.id, authorEmails: authors.map((a) => a.email), officerEmail: officer.email }
    assert.equal((await seedIdeasDemo(t.testDb.db, opts)).ideas, 12)
    assert.equal((await seedIdeasDemo(t.testDb.db, opts)).ideas, 0, 'a second seed adds nothing')
    const ideas = await t.testDb.db
      .selectFrom('ideas_idea')
      .select(['title', 'theme_id', 'postcode', 'is_demo', 'status', 'kind'])
      .where('ward_id', '=', ward.id)
      .execute()
    assert.ok(ideas.every((i) => Number(i.is_demo) === 1 && i.title.startsWith('Demo: ')))
    assert.equal(new Set(ideas.map((i) => Number(i.theme_id))).size, 4)
    assert.ok(new Set(ideas.map((i) => i.postcode)).size >= 6, 'placed across the ward')
    assert.ok(new Set(ideas.map((i) => i.status)).size >= 3)
    assert.deepEqual([...new Set(ideas.map((i) => i.kind))].sort(), ['idea', 'problem'])
    // Every postcode is a real postcode of the ward.
    const inWard = await t.testDb.db
      .selectFrom('geography_postcode')
      .select('postcode')
      .where('ward_id', '=', ward.id)
      .where(
        'postcode',
        'in',
        ideas.map((i) => i.postcode),
      )
      .execute()
    assert.equal(new Set(inWard.map((p) => p.postcode)).size, new Set(ideas.map((i) => i.postcode)).size)
    const replies = await t.testDb.db.selectFrom('ideas_comment').select('is_official').execute()
    assert.ok(replies.length >= 1 && replies.every((r) => Number(r.is_official) === 1))
    const supports = await t.testDb.db.selectFrom('ideas_support').select('idea_id').execute()
    assert.ok(supports.length >= 12)
  })
})
