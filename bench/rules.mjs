// Benchmarks of the pure rules, run in this process on the BUILT code (dist/), on the real data in
// ../shared/data (skipped with a note where it is absent). Each figure is milliseconds of wall time on
// this machine; the baseline for counting is the time to parse the same file, measured in the same run.
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

/** `tally`: parse, then count with each rule, per election. */
export async function benchTally(log, files = ['Poland_Swiecie_2023.pb', 'Poland_Lodz_2022.pb']) {
  if (!existsSync(path.join(shared, 'pabulib'))) return { skipped: `no Pabulib data at ${shared}/pabulib` }
  const { parsePabulib, electionInputFromPabulib } = await import(
    path.join(root, 'dist/src/modules/prioritisation/pabulib.js')
  )
  const { compileElection, getRule } = await import(path.join(root, 'dist/src/modules/prioritisation/rules/index.js'))
  const out = {}
  for (const file of files) {
    const text = readFileSync(path.join(shared, 'pabulib', file), 'utf8')
    const parsed = await timed(() => parsePabulib(text))
    const election = compileElection(electionInputFromPabulib(parsed.value))
    const row = { voters: parsed.value.votes.length, projects: parsed.value.projects.length, parseMs: parsed.ms }
    for (const rule of ['greedy', 'mes', 'phragmen']) {
      log(`tally ${file} ${rule}`)
      try {
        const r = await timed(() => getRule(rule).count(election))
        row[`${rule}Ms`] = r.ms
        row[`${rule}Selected`] = r.value.selected.length
      } catch (e) {
        row[`${rule}Error`] = e instanceof Error ? e.message : String(e)
      }
    }
    if (row.mesMs) row.mesToParse = Math.round((row.mesMs / row.parseMs) * 100) / 100
    out[file.replace(/\.pb$/, '')] = row
  }
  return out
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
