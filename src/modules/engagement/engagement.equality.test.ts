import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import fc from 'fast-check'
import { testDatabases } from '../../../test/support/databases.js'
import { NORBITON, startTestApp, type TestApp } from '../../../test/support/test-app.js'
import { findWardByCode } from '../../platform/tenancy/index.js'
import { discloseEqualityCounts, summariseEquality } from './engagement.equality.js'

/**
 * The worst case for differencing: someone who knows the exact total and the exact (unrounded) count of every
 * published cell. The hidden cells then add up to a known H, and each one could be anything from 0 to H unless it
 * is the only hidden cell. Returns the values a hidden cell could take, as [low, high].
 */
function attackerRange(trueCounts: number[], published: (number | null)[], i: number): [number, number] {
  const hidden = published.flatMap((c, j) => (c === null ? [j] : []))
  const h = hidden.reduce((s, j) => s + trueCounts[j]!, 0)
  return hidden.length === 1 && hidden[0] === i ? [h, h] : [0, h]
}

describe('equality disclosure control (primary and secondary suppression)', () => {
  const counts = fc.array(fc.oneof(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 400 })), {
    minLength: 2,
    maxLength: 11,
  })

  test('no published cell is 1 to 9, every published cell is a multiple of 5', () => {
    fc.assert(
      fc.property(counts, (cs) => {
        const total = cs.reduce((a, b) => a + b, 0)
        for (const c of discloseEqualityCounts(cs, total)) assert.ok(c === null || (c >= 10 && c % 5 === 0), String(c))
      }),
      { numRuns: 2000 },
    )
  })

  test('a hidden cell is never alone beside a published total, so differencing cannot recover it', () => {
    fc.assert(
      fc.property(counts, (cs) => {
        const total = cs.reduce((a, b) => a + b, 0)
        const out = discloseEqualityCounts(cs, total)
        const hidden = out.flatMap((c, i) => (c === null ? [i] : []))
        if (total >= 10) assert.notEqual(hidden.length, 1, JSON.stringify({ cs, out }))
        else assert.equal(hidden.length, cs.length, 'a hidden total hides every cell')
        for (const i of hidden) {
          // Any hidden count above 0 must leave the attacker at least two possible values.
          if (cs[i]! === 0) continue
          const [low, high] = attackerRange(cs, out, i)
          assert.ok(high > low, JSON.stringify({ cs, out, i, low, high }))
        }
      }),
      { numRuns: 2000 },
    )
  })

  test('the complementary cell hidden is the smallest published one, and a small total hides everything', () => {
    assert.deepEqual(discloseEqualityCounts([3, 12, 40], 55), [null, null, 40])
    assert.deepEqual(discloseEqualityCounts([3, 4, 40], 47), [null, null, 40])
    assert.deepEqual(discloseEqualityCounts([12, 40], 52), [10, 40])
    assert.deepEqual(discloseEqualityCounts([4, 5], 9), [null, null])
    assert.deepEqual(discloseEqualityCounts([3, 12, 0, 0], 15), [null, 10, null, null])
  })
})

for (const kind of await testDatabases()) {
  describe(`summariseEquality on ${kind.dialect}`, () => {
    let t: TestApp
    before(async () => {
      t = await startTestApp(kind)
    })
    after(async () => t.stop())

    test('summaries never leave one hidden category beside a published total', async () => {
      const db = t.testDb.db
      const wardId = (await findWardByCode(db, NORBITON))!.id
      const now = new Date().toISOString()
      const c = await db
        .insertInto('engagement_consultation')
        .values({
          ward_id: wardId,
          title: 'Equality test',
          summary: 'x',
          status: 'open',
          allow_anonymous: 1,
          theme_ids_json: '[]',
          is_demo: 0,
          created_by_user_id: null,
          created_at: now,
          opened_at: now,
          closed_at: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      for (let i = 0; i < 15; i++)
        await db
          .insertInto('engagement_equality')
          .values({
            ward_id: wardId,
            consultation_id: Number(c.id),
            pseudonym: `p${i}`,
            submission_key: `eq-test-${i}`.padEnd(20, 'x'),
            age_band: null,
            sex: 'female',
            gender_identity: null,
            sexual_orientation: null,
            ethnic_group: null,
            religion: null,
            disability: i < 3 ? 'yes' : 'no',
            carer: null,
            is_demo: 0,
            consented_on: '2026-11-20',
          })
          .execute()
      const s = await summariseEquality(db, wardId, Number(c.id))
      assert.equal(s.total, 15)
      const disability = s.fields.find((f) => f.field === 'disability')!.rows
      assert.equal(disability.find((r) => r.value === 'yes')?.count, null)
      // 12 beside a total of 15 would give the 3 away, but "prefer not to say" and "not answered" (0 each) are
      // hidden with it, so the hidden three add up to 3 without saying which holds it.
      assert.equal(disability.find((r) => r.value === 'no')?.count, 10)
      // Every one answered sex: 15 female is shown; the other categories are 0 and hidden together.
      const sex = s.fields.find((f) => f.field === 'sex')!.rows
      assert.equal(sex.find((r) => r.value === 'female')?.count, 15)
      // Nobody answered carer: "not answered" 15 is shown.
      const carer = s.fields.find((f) => f.field === 'carer')!.rows
      assert.equal(carer.find((r) => r.value === 'not-answered')?.count, 15)
      for (const f of s.fields) assert.notEqual(f.rows.filter((r) => r.count === null).length, 1, f.field)
    })
  })
}
