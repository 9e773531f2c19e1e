import { readFileSync } from 'node:fs'
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { needsSharedData, sharedDataPath } from '../../../../test/support/shared-data.js'
import { compileProblem, compositionViolations, panelViolations } from './compile.js'
import { parseInstance } from './csv.js'
import { drawPanel } from './draw.js'
import { checkFeasibility } from './feasibility.js'
import { legacyPanel } from './legacy.js'
import { leximin } from './leximin.js'
import { loadSolver } from './solver.js'

describe('at most one person per household', () => {
  // A (woman) and B (man) share household h1; C (man) lives alone. Panel: one woman, one man.
  const instance = parseInstance(
    'category,feature,min,max\ngender,f,1,1\ngender,m,1,1',
    'id,gender,home\nA,f,h1\nB,m,h1\nC,m,h2',
    2,
    { householdColumn: 'home' },
  )

  test("without the rule B and C share the man's seat; with it B can never sit", async () => {
    const free = await leximin(compileProblem(instance))
    assert.deepEqual(
      free.probabilities.map((p) => Math.round(p * 1e9) / 1e9),
      [1, 0.5, 0.5],
    )
    const problem = compileProblem(instance, { households: true })
    const ruled = await leximin(problem)
    assert.deepEqual(
      ruled.probabilities.map((p) => Math.round(p * 1e9) / 1e9),
      [1, 0, 1],
    )
    assert.deepEqual(ruled.uncoverable, [1])
    for (let s = 0; s < 20; s++) {
      assert.deepEqual(drawPanel(problem, ruled.distribution, `h${s}`).panel, [0, 2])
      assert.deepEqual(legacyPanel(problem, `h${s}`), [0, 2])
    }
  })

  test('when the rule alone rules out every panel, it is reported and no quota change is suggested', async () => {
    const onlyHousemates = parseInstance(
      'category,feature,min,max\ngender,f,1,1\ngender,m,1,1',
      'gender,home\nf,h\nm,h',
      2,
      {
        householdColumn: 'home',
      },
    )
    const report = checkFeasibility(await loadSolver(), compileProblem(onlyHousemates, { households: true }))
    assert.equal(report.feasible, false)
    assert.match(report.issues.map((i) => i.message).join('\n'), /household/)
    assert.equal(report.relaxation, undefined)
  })

  test(
    'sa_fixture_22 with people paired into households: support and draws respect the rule',
    needsSharedData(),
    async () => {
      const dir = sharedDataPath('sortition', 'instances', 'sa_fixture_22')
      const lines = readFileSync(`${dir}/respondents.csv`, 'utf8').trim().split('\n')
      // The first 40 people live in pairs (p0+p1, p2+p3, …); everyone else alone.
      const withHomes = lines.map((line, i) =>
        i === 0 ? `${line},home` : `${line},${i <= 40 ? `h${Math.floor((i - 1) / 2)}` : ''}`,
      )
      const instance = parseInstance(readFileSync(`${dir}/categories.csv`, 'utf8'), withHomes.join('\n'), 22, {
        householdColumn: 'home',
      })
      const problem = compileProblem(instance, { households: true })
      assert.equal(problem.households.length, 20)
      const result = await leximin(problem, { warmStartRounds: 60 })
      for (const c of result.distribution.compositions) assert.deepEqual(compositionViolations(problem, c), [])
      assert.ok(Math.abs(result.probabilities.reduce((a, b) => a + b, 0) - 22) < 1e-6)
      // Housemates together can be chosen at most once per panel: their probabilities add up to at most 1.
      for (let h = 0; h < 20; h++)
        assert.ok((result.probabilities[2 * h] ?? 0) + (result.probabilities[2 * h + 1] ?? 0) <= 1 + 1e-9)
      for (let s = 0; s < 200; s++) {
        const ids = drawPanel(problem, result.distribution, `home-${s}`).panel.map(
          (a) => instance.respondents[a]?.id ?? '',
        )
        assert.deepEqual(panelViolations(instance, ids, true), [])
      }
    },
  )
})
