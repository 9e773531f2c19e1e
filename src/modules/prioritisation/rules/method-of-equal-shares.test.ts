import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { compileElection } from './election.js'
import {
  equalSharesCost,
  methodOfEqualShares,
  runMesWithEndowment,
  type MesSatisfaction,
} from './method-of-equal-shares.js'
import { equalSharesCardinal } from './method-of-equal-shares-cardinal.js'
import { Rational } from './rational.js'

function election(budget: number, costs: Record<string, number>, ballots: string[][]) {
  return compileElection({
    budget: Rational.of(budget),
    projects: Object.entries(costs).map(([id, cost]) => ({ id, cost: Rational.of(cost) })),
    ballotKind: 'approval',
    ballots: ballots.map((projectIds) => ({ projectIds })),
  })
}

/**
 * MES exactly as pb-algorithms.md §4.1 words it, one voter at a time, every candidate rescanned every round:
 * slow and obvious, to check the budget-class and double-filter optimisations against.
 */
function referenceMes(
  costs: Record<string, number>,
  ballots: string[][],
  endowment: Rational,
  satisfaction: MesSatisfaction,
): string[] {
  const budgets = ballots.map(() => endowment)
  const ids = Object.keys(costs).sort()
  const utility = (id: string) => (satisfaction === 'cost' ? Rational.of(costs[id] ?? 0) : Rational.ONE)
  const supportersOf = (id: string) => ballots.flatMap((b, i) => (b.includes(id) ? [i] : []))
  const selected = ids.filter((id) => costs[id] === 0 && supportersOf(id).length > 0)
  let candidates = ids.filter((id) => (costs[id] ?? 0) > 0 && supportersOf(id).length > 0)
  for (;;) {
    let best: Rational | undefined
    let winner: string | undefined
    const kept: string[] = []
    for (const id of candidates) {
      const cost = Rational.of(costs[id] ?? 0)
      const u = utility(id)
      const supporters = supportersOf(id).sort((a, b) =>
        (budgets[a] ?? Rational.ZERO).compare(budgets[b] ?? Rational.ZERO),
      )
      const money = supporters.reduce((sum, i) => sum.add(budgets[i] ?? Rational.ZERO), Rational.ZERO)
      if (money.lt(cost)) continue
      kept.push(id)
      let paid = Rational.ZERO
      let rest = u.mulInt(supporters.length)
      let rho: Rational | undefined
      for (const i of supporters) {
        const r = cost.sub(paid).div(rest)
        if (r.mul(u).le(budgets[i] ?? Rational.ZERO)) {
          rho = r
          break
        }
        paid = paid.add(budgets[i] ?? Rational.ZERO)
        rest = rest.sub(u)
      }
      if (rho !== undefined && (best === undefined || rho.lt(best))) {
        best = rho
        winner = id
      }
    }
    if (winner === undefined || best === undefined) return selected
    const share = best.mul(utility(winner))
    for (const i of supportersOf(winner))
      budgets[i] = (budgets[i] ?? Rational.ZERO).sub((budgets[i] ?? Rational.ZERO).min(share))
    selected.push(winner)
    const chosen = winner
    candidates = kept.filter((id) => id !== chosen)
  }
}

