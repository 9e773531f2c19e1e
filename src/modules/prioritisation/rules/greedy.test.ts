import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { compileElection, type BallotKind, type ElectionBallot } from './election.js'
import { CountingError } from './errors.js'
import { greedy } from './greedy.js'
import { greedyNoSkip } from './greedy-no-skip.js'
import { greedyThreshold } from './greedy-threshold.js'
import { Rational } from './rational.js'

function election(budget: number, costs: Record<string, number>, ballots: string[][], threshold?: number) {
  return compileElection({
    budget: Rational.of(budget),
    projects: Object.entries(costs).map(([id, cost]) => ({ id, cost: Rational.of(cost) })),
    ballotKind: 'approval',
    ballots: ballots.map((projectIds) => ({ projectIds })),
    ...(threshold === undefined ? {} : { scoreThreshold: Rational.of(threshold) }),
  })
}

// Budget 10: A (3 votes, 6) is funded, B (2 votes, 6) no longer fits, C (1 vote, 4) does.
const skipExample = () =>
  election(10, { A: 6, B: 6, C: 4 }, [
    ['A', 'B'],
    ['A', 'B'],
    ['A', 'C'],
  ])

describe('greedy', () => {
  test('funds by votes and skips a project that no longer fits', () => {
    const result = greedy(skipExample())
    assert.deepEqual(result.selected, ['A', 'C'])
    assert.equal(result.spent.toString(), '10')
    assert.equal(result.explanations.B?.reason, 'over-budget')
    assert.deepEqual(result.explanations.B?.details.fundedAhead, ['A'])
    assert.equal(result.explanations.C?.reason, 'funded')
  })

  test('the no-skip variant stops at the first project that does not fit', () => {
    const result = greedyNoSkip(skipExample())
    assert.deepEqual(result.selected, ['A'])
    assert.equal(result.explanations.B?.reason, 'over-budget')
    assert.equal(result.explanations.C?.reason, 'stopped')
    assert.equal(result.explanations.C?.details.blockedBy, 'B')
  })

  test('the threshold variant drops projects below the minimum before counting', () => {
    const e = election(
      20,
      { A: 6, B: 6, C: 4 },
      [
        ['A', 'B'],
        ['A', 'B'],
        ['A', 'C'],
      ],
      2,
    )
    const result = greedyThreshold(e)
    assert.deepEqual(result.selected, ['A', 'B'])
    assert.equal(result.explanations.C?.reason, 'below-threshold')
    assert.deepEqual(greedyThreshold(e, { threshold: Rational.of(3) }).selected, ['A'])
  })

  test('the threshold variant refuses to count without a threshold', () => {
    assert.throws(
      () => greedyThreshold(skipExample()),
      (e: unknown) => e instanceof CountingError && e.code === 'PRIORITISATION_THRESHOLD_REQUIRED',
    )
  })

  test('breaks ties by project id compared as strings, so "10" comes before "9"', () => {
    const e = election(5, { '9': 5, '10': 5 }, [['9', '10']])
    assert.deepEqual(greedy(e).selected, ['10'])
    assert.deepEqual(greedy(e, { tieBreaking: ['higher-cost'] }).selected, ['10'])
    const cheaper = election(5, { '9': 4, '10': 5 }, [['9', '10']])
    assert.deepEqual(greedy(cheaper, { tieBreaking: ['lower-cost'] }).selected, ['9'])
  })

  test('funds projects nobody voted for when money is left, unless told not to', () => {
    const e = election(10, { A: 5, Z: 1 }, [['A']])
    assert.deepEqual(greedy(e).selected, ['A', 'Z'])
    assert.deepEqual(greedy(e, { includeUnsupported: false }).selected, ['A'])
  })

  test('ranks cumulative ballots by points, not by number of voters', () => {
    const e = compileElection({
      budget: Rational.of(5),
      projects: [
        { id: 'A', cost: Rational.of(5) },
        { id: 'B', cost: Rational.of(5) },
      ],
      ballotKind: 'cumulative',
      ballots: [
        { projectIds: ['A'], points: [Rational.of(10)] },
        { projectIds: ['B'], points: [Rational.of(3)] },
        { projectIds: ['B'], points: [Rational.of(3)] },
      ],
    })
    assert.deepEqual(greedy(e).selected, ['A'])
  })

  test('scores ordinal ballots 3/2/1 for a top 3', () => {
    const e = compileElection({
      budget: Rational.of(1),
      projects: ['A', 'B', 'C'].map((id) => ({ id, cost: Rational.of(1) })),
      ballotKind: 'ordinal',
      ordinalLength: 3,
      ballots: [{ projectIds: ['C', 'B', 'A'] }, { projectIds: ['B', 'A', 'C'] }],
    })
    assert.deepEqual(
      e.scores.map((s) => s.toString()),
      ['3', '5', '4'],
    )
    assert.deepEqual(greedy(e).selected, ['B'])
  })
})

