import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { compileProblem, panelViolations } from './compile.js'
import { parseInstance } from './csv.js'
import { checkFeasibility, staticIssues, suggestRelaxation } from './feasibility.js'
import { loadSolver } from './solver.js'
import type { Instance } from './types.js'

function instance(quotas: string, rows: string[], k: number): Instance {
  return parseInstance(`category,feature,min,max\n${quotas}`, `gender,age\n${rows.join('\n')}`, k)
}

/**
 * Exact smallest relaxation cost by enumeration: for each panel, the cheapest relaxation admitting it is
 * Σ ρ_f·max(0, min_f − count_f) + Σ max(0, count_f − max_f); the optimum is the cheapest over all panels.
 */
function bruteForceRelaxationCost(inst: Instance): number {
  const n = inst.respondents.length
  let best = Infinity
  const rec = (start: number, chosen: number[]): void => {
    if (chosen.length === inst.k) {
      let cost = 0
      for (const q of inst.quotas) {
        const count = chosen.filter((a) => inst.respondents[a]?.values[q.category] === q.value).length
        const rho = q.min > 0 ? 1 + 2 / q.min : 0
        cost += rho * Math.max(0, q.min - count) + Math.max(0, count - q.max)
      }
      best = Math.min(best, cost)
      return
    }
    for (let a = start; a < n; a++) rec(a + 1, [...chosen, a])
  }
  rec(0, [])
  return best
}

describe('static feasibility checks', () => {
  test('category sums, unknown values, quota above pool, pool too small', () => {
    const inst = instance('gender,f,3,5\ngender,m,3,5\nage,y,0,1\nage,o,0,1', ['f,y', 'f,o', 'm,y', 'x,o'], 5)
    const kinds = staticIssues(inst).map((i) => i.kind)
    assert.ok(kinds.includes('pool-too-small'))
    assert.ok(kinds.includes('category-sum')) // age maxima add up to 2 < 5
    assert.ok(kinds.includes('unknown-value')) // gender "x"
    assert.ok(kinds.includes('quota-above-pool')) // 3 women needed, 2 in pool
    const unknown = staticIssues(inst).find((i) => i.kind === 'unknown-value')
    assert.match(unknown?.message ?? '', /respondent 3 has gender = "x"/)
    // The facts behind each message, for pages that say it in another language.
    const { message: _small, ...small } = staticIssues(inst).find((i) => i.kind === 'pool-too-small')!
    assert.deepEqual(small, { kind: 'pool-too-small', k: 5, available: 4 })
    const { message: _sum, ...sum } = staticIssues(inst).find((i) => i.kind === 'category-sum')!
    assert.deepEqual(sum, { kind: 'category-sum', category: 'gender', k: 5, sumMin: 6, sumMax: 10 })
    assert.deepEqual(staticIssues(instance('gender,f,1,1\ngender,m,1,1\nage,y,0,2\nage,o,0,2', ['f,y', 'm,o'], 2)), [])
  })
})

describe('infeasible quotas and the suggested relaxation', () => {
  test('raising one maximum is cheaper than cutting a small minimum', async () => {
    // Only women are young; the quotas demand one woman and no young person: impossible.
    const inst = instance('gender,f,1,1\ngender,m,1,1\nage,y,0,0\nage,o,1,2', ['f,y', 'f,y', 'f,y', 'm,o'], 2)
    const solver = await loadSolver()
    const report = checkFeasibility(solver, compileProblem(inst))
    assert.equal(report.feasible, false)
    assert.ok(report.issues.some((i) => i.kind === 'no-feasible-panel' && !i.households))
    // Alternatives: raise age=y max 0→1 (cost 1), or cut gender=f min 1→0 (cost 3) and more.
    assert.deepEqual(report.relaxation?.changes, [
      { category: 'age', value: 'y', min: 0, max: 0, newMin: 0, newMax: 1 },
    ])
    assert.equal(report.relaxation?.cost, 1)
    assert.equal(bruteForceRelaxationCost(inst), 1)
  })

  test('minimums are weighted by 1 + 2/min: cutting a minimum of 10 costs 1.2', async () => {
    // 10 old men are required but only 9 exist. Best fix: 9 old men + the young man, i.e. age=o min 10→9 (1.2)
    // and age=y max 0→1 (1), total 2.2; taking the young woman instead would cost 4.4.
    const rows = [...Array.from({ length: 9 }, () => 'm,o'), 'm,y', 'f,y']
    const inst = instance('gender,f,0,0\ngender,m,10,10\nage,y,0,0\nage,o,10,10', rows, 10)
    const solver = await loadSolver()
    const relaxation = suggestRelaxation(solver, compileProblem(inst))
    const expected = bruteForceRelaxationCost(inst)
    assert.ok(relaxation)
    assert.ok(Math.abs(relaxation.cost - expected) < 1e-9, `ILP ${relaxation.cost} vs brute force ${expected}`)
    assert.ok(Math.abs(expected - 2.2) < 1e-9)
    assert.deepEqual(relaxation.changes, [
      { category: 'age', value: 'y', min: 0, max: 0, newMin: 0, newMax: 1 },
      { category: 'age', value: 'o', min: 10, max: 10, newMin: 9, newMax: 10 },
    ])
    // The relaxed quotas must admit a panel.
    const relaxed = { ...inst, quotas: relaxation.quotas }
    const check = checkFeasibility(solver, compileProblem(relaxed))
    assert.equal(check.feasible, true)
  })

  test('relaxation is minimal on many random tiny instances (brute force)', async () => {
    const solver = await loadSolver()
    let seed = 7
    const rand = (m: number): number => {
      seed = (seed * 48271) % 2147483647
      return seed % m
    }
    let infeasibleSeen = 0
    for (let trial = 0; trial < 60; trial++) {
      const n = 3 + rand(5)
      const rows = Array.from({ length: n }, () => `${['f', 'm'][rand(2)]},${['y', 'o'][rand(2)]}`)
      const quota = (name: string): string => {
        const lo = rand(3)
        return `${name},${lo},${lo + rand(2)}`
      }
      const inst = instance(
        ['gender,f', 'gender,m', 'age,y', 'age,o'].map(quota).join('\n'),
        rows,
        2 + rand(Math.min(3, n - 1)),
      )
      const report = checkFeasibility(solver, compileProblem(inst))
      if (report.feasible) continue
      infeasibleSeen++
      const expected = bruteForceRelaxationCost(inst)
      assert.ok(report.relaxation, 'a relaxation exists whenever k ≤ n')
      assert.ok(
        Math.abs(report.relaxation.cost - expected) < 1e-9,
        `trial ${trial}: ${report.relaxation.cost} vs ${expected}`,
      )
    }
    assert.ok(infeasibleSeen > 10, `only ${infeasibleSeen} infeasible trials`)
  })

  test('a feasible instance lists who is in no feasible panel', async () => {
    const inst = instance('gender,f,2,2\ngender,m,0,2\nage,y,0,2\nage,o,0,2', ['f,o', 'f,y', 'm,y'], 2)
    const report = checkFeasibility(await loadSolver(), compileProblem(inst), { coverage: true })
    assert.equal(report.feasible, true)
    assert.deepEqual(report.uncoverable, ['2'])
    assert.deepEqual(panelViolations(inst, ['0', '1']), [])
  })
})