describe('Method of Equal Shares', () => {
  // Budget 30, three voters with 10 each. A (20) is shared by voters 1 and 2 at 10 each; B needs voter 1,
  // who has nothing left; C is paid in full by voter 3. Greedy by votes would fund A and B instead.
  const example = () => election(30, { A: 20, B: 10, C: 10 }, [['A', 'B'], ['A'], ['C']])

  test('shares each project among its supporters, round by round', () => {
    const result = equalSharesCost(example())
    assert.deepEqual(result.selected, ['A', 'C'])
    assert.equal(result.spent.toString(), '30')
    assert.equal(result.explanations.A?.details.round, 1)
    assert.equal(result.explanations.A?.details.sharePerVoter, '10')
    assert.equal(result.explanations.A?.details.rho, '1/2')
    assert.equal(result.explanations.B?.reason, 'unaffordable')
    assert.equal(result.explanations.B?.details.supportersMoney, '0')
  })

  test('a supporter with less than the equal share pays all they have and the others make up the rest', () => {
    // Endowment 4 each. Round 1: X (cost 6, voters 1-3) at 2 each, voter 1 keeps 2. Round 2: Y costs 9 for
    // voters 1, 4 and 5: voter 1 pays their last 2, voters 4 and 5 pay 3.5 each.
    const e = election(20, { X: 6, Y: 9 }, [['X', 'Y'], ['X'], ['X'], ['Y'], ['Y']])
    const run = runMesWithEndowment(e, Rational.of(4), 'cost')
    assert.deepEqual(run.selected, [0, 1])
    const y = run.purchases.get(1)
    assert.equal(y?.share.toString(), '7/2')
    assert.equal(y?.fullPayers, 2)
    assert.equal(y?.partialPayers, 1)
    assert.equal(y?.partialPaid.toString(), '2')
  })

  test('add1 raises the endowment until the outcome would overspend', () => {
    // With 16/3 each, voters 1-2 cannot fund P (12); at 16/3 + 1 each they can, P is then the cheaper per unit of
    // satisfaction and Q (4, voter 3) still fits.
    const e = election(16, { P: 12, Q: 4 }, [['P'], ['P'], ['Q']])
    const once = equalSharesCost(e, { add1: false, greedyCompletion: false })
    assert.deepEqual(once.selected, ['Q'])
    const add1 = equalSharesCost(e, { greedyCompletion: false })
    assert.deepEqual(add1.selected, ['P', 'Q'])
    assert.equal(add1.parameters.endowment, '19/3')
  })

  test('greedy completion fills what add1 leaves, zero-vote projects included', () => {
    // Endowment 5 funds nothing; at 6 both A and B would be bought, 12 > 10, so add1 keeps the empty outcome.
    const e = election(10, { A: 6, B: 6, Z: 4 }, [['A'], ['B']])
    assert.deepEqual(equalSharesCost(e, { greedyCompletion: false }).selected, [])
    const completed = equalSharesCost(e)
    assert.deepEqual(completed.selected, ['A', 'Z'])
    assert.equal(completed.explanations.Z?.stage, 'completion')
  })

  test('cardinality satisfaction prefers the project asking the least from each supporter', () => {
    // Budget 10, two voters approving both: Cost_Sat buys the dear project first, Cardinality_Sat the cheap.
    const e = election(10, { big: 8, small: 2 }, [
      ['big', 'small'],
      ['big', 'small'],
    ])
    assert.deepEqual(runMesWithEndowment(e, Rational.of(5), 'cost').selected, [0, 1])
    assert.deepEqual(runMesWithEndowment(e, Rational.of(5), 'cardinality').selected, [1, 0])
    assert.equal(equalSharesCardinal(e).rule, 'mes-cardinal')
  })

  test('breaks an exact tie by the chosen key', () => {
    const e = election(4, { '9': 2, '10': 2 }, [['9'], ['10']])
    assert.deepEqual(equalSharesCost(e, { add1: false }).selected, ['10', '9'])
    const cheaperFirst = election(4, { a: 2, b: 2 }, [
      ['a', 'b'],
      ['a', 'b'],
    ])
    assert.deepEqual(equalSharesCost(cheaperFirst, { add1: false, tieBreaking: ['id'] }).selected, ['a', 'b'])
  })

  test('refuses a non-positive increment and stops runaway add1 loops', () => {
    const e = election(100, { A: 60, B: 60 }, [['A'], ['B']])
    assert.throws(() => equalSharesCost(e, { increment: Rational.ZERO }))
    assert.throws(() => equalSharesCost(e, { maxRuns: 2 }), /increment/)
  })
})

const instance = fc.record({
  budget: fc.integer({ min: 1, max: 60 }),
  costs: fc.array(fc.integer({ min: 0, max: 25 }), { minLength: 1, maxLength: 6 }),
  ballots: fc.array(fc.array(fc.nat({ max: 5 }), { maxLength: 4 }), { minLength: 1, maxLength: 9 }),
  extra: fc.integer({ min: 0, max: 8 }),
})

function build(i: { budget: number; costs: number[]; ballots: number[][] }) {
  const ids = i.costs.map((_, p) => `p${p}`)
  const ballots = i.ballots.map((b) => [...new Set(b.filter((p) => p < ids.length).map((p) => ids[p] ?? ''))])
  const costs = Object.fromEntries(ids.map((id, p) => [id, i.costs[p] ?? 0]))
  return { e: election(i.budget, costs, ballots), costs, ballots }
}

describe('Method of Equal Shares properties', () => {
  test('a single run selects exactly what the one-voter-at-a-time reference selects, in the same order', () => {
    fc.assert(
      fc.property(instance, fc.constantFrom<MesSatisfaction>('cost', 'cardinality'), (i, satisfaction) => {
        const { e, costs, ballots } = build(i)
        const endowment = e.budget.divInt(e.voterCount).add(Rational.of(i.extra))
        const run = runMesWithEndowment(e, endowment, satisfaction)
        assert.deepEqual(
          run.selected.map((p) => e.projectIds[p]),
          referenceMes(costs, ballots, endowment, satisfaction),
        )
      }),
      { numRuns: 300 },
    )
  })

  test('every outcome fits the budget, with or without add1 and completion', () => {
    fc.assert(
      fc.property(instance, fc.boolean(), fc.boolean(), (i, exhaustiveStop, greedyCompletion) => {
        const { e } = build(i)
        for (const result of [
          equalSharesCost(e, { exhaustiveStop, greedyCompletion }),
          equalSharesCardinal(e, { exhaustiveStop, greedyCompletion }),
        ]) {
          assert.ok(result.spent.le(e.budget), `spent ${result.spent} of ${e.budget}`)
          assert.equal(new Set(result.selected).size, result.selected.length)
        }
      }),
    )
  })

  test('supporters of each bought project pay exactly its cost', () => {
    fc.assert(
      fc.property(instance, (i) => {
        const { e } = build(i)
        const run = runMesWithEndowment(e, e.budget.divInt(e.voterCount).add(Rational.of(i.extra)), 'cost')
        for (const [p, purchase] of run.purchases) {
          const paid = purchase.share.mulInt(purchase.fullPayers).add(purchase.partialPaid)
          assert.ok(paid.equals(e.costs[p] ?? Rational.ZERO))
        }
      }),
    )
  })

  test('the outcome does not depend on the order of the ballots', () => {
    fc.assert(
      fc.property(instance, (i) => {
        const forward = methodOfEqualShares(build(i).e, 'cost').selected
        const reversed = methodOfEqualShares(build({ ...i, ballots: [...i.ballots].reverse() }).e, 'cost').selected
        assert.deepEqual(reversed, forward)
      }),
    )
  })
})
