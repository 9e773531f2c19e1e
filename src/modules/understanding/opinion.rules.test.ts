import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { analyseOpinions, MIN_VOTES_TO_PLACE, pca, voteMatrix, type Vote, type VoteValue } from './opinion.rules.js'
import { seededRandom } from './kmeans.js'

/** People in camps: each camp has a typical vote per statement, and each person strays with probability `noise`. */
function camps(spec: { size: number; typical: VoteValue[] }[], noise: number, seed: number): Vote[] {
  const rand = seededRandom(seed)
  const all: VoteValue[] = ['agree', 'disagree', 'pass']
  const votes: Vote[] = []
  spec.forEach((c, ci) => {
    for (let p = 0; p < c.size; p++)
      c.typical.forEach((v, s) => {
        const vote = rand() < noise ? all[Math.floor(rand() * 3)]! : v
        votes.push({ voter: `c${ci}-p${p}`, statementId: s + 1, vote })
      })
  })
  return votes
}
const ids = [1, 2, 3, 4, 5]

describe('opinion groups', () => {
  test('two camps that disagree on four statements and agree on a fifth are found as two groups', () => {
    const votes = camps(
      [
        { size: 30, typical: ['agree', 'agree', 'disagree', 'disagree', 'agree'] },
        { size: 25, typical: ['disagree', 'disagree', 'agree', 'agree', 'agree'] },
      ],
      0.1,
      7,
    )
    const r = analyseOpinions(votes, ids, 99)
    assert.equal(r.groups, 2)
    // Each camp lands (almost) wholly in one group; the larger camp is group 0 (groups are ordered by size).
    const camp0 = r.voters.map((v, i) => [v, r.groupOf[i]!] as const).filter(([v]) => v.startsWith('c0-'))
    const camp1 = r.voters.map((v, i) => [v, r.groupOf[i]!] as const).filter(([v]) => v.startsWith('c1-'))
    assert.ok(camp0.filter(([, g]) => g === 0).length >= 27)
    assert.ok(camp1.filter(([, g]) => g === 1).length >= 22)
    assert.deepEqual(r.uniting, [5])
    assert.deepEqual([...r.dividing].sort(), [1, 2, 3, 4])
    // The overall tally counts every vote.
    const t5 = r.tallies.find((t) => t.statementId === 5)!
    assert.equal(t5.overall.agree + t5.overall.disagree + t5.overall.pass, 55)
  })

  test('three camps: silhouette prefers three groups to two', () => {
    const votes = camps(
      [
        { size: 20, typical: ['agree', 'agree', 'disagree', 'disagree', 'pass'] },
        { size: 20, typical: ['disagree', 'disagree', 'agree', 'agree', 'pass'] },
        { size: 20, typical: ['pass', 'disagree', 'disagree', 'disagree', 'agree'] },
      ],
      0.05,
      11,
    )
    const r = analyseOpinions(votes, ids, 3)
    assert.equal(r.groups, 3)
    const best = r.silhouettes.filter((s) => s.admissible).sort((a, b) => b.silhouette - a.silhouette)[0]!
    assert.equal(best.k, 3)
    // Each camp is (almost all) in its own group; a stray voter's random votes may put them nearer another camp.
    const main = ['c0-', 'c1-', 'c2-'].map((camp) => {
      const gs = r.voters.flatMap((v, i) => (v.startsWith(camp) ? [r.groupOf[i]!] : []))
      const top = [0, 1, 2].sort((a, b) => gs.filter((g) => g === b).length - gs.filter((g) => g === a).length)[0]!
      assert.ok(gs.filter((g) => g === top).length >= 18, camp)
      return top
    })
    assert.equal(new Set(main).size, 3)
  })

  test('the same votes in any order give the same groups and claims', () => {
    const votes = camps(
      [
        { size: 15, typical: ['agree', 'disagree', 'agree', 'pass', 'agree'] },
        { size: 15, typical: ['disagree', 'agree', 'disagree', 'pass', 'agree'] },
      ],
      0.15,
      5,
    )
    const base = analyseOpinions(votes, ids, 42)
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: votes.length, maxLength: votes.length }), (keys) => {
        const shuffled = votes
          .map((v, i) => ({ v, k: keys[i]! }))
          .sort((a, b) => a.k - b.k)
          .map((x) => x.v)
        const r = analyseOpinions(shuffled, [...ids].reverse(), 42)
        assert.deepEqual(r, base)
      }),
      { numRuns: 15 },
    )
  })

  test('people with too few votes are not placed; too few people make one group and no claims', () => {
    const votes: Vote[] = [
      { voter: 'a', statementId: 1, vote: 'agree' },
      { voter: 'a', statementId: 2, vote: 'agree' },
      ...[1, 2, 3].map((s) => ({ voter: 'b', statementId: s, vote: 'disagree' as const })),
      ...[1, 2, 3].map((s) => ({ voter: 'c', statementId: s, vote: 'agree' as const })),
    ]
    const m = voteMatrix(votes, [1, 2, 3])
    assert.equal(MIN_VOTES_TO_PLACE, 3)
    assert.deepEqual(m.voters, ['b', 'c'])
    assert.deepEqual(m.rows, [
      [-1, -1, -1],
      [1, 1, 1],
    ])
    const r = analyseOpinions(votes, [1, 2, 3], 1)
    assert.equal(r.groups, 1)
    assert.deepEqual(r.uniting, [])
    assert.deepEqual(r.dividing, [])
    // Votes of people not placed still count in the overall tally.
    assert.equal(r.tallies[0]!.overall.agree, 2)
  })

  test('groups smaller than the claim minimum do not decide what unites or divides', () => {
    const votes = camps(
      [
        { size: 30, typical: ['agree', 'agree', 'agree', 'disagree', 'agree'] },
        { size: 4, typical: ['disagree', 'disagree', 'disagree', 'agree', 'disagree'] },
      ],
      0,
      1,
    )
    const r = analyseOpinions(votes, ids, 8)
    assert.equal(r.groups, 2)
    assert.equal(r.groupOf.filter((g) => g === 1).length, 4)
    // Only one group is large enough to judge: no statement can be said to unite or divide "all groups".
    assert.deepEqual(r.uniting, [])
    assert.deepEqual(r.dividing, [])
  })
})

