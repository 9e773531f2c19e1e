import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { compileElection, costOf, type Election } from './election.js'
import { runGreedy } from './greedy.js'
import { methodOfEqualShares, runMesWithEndowment, type MesSatisfaction } from './method-of-equal-shares.js'
import { createMesAdd1Engine } from './method-of-equal-shares-add1.js'
import { Rational } from './rational.js'
import type { TieBreakKey } from './tie-breaking.js'

function election(budget: number, costs: number[], ballots: number[][]): Election {
  const ids = costs.map((_, p) => `p${p}`)
  return compileElection({
    budget: Rational.of(budget),
    projects: ids.map((id, p) => ({ id, cost: Rational.of(costs[p] ?? 0) })),
    ballotKind: 'approval',
    ballots: ballots.map((b) => ({ projectIds: [...new Set(b.filter((p) => p < ids.length).map((p) => `p${p}`))] })),
  })
}

/**
 * add1 and completion as pb-algorithms.md §4.2–4.3 word them, every endowment counted from scratch: the
 * reference the engine's reuse of earlier rounds must agree with exactly.
 */
function referenceAdd1(
  e: Election,
  satisfaction: MesSatisfaction,
  options: { increment: Rational; exhaustiveStop: boolean; greedyCompletion: boolean; add1: boolean },
  tieBreaking: readonly TieBreakKey[],
): { selected: string[]; endowment: string; runs: number } {
  const n = e.voterCount
  const supported = (p: number) => (e.approvals[p] ?? 0) > 0
  const mesCandidate = (p: number) => supported(p) && !(e.costs[p] ?? Rational.ZERO).isZero()
  const exhaustive = (chosen: readonly number[], eligible: (p: number) => boolean) => {
    const left = e.budget.sub(costOf(e, chosen))
    return e.costs.every((c, p) => chosen.includes(p) || !eligible(p) || c.gt(left))
  }
  let endowment = n === 0 ? Rational.ZERO : e.budget.divInt(n)
  let selected: readonly number[] = n === 0 ? [] : runMesWithEndowment(e, endowment, satisfaction, tieBreaking).selected
  let runs = 1
  const everythingFits = costOf(e, e.costs.map((_, p) => p).filter(supported)).le(e.budget)
  if (n > 0 && options.add1 && !(everythingFits && !options.exhaustiveStop)) {
    while (!(options.exhaustiveStop && exhaustive(selected, mesCandidate))) {
      const next = runMesWithEndowment(e, endowment.add(options.increment), satisfaction, tieBreaking).selected
      runs++
      if (costOf(e, next).gt(e.budget)) break
      endowment = endowment.add(options.increment)
      selected = next
    }
  }
  const all = [...selected]
  if (options.greedyCompletion && !exhaustive(all, () => true)) {
    const completion = runGreedy(e, {
      measure: satisfaction,
      skip: true,
      includeUnsupported: true,
      initial: all,
      tieBreaking,
      stage: 'completion',
    })
    all.push(...completion.selected)
  }
  return { selected: all.map((p) => e.projectIds[p] ?? ''), endowment: endowment.toString(), runs }
}

// Elections large enough for many rounds and many add1 steps, with small integers so that exact ties in ρ,
// shares equal to budgets and projects that become affordable exactly at some endowment all happen.
const instance = fc.record({
  budget: fc.integer({ min: 0, max: 400 }),
  costs: fc.array(fc.integer({ min: 0, max: 120 }), { minLength: 1, maxLength: 9 }),
  ballots: fc.array(fc.array(fc.nat({ max: 8 }), { maxLength: 5 }), { maxLength: 24 }),
})
const increment = fc.constantFrom(Rational.ONE, Rational.of(1, 3), Rational.of(1, 10), Rational.of(7, 2))
const tieBreaking = fc.constantFrom<readonly TieBreakKey[]>(['id'], ['more-support', 'lower-cost', 'id'])
const satisfaction = fc.constantFrom<MesSatisfaction>('cost', 'cardinality')

describe('MES add1 engine', () => {
  test('selects at every step exactly what a from-scratch run selects at that endowment', () => {
    fc.assert(
      fc.property(instance, satisfaction, increment, tieBreaking, (i, sat, step, ties) => {
        const e = election(i.budget, i.costs, i.ballots)
        if (e.voterCount === 0) return
        const start = e.budget.divInt(e.voterCount)
        const engine = createMesAdd1Engine(e, sat, ties, start, step)
        for (let k = 0; k <= 40; k++) {
          const expected = runMesWithEndowment(e, start.add(step.mulInt(k)), sat, ties).selected
          assert.deepEqual(engine.selectedAt(k), expected, `step ${k}`)
        }
      }),
      { numRuns: 500 },
    )
  })

  test('skipping steps or asking for an earlier one still gives the from-scratch selection', () => {
    fc.assert(
      fc.property(
        instance,
        satisfaction,
        fc.array(fc.nat({ max: 60 }), { minLength: 1, maxLength: 8 }),
        (i, sat, steps) => {
          const e = election(i.budget, i.costs, i.ballots)
          if (e.voterCount === 0) return
          const start = e.budget.divInt(e.voterCount)
          const engine = createMesAdd1Engine(e, sat, ['id'], start, Rational.ONE)
          for (const k of steps) {
            const expected = runMesWithEndowment(e, start.add(Rational.of(k)), sat, ['id']).selected
            assert.deepEqual(engine.selectedAt(k), expected, `step ${k}`)
          }
        },
      ),
      { numRuns: 100 },
    )
  })

  test('methodOfEqualShares matches add1 counted from scratch, in every variant', () => {
    fc.assert(
      fc.property(
        instance,
        satisfaction,
        increment,
        tieBreaking,
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        (i, sat, step, ties, exhaustiveStop, greedyCompletion, add1) => {
          const e = election(i.budget, i.costs, i.ballots)
          const options = { increment: step, exhaustiveStop, greedyCompletion, add1 }
          const result = methodOfEqualShares(e, sat, { ...options, tieBreaking: ties })
          const expected = referenceAdd1(e, sat, options, ties)
          assert.deepEqual(result.selected, expected.selected)
          assert.equal(result.parameters.mesRuns, expected.runs)
          if (e.voterCount > 0) assert.equal(result.parameters.endowment, expected.endowment)
        },
      ),
      { numRuns: 300 },
    )
  })

  test('reuses rounds across endowments when decisions cannot change', () => {
    // Two clear blocs: every step up to the last keeps the same purchases, so later steps reuse them.
    const e = election(
      1000,
      [600, 300, 90, 45],
      [
        ...Array.from({ length: 6 }, () => [0, 2]),
        ...Array.from({ length: 3 }, () => [1, 3]),
        ...Array.from({ length: 2 }, () => [2, 3]),
      ],
    )
    const start = e.budget.divInt(e.voterCount)
    const engine = createMesAdd1Engine(e, 'cost', ['id'], start, Rational.ONE)
    for (let k = 0; k <= 30; k++) {
      assert.deepEqual(engine.selectedAt(k), runMesWithEndowment(e, start.add(Rational.of(k)), 'cost').selected)
    }
    assert.ok(engine.reusedRounds > 0, `reused ${engine.reusedRounds}, counted ${engine.countedRounds}`)
  })
})
