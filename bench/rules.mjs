// Benchmark of the panel lottery (LEXIMIN), run in this process on the BUILT code (dist/), on the public
// sortition instances in ../shared/data (skipped with a note where they are absent). Figures are
// milliseconds of wall time on this machine. The counting rules' benchmark is bench/tally.mjs.
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const shared = process.env.SHARED_DATA_DIR ?? path.resolve(root, '..', 'shared', 'data')

const ms = (t0) => Math.round((performance.now() - t0) * 10) / 10

async function timed(fn) {
  const t0 = performance.now()
  const value = await fn()
  return { value, ms: ms(t0) }
}

/** `panel`: LEXIMIN on the public sortition instances, with the minimum selection probability. */
export async function benchPanel(
  log,
  instances = [
    ['example_small_20', 20],
    ['sa_fixture_22', 22],
    ['example_large_200', 200],
  ],
) {
  const dir = path.join(shared, 'sortition', 'instances')
  if (!existsSync(dir)) return { skipped: `no sortition instances at ${dir}` }
  const { parseInstance, selectPanel } = await import(path.join(root, 'dist/src/modules/panel/selection/index.js'))
  const out = {}
  for (const [name, k] of instances) {
    const read = (f) => readFileSync(path.join(dir, name, f), 'utf8')
    const instance = parseInstance(read('categories.csv'), read('respondents.csv'), k)
    log(`panel ${name} (n ${instance.respondents.length}, k ${k})`)
    const r = await timed(() => selectPanel(instance, { method: 'leximin', seed: 'bench' }))
    out[name] = r.value.ok
      ? {
          n: r.value.result.n,
          k,
          leximinMs: r.ms,
          minProbability: Math.round(r.value.result.minProbability * 1e6) / 1e6,
        }
      : { n: instance.respondents.length, k, error: 'infeasible quotas' }
  }
  return out
}
