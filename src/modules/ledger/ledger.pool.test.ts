import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { planPoolAllocation, type PledgeAvailability, type PoolItem } from './ledger.pool.js'

const pledge = (
  pledgeId: number,
  availablePence: number,
  themes: string[] = [],
  usable = true,
): PledgeAvailability => ({
  pledgeId,
  availablePence,
  themes,
  usable,
})
const item = (theme: string, amountPence: number, purpose = `${theme}-${amountPence}`): PoolItem => ({
  theme,
  purpose,
  amountPence,
})

describe('planning an allocation from the pooled fund', () => {
  test('ring-fenced money is used first for its theme, then open money; an item may be split', () => {
    const plan = planPoolAllocation(
      [pledge(1, 10_000), pledge(2, 5_000, ['health']), pledge(3, 3_000, ['health', 'youth'])],
      [item('health', 9_000), item('roads', 4_000)],
    )
    assert.deepEqual(plan, {
      ok: true,
      moves: [
        // Narrowest ring-fence first: pledge 2 (health only), then pledge 3 (health or youth), then open money.
        { pledgeId: 2, theme: 'health', purpose: 'health-9000', amountPence: 5_000 },
        { pledgeId: 3, theme: 'health', purpose: 'health-9000', amountPence: 3_000 },
        { pledgeId: 1, theme: 'health', purpose: 'health-9000', amountPence: 1_000 },
        { pledgeId: 1, theme: 'roads', purpose: 'roads-4000', amountPence: 4_000 },
      ],
    })
  })

  test('all or nothing: an item the pool cannot cover is reported and nothing is planned', () => {
    const plan = planPoolAllocation([pledge(1, 1_000), pledge(2, 50_000, ['health'])], [item('roads', 2_000)])
    assert.deepEqual(plan, { ok: false, unfunded: [item('roads', 2_000)] })
  })

  test('expired or unapproved pledges are never used', () => {
    const plan = planPoolAllocation([pledge(1, 10_000, [], false)], [item('roads', 1)])
    assert.equal(plan.ok, false)
  })

  test('property: never more than a pledge holds, never outside a ring-fence, each item covered exactly', () => {
    const themes = ['a', 'b', 'c']
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            availablePence: fc.integer({ min: 0, max: 20_000 }),
            themes: fc.subarray(themes),
            usable: fc.boolean(),
          }),
          { maxLength: 6 },
        ),
        fc.array(fc.record({ theme: fc.constantFrom(...themes), amountPence: fc.integer({ min: 1, max: 15_000 }) }), {
          maxLength: 5,
        }),
        (rawPledges, rawItems) => {
          const pledges = rawPledges.map((p, i) => ({ ...p, pledgeId: i + 1 }))
          const items = rawItems.map((it, i) => ({ ...it, purpose: `item-${i}` }))
          const plan = planPoolAllocation(pledges, items)
          if (!plan.ok) {
            assert.ok(plan.unfunded.length > 0)
            return
          }
          const used = new Map<number, number>()
          for (const m of plan.moves) {
            const p = pledges.find((x) => x.pledgeId === m.pledgeId)!
            assert.ok(p.usable)
            assert.ok(p.themes.length === 0 || p.themes.includes(m.theme))
            assert.ok(m.amountPence > 0)
            used.set(m.pledgeId, (used.get(m.pledgeId) ?? 0) + m.amountPence)
          }
          for (const [id, total] of used) assert.ok(total <= pledges.find((x) => x.pledgeId === id)!.availablePence)
          for (const it of items)
            assert.equal(
              plan.moves.filter((m) => m.purpose === it.purpose).reduce((s, m) => s + m.amountPence, 0),
              it.amountPence,
            )
        },
      ),
    )
  })
})