describe('principal components', () => {
  test('points along one direction: the first axis is that direction and carries all the variance', () => {
    const rows = [-2, -1, 0, 1, 2].map((t) => [t, 2 * t, 0])
    const r = pca(rows, 2)
    const [a] = r.axes
    const expected = [1, 2, 0].map((x) => x / Math.sqrt(5))
    a!.forEach((x, j) => assert.ok(Math.abs(x - expected[j]!) < 1e-6))
    assert.ok(r.variance[0]! > 0 && Math.abs(r.variance[1]!) < 1e-9)
  })

  test('axes are orthonormal and projections are centred', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: -1, max: 1 }), { minLength: 4, maxLength: 4 }), {
          minLength: 3,
          maxLength: 30,
        }),
        (rows) => {
          const r = pca(rows, 2)
          for (const a of r.axes) {
            const len = Math.sqrt(a.reduce((s, x) => s + x * x, 0))
            assert.ok(len === 0 || Math.abs(len - 1) < 1e-6)
          }
          if (r.axes.length === 2) {
            const d = r.axes[0]!.reduce((s, x, j) => s + x * r.axes[1]![j]!, 0)
            assert.ok(Math.abs(d) < 1e-4)
          }
          for (let c = 0; c < r.axes.length; c++) {
            const m = r.projected.reduce((s, p) => s + p[c]!, 0) / rows.length
            assert.ok(Math.abs(m) < 1e-9)
          }
        },
      ),
      { numRuns: 50 },
    )
  })
})
