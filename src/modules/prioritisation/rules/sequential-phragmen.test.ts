import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { compileElection } from './election.js'
import { CountingError } from './errors.js'
import { Rational } from './rational.js'
import { sequentialPhragmen } from './sequential-phragmen.js'

function election(budget: number, costs: Record<string, number>, ballots: string[][]) {
  return compileElection({
    budget: Rational.of(budget),
    projects: Object.entries(costs).map(([id, cost]) => ({ id, cost: Rational.of(cost) })),
    ballotKind: 'approval',
    ballots: ballots.map((projectIds) => ({ projectIds })),
  })
}

// Phragmén as pb-algorithms.md §5 words it, one voter at a time, for checking the load-by-round shortcut.
function referencePhragmen(costs: Record<string, number>, ballots: string[][], budget: number): string[] {
  const loads = ballots.map(() => Rational.ZERO)
  let candidates = Object.keys(costs)
    .filter((id) => (costs[id] ?? 0) <= budget)
    .sort()
  const selected: string[] = []
  let spent = 0
  while (candidates.length > 0) {
    let best: Rational | undefined | null = null
    let ties: string[] = []
    for (const id of candidates) {
      const approvers = ballots.flatMap((b, i) => (b.includes(id) ? [i] : []))
      const load =
        approvers.length === 0
          ? undefined
          : approvers
              .reduce((sum, i) => sum.add(loads[i] ?? Rational.ZERO), Rational.of(costs[id] ?? 0))
              .divInt(approvers.length)
      const order =
        best === null
          ? -1
          : load === undefined
            ? best === undefined
              ? 0
              : 1
            : best === undefined
              ? -1
              : load.compare(best)
      if (order < 0) {
        best = load
        ties = [id]
      } else if (order === 0) ties.push(id)
    }
    if (ties.some((id) => spent + (costs[id] ?? 0) > budget)) break
    const winner = ties[0] ?? ''
    if (best !== null && best !== undefined) {
      const load = best
      ballots.forEach((b, i) => {
        if (b.includes(winner)) loads[i] = load
      })
    }
    selected.push(winner)
    spent += costs[winner] ?? 0
    candidates = candidates.filter((id) => id !== winner)
  }
  return selected
}

describe('sequential Phragmén', () => {
  test('spreads loads and stops, without skipping, at the first project that does not fit', () => {
    // Round 1: A, B and C all give a load of 10; A wins on id. Round 2: C (10) beats B (voter 1 would reach
    // 20). Round 3: B does not fit in what is left, so counting stops.
    const e = election(30, { A: 20, B: 10, C: 10 }, [['A', 'B'], ['A'], ['C']])
    const result = sequentialPhragmen(e)
    assert.deepEqual(result.selected, ['A', 'C'])
    assert.equal(result.explanations.A?.details.load, '10')
    assert.equal(result.explanations.B?.reason, 'over-budget')
  })

  test('marks projects costing more than the budget and those never reached', () => {
    // A: load 4, B: 5, C: nobody's choice (+∞), D: over the whole budget. After A, B does not fit: stop.
    const e = election(10, { A: 8, B: 5, C: 2, D: 11 }, [['A'], ['A'], ['B']])
    const result = sequentialPhragmen(e)
    assert.deepEqual(result.selected, ['A'])
    assert.equal(result.explanations.D?.reason, 'over-budget')
    assert.equal(result.explanations.B?.reason, 'over-budget')
    assert.equal(result.explanations.C?.reason, 'stopped')
  })

  test('counts approval ballots only', () => {
    const e = compileElection({
      budget: Rational.of(1),
      projects: [{ id: 'A', cost: Rational.of(1) }],
      ballotKind: 'cumulative',
      ballots: [{ projectIds: ['A'], points: [Rational.ONE] }],
    })
    assert.throws(
      () => sequentialPhragmen(e),
      (error: unknown) => error instanceof CountingError && error.code === 'PRIORITISATION_UNSUPPORTED_BALLOT',
    )
  })

  test('selects exactly what the one-voter-at-a-time reference selects, in order, within budget', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.array(fc.integer({ min: 0, max: 25 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.array(fc.nat({ max: 5 }), { maxLength: 4 }), { maxLength: 9 }),
        (budget, costList, rawBallots) => {
          const ids = costList.map((_, p) => `p${p}`)
          const costs = Object.fromEntries(ids.map((id, p) => [id, costList[p] ?? 0]))
          const ballots = rawBallots.map((b) => [...new Set(b.filter((p) => p < ids.length).map((p) => ids[p] ?? ''))])
          const result = sequentialPhragmen(election(budget, costs, ballots))
          assert.deepEqual(result.selected, referencePhragmen(costs, ballots, budget))
          assert.ok(result.spent.le(Rational.of(budget)))
        },
      ),
      { numRuns: 300 },
    )
  })
})
