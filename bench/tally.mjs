// Benchmark of the counting rules on real Pabulib elections, run in this process on the BUILT code (dist/),
// on the data in ../shared/data/pabulib (skipped with a note where it is absent). Each figure is
// milliseconds of wall time on this machine; the baseline is the time to parse the same file, measured in
// the same run, so the ratios hold across machines of different speed.
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const shared = process.env.SHARED_DATA_DIR ?? path.resolve(root, '..', 'shared', 'data')

// The largest file in the shared set (Łódź), the largest recent one (Warszawa 2026), the one on which MES
// needs the most add1 runs (Praga-Południe), and Świecie as a small everyday case.
export const TALLY_FILES = [
  'Poland_Swiecie_2023.pb',
  'Poland_Lodz_2022.pb',
  'Poland_Warszawa_2026.pb',
  'Poland_Warszawa_2020_Praga-Poludnie.pb',
]

const ms = (t0) => Math.round((performance.now() - t0) * 10) / 10
const ratio = (a, b) => Math.round((a / b) * 100) / 100

async function timed(fn) {
  const t0 = performance.now()
  const value = await fn()
  return { value, ms: ms(t0) }
}

/** `tally`: parse, then count with each rule, per election: `{"<file name>": {parseMs, greedyMs, mesMs, phragmenMs, …}}`. */
export async function benchTally(log, files = TALLY_FILES) {
  if (!existsSync(path.join(shared, 'pabulib'))) return { skipped: `no Pabulib data at ${shared}/pabulib` }
  const { parsePabulib, electionInputFromPabulib } = await import(
    path.join(root, 'dist/src/modules/prioritisation/pabulib.js')
  )
  const { compileElection, getRule } = await import(path.join(root, 'dist/src/modules/prioritisation/rules/index.js'))
  const out = {}
  for (const file of files) {
    const full = path.join(shared, 'pabulib', file)
    if (!existsSync(full)) {
      out[file.replace(/\.pb$/, '')] = { skipped: 'file absent' }
      continue
    }
    const text = readFileSync(full, 'utf8')
    log(`tally ${file} parse`)
    const parsed = await timed(() => parsePabulib(text))
    const election = compileElection(electionInputFromPabulib(parsed.value))
    const row = { voters: parsed.value.votes.length, projects: parsed.value.projects.length, parseMs: parsed.ms }
    for (const rule of ['greedy', 'mes', 'phragmen']) {
      log(`tally ${file} ${rule}`)
      try {
        const r = await timed(() => getRule(rule).count(election))
        row[`${rule}Ms`] = r.ms
        row[`${rule}Selected`] = r.value.selected.length
        if (rule === 'mes') row.mesRuns = r.value.parameters.mesRuns
      } catch (e) {
        row[`${rule}Error`] = e instanceof Error ? e.message : String(e)
      }
    }
    for (const rule of ['greedy', 'mes', 'phragmen'])
      if (row[`${rule}Ms`] !== undefined) row[`${rule}ToParse`] = ratio(row[`${rule}Ms`], row.parseMs)
    // add1 counts MES once per endowment step: the time of one such run, against the parse (ADR 0008, session 5).
    if (row.mesMs !== undefined && row.mesRuns > 0) {
      row.mesMsPerRun = Math.round((row.mesMs / row.mesRuns) * 100) / 100
      row.mesPerRunToParse = ratio(row.mesMsPerRun, row.parseMs)
    }
    out[file.replace(/\.pb$/, '')] = row
  }
  return out
}