const instance = fc.record({
  budget: fc.integer({ min: 0, max: 60 }),
  costs: fc.array(fc.integer({ min: 0, max: 25 }), { minLength: 1, maxLength: 7 }),
  ballots: fc.array(fc.array(fc.nat({ max: 6 }), { maxLength: 5 }), { maxLength: 12 }),
})

function build(
  i: { budget: number; costs: number[]; ballots: number[][] },
  order: (b: string[][]) => string[][] = (b) => b,
) {
  const ids = i.costs.map((_, p) => `p${p}`)
  const ballots = i.ballots.map((b) => b.filter((p) => p < ids.length).map((p) => ids[p] ?? ''))
  return election(i.budget, Object.fromEntries(ids.map((id, p) => [id, i.costs[p] ?? 0])), order(ballots))
}

describe('greedy properties', () => {
  test('never spends more than the budget, in any variant', () => {
    fc.assert(
      fc.property(instance, fc.integer({ min: 0, max: 5 }), (i, threshold) => {
        const e = build(i)
        for (const result of [greedy(e), greedyNoSkip(e), greedyThreshold(e, { threshold: Rational.of(threshold) })]) {
          assert.ok(result.spent.le(e.budget))
          assert.equal(new Set(result.selected).size, result.selected.length)
        }
      }),
    )
  })

  test('with skipping, nothing left out would still fit', () => {
    fc.assert(
      fc.property(instance, (i) => {
        const e = build(i)
        const result = greedy(e)
        const left = e.budget.sub(result.spent)
        e.projectIds.forEach((id, p) => {
          if (!result.selected.includes(id)) assert.ok((e.costs[p] ?? Rational.ZERO).gt(left), `${id} would fit`)
        })
      }),
    )
  })

  test('the outcome does not depend on the order of the ballots', () => {
    fc.assert(
      fc.property(instance, (i) => {
        const forward = greedy(build(i)).selected
        assert.deepEqual(greedy(build(i, (b) => [...b].reverse())).selected, forward)
      }),
    )
  })

  test('no-skip funds a prefix of what greedy with skipping funds', () => {
    fc.assert(
      fc.property(instance, (i) => {
        const e = build(i)
        const all = greedy(e).selected
        const prefix = greedyNoSkip(e).selected
        assert.deepEqual(all.slice(0, prefix.length), prefix)
      }),
    )
  })
})

describe('compileElection', () => {
  const base = { budget: Rational.of(1), projects: [{ id: 'A', cost: Rational.of(1) }] }
  const cases: [string, BallotKind, ElectionBallot[]][] = [
    ['an unknown project', 'approval', [{ projectIds: ['B'] }]],
    ['points on approval ballots', 'approval', [{ projectIds: ['A'], points: [Rational.ONE] }]],
    ['missing points on cumulative ballots', 'cumulative', [{ projectIds: ['A'] }]],
    ['negative points', 'cumulative', [{ projectIds: ['A'], points: [Rational.of(-1)] }]],
  ]
  for (const [what, ballotKind, ballots] of cases) {
    test(`refuses ${what}`, () => {
      assert.throws(() => compileElection({ ...base, ballotKind, ballots }), CountingError)
    })
  }

  test('merges identical ballots and counts empty ones as voters', () => {
    const e = election(10, { A: 1, B: 1 }, [['A', 'B'], ['B', 'A'], [], ['A', 'A']])
    assert.equal(e.voterCount, 4)
    assert.deepEqual(e.approvals, [3, 2])
    assert.deepEqual(
      e.groups.map((g) => g.weight),
      [2, 1, 1],
    )
  })
})
