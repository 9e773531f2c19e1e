import { readFileSync } from 'node:fs'
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { needsSharedData, sharedDataPath } from '../../../../test/support/shared-data.js'
import { compileProblem, panelViolations } from './compile.js'
import { parseInstance } from './csv.js'
import { drawPanel } from './draw.js'
import { leximin } from './leximin.js'
import { SeededRandom } from './prng.js'

describe('seeded generator', () => {
  test('known answers, recomputable with any SHA-256 (here: Python hashlib)', () => {
    // python3: x = int.from_bytes(sha256(b'abc:0').digest()[0:8], 'big'); (x >> 11) / 2**53
    const rng = new SeededRandom('abc')
    assert.equal(rng.next(), 0.37193201820533706)
    assert.equal(rng.next(), 0.80812930183876)
    rng.next()
    rng.next()
    assert.equal(rng.next(), 0.749253011481974) // first number of block 1 (sha256(b'abc:1'))
  })

  test('uniform enough: mean and bucket counts', () => {
    const rng = new SeededRandom('uniformity')
    const buckets = new Array<number>(10).fill(0)
    let total = 0
    for (let i = 0; i < 20_000; i++) {
      const u = rng.next()
      assert.ok(u >= 0 && u < 1)
      total += u
      const b = Math.floor(u * 10)
      buckets[b] = (buckets[b] ?? 0) + 1
    }
    assert.ok(Math.abs(total / 20_000 - 0.5) < 0.01)
    for (const c of buckets) assert.ok(Math.abs(c - 2000) < 200, `bucket ${c}`)
  })
})

describe('drawing a panel from the LEXIMIN lottery', () => {
  const tiny = parseInstance('category,feature,min,max\ngender,f,1,1\ngender,m,1,1', 'gender\nf\nm\nm\nm', 2)

  test('same seed → same panel; different seeds → different panels', async () => {
    const problem = compileProblem(tiny)
    const { distribution } = await leximin(problem)
    const a = drawPanel(problem, distribution, 'council-2025-05-01')
    const b = drawPanel(problem, distribution, 'council-2025-05-01')
    assert.deepEqual(a, b)
    const panels = new Set<string>()
    for (let s = 0; s < 30; s++) panels.add(drawPanel(problem, distribution, `seed-${s}`).panel.join(','))
    assert.equal(panels.size, 3, 'all three possible panels appear over 30 seeds')
  })

  test('draw frequencies match the selection probabilities', async () => {
    // π = (1, ⅓, ⅓, ⅓): the woman always sits, each man a third of the time.
    const problem = compileProblem(tiny)
    const result = await leximin(problem)
    const counts = [0, 0, 0, 0]
    const draws = 6000
    for (let s = 0; s < draws; s++)
      for (const a of drawPanel(problem, result.distribution, `f${s}`).panel) counts[a] = (counts[a] ?? 0) + 1
    counts.forEach((c, i) => {
      const p = result.probabilities[i] ?? NaN
      // 5 standard errors: fails by chance with probability < 1e-6.
      const se = Math.sqrt((p * (1 - p)) / draws)
      assert.ok(Math.abs(c / draws - p) <= 5 * se + 1e-12, `agent ${i}: ${c / draws} vs π ${p}`)
    })
  })

  test('sa_fixture_22: drawn panels satisfy the quotas; frequencies follow π', needsSharedData(), async () => {
    const dir = sharedDataPath('sortition', 'instances', 'sa_fixture_22')
    const instance = parseInstance(
      readFileSync(`${dir}/categories.csv`, 'utf8'),
      readFileSync(`${dir}/respondents.csv`, 'utf8'),
      22,
    )
    const problem = compileProblem(instance)
    const result = await leximin(problem, { warmStartRounds: 100 })
    const draws = 2000
    const counts = new Array<number>(problem.n).fill(0)
    for (let s = 0; s < draws; s++) {
      const { panel } = drawPanel(problem, result.distribution, `sa-${s}`)
      const ids = panel.map((a) => instance.respondents[a]?.id ?? '')
      if (s < 300) assert.deepEqual(panelViolations(instance, ids), [])
      for (const a of panel) counts[a] = (counts[a] ?? 0) + 1
    }
    counts.forEach((c, i) => {
      const p = result.probabilities[i] ?? NaN
      const se = Math.sqrt((p * (1 - p)) / draws)
      assert.ok(Math.abs(c / draws - p) <= 5 * se + 1e-9, `agent ${i}: ${c / draws} vs π ${p}`)
    })
  })
})
