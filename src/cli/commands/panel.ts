import { readFile } from 'node:fs/promises'
import {
  InstanceFormatError,
  parseInstance,
  selectPanel,
  SelectionError,
  SolverError,
} from '../../modules/panel/selection/index.js'
import type { FeasibilityReport, SelectionMethod, SelectionResult } from '../../modules/panel/selection/index.js'

export interface PanelIo {
  stdout: (s: string) => void
  stderr: (s: string) => void
}

const USAGE = `usage: together panel select --categories C.csv --respondents R.csv --k N [options]

Draws a stratified panel of N people from the respondents so that every quota in C.csv holds,
giving everyone as equal a chance as the quotas allow (LEXIMIN, Flanigan et al., Nature 2021).

  --categories FILE     quota table: category,feature,min,max (or feature,value,min,max)
  --respondents FILE    pool: one column per category; an "id" column is used for ids if present
  --k N                 panel size
  --seed S              seed for the draw (default: a random one, printed so the draw can be checked)
  --method M            leximin (default) or legacy (the older greedy method, for comparison)
  --households COLUMN   at most one person per household, households given by this column
  --id-column COLUMN    column holding respondent ids (default "id", else the 0-based row number)
  --legacy-runs N       runs used to estimate LEGACY probabilities (default 10000)
  --json                print one JSON object instead of a summary
`

interface SelectArgs {
  categories: string
  respondents: string
  k: number
  seed?: string
  method: SelectionMethod
  json: boolean
  households?: string
  idColumn?: string
  legacyRuns?: number
}

class UsageError extends Error {}

const VALUE_FLAGS = new Set([
  'categories',
  'respondents',
  'k',
  'seed',
  'method',
  'households',
  'id-column',
  'legacy-runs',
])

function parsePositiveInt(raw: string, flag: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) < 1)
    throw new UsageError(`--${flag} must be a positive whole number, got "${raw}"`)
  return Number(raw)
}

function parseSelectArgs(args: string[]): SelectArgs {
  const values = new Map<string, string>()
  let json = false
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? ''
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}"`)
    const eq = arg.indexOf('=')
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2)
    if (name === 'json') {
      if (eq >= 0) throw new UsageError('--json takes no value')
      json = true
      continue
    }
    if (!VALUE_FLAGS.has(name)) throw new UsageError(`unknown option --${name}`)
    let value: string | undefined
    if (eq >= 0) value = arg.slice(eq + 1)
    else {
      value = args[i + 1]
      i++
    }
    if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`)
    if (values.has(name)) throw new UsageError(`--${name} given twice`)
    values.set(name, value)
  }
  const categories = values.get('categories')
  const respondents = values.get('respondents')
  const k = values.get('k')
  if (categories === undefined) throw new UsageError('--categories is required')
  if (respondents === undefined) throw new UsageError('--respondents is required')
  if (k === undefined) throw new UsageError('--k is required')
  const method = values.get('method') ?? 'leximin'
  if (method !== 'leximin' && method !== 'legacy')
    throw new UsageError(`--method must be leximin or legacy, got "${method}"`)
  const parsed: SelectArgs = { categories, respondents, k: parsePositiveInt(k, 'k'), method, json }
  const seed = values.get('seed')
  if (seed !== undefined) parsed.seed = seed
  const households = values.get('households')
  if (households !== undefined) parsed.households = households
  const idColumn = values.get('id-column')
  if (idColumn !== undefined) parsed.idColumn = idColumn
  const legacyRuns = values.get('legacy-runs')
  if (legacyRuns !== undefined) parsed.legacyRuns = parsePositiveInt(legacyRuns, 'legacy-runs')
  return parsed
}

/** Rounds away floating-point dust (e.g. 0.09999999999999998) without hiding anything meaningful. */
function clean(p: number): number {
  return Math.round(p * 1e12) / 1e12
}

function percent(p: number): string {
  return `${(p * 100).toFixed(2)}%`
}

function describeInfeasible(report: FeasibilityReport): string {
  const lines = ['The quotas cannot be met:']
  const shown = report.issues.slice(0, 20)
  for (const issue of shown) lines.push(`  - ${issue.message}`)
  if (report.issues.length > shown.length) lines.push(`  - … and ${report.issues.length - shown.length} more`)
  if (report.relaxation) {
    lines.push('', 'Smallest change to the quotas that makes a panel possible:')
    for (const c of report.relaxation.changes) {
      const parts: string[] = []
      if (c.newMin !== c.min) parts.push(`lower the minimum from ${c.min} to ${c.newMin}`)
      if (c.newMax !== c.max) parts.push(`raise the maximum from ${c.max} to ${c.newMax}`)
      lines.push(`  - ${c.category} = ${c.value}: ${parts.join(' and ')}`)
    }
  } else if (report.issues.some((i) => i.kind === 'unknown-value')) {
    lines.push('', 'Add the missing values to the quota table (or correct the respondents file) and try again.')
  } else {
    lines.push('', 'No change to the quotas alone can make a panel possible.')
  }
  return lines.join('\n') + '\n'
}

function summary(result: SelectionResult): string {
  const { k, n } = result
  const lines: string[] = []
  const name = result.method === 'leximin' ? 'LEXIMIN' : 'LEGACY'
  lines.push(`${name} selection of a panel of ${k} from a pool of ${n}`)
  const sorted = result.probabilities
    .map((p, i) => ({ id: result.ids[i] ?? String(i), p }))
    .sort((a, b) => a.p - b.p || a.id.localeCompare(b.id, 'en', { numeric: true }))
  const max = sorted.at(-1)?.p ?? 0
  lines.push(
    `Selection probability: minimum ${percent(result.minProbability)}, equal share k/n ${percent(k / n)}, maximum ${percent(max)}`,
  )
  if (result.method === 'legacy' && result.legacy)
    lines.push(`  (LEGACY probabilities are estimates from ${result.legacy.runs} runs)`)
  const atMin = sorted.filter((s) => s.p <= result.minProbability + 1e-9)
  lines.push(
    `  ${atMin.length} ${atMin.length === 1 ? 'person has' : 'people have'} the minimum: ${atMin
      .slice(0, 10)
      .map((s) => s.id)
      .join(', ')}${atMin.length > 10 ? ', …' : ''}`,
  )
  if (result.uncoverable.length > 0)
    lines.push(
      `  ${result.uncoverable.length} in no feasible panel (probability 0): ${result.uncoverable.slice(0, 10).join(', ')}`,
    )
  if (result.leximin) {
    const s = result.leximin.stats
    lines.push(
      `Lottery: ${s.support} panels (of ${s.panelsGenerated} generated), ${s.levels} level${s.levels === 1 ? '' : 's'}, ${(s.ms / 1000).toFixed(1)} s`,
    )
  }
  if (result.draw)
    lines.push(
      `Draw: seed "${result.seed}", u = ${result.draw.u.toFixed(6)}, panel ${result.draw.compositionIndex + 1} of the lottery`,
    )
  else lines.push(`Draw: seed "${result.seed}"`)
  lines.push(`Panel (${result.panel.length}): ${result.panel.join(', ')}`)
  return lines.join('\n') + '\n'
}

async function readInput(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (err: unknown) {
    throw new UsageError(`cannot read ${what} file ${path}: ${err instanceof Error ? err.message : String(err)}`)
  }
}

async function select(args: string[], io: PanelIo): Promise<number> {
  const opts = parseSelectArgs(args)
  const [categoriesCsv, respondentsCsv] = await Promise.all([
    readInput(opts.categories, 'categories'),
    readInput(opts.respondents, 'respondents'),
  ])
  let instance
  try {
    const respondentOptions: { idColumn?: string; householdColumn?: string } = {}
    if (opts.idColumn !== undefined) respondentOptions.idColumn = opts.idColumn
    if (opts.households !== undefined) respondentOptions.householdColumn = opts.households
    instance = parseInstance(categoriesCsv, respondentsCsv, opts.k, respondentOptions)
  } catch (err: unknown) {
    if (err instanceof InstanceFormatError) {
      io.stderr(`error: ${err.message}\n`)
      if (opts.json) io.stdout(JSON.stringify({ error: 'invalid-input', message: err.message }) + '\n')
      return 1
    }
    throw err
  }
  const selectOptions: Parameters<typeof selectPanel>[1] = {
    method: opts.method,
    households: opts.households !== undefined,
  }
  if (opts.seed !== undefined) selectOptions.seed = opts.seed
  if (opts.legacyRuns !== undefined) selectOptions.legacyRuns = opts.legacyRuns
  const outcome = await selectPanel(instance, selectOptions)
  if (!outcome.ok) {
    io.stderr(describeInfeasible(outcome.feasibility))
    if (opts.json)
      io.stdout(
        JSON.stringify({
          error: 'infeasible',
          issues: outcome.feasibility.issues.map((i) => i.message),
          relaxation: outcome.feasibility.relaxation?.changes ?? null,
        }) + '\n',
      )
    return 1
  }
  const result = outcome.result
  if (opts.json) {
    const probabilities: Record<string, number> = {}
    result.ids.forEach((id, i) => {
      probabilities[id] = clean(result.probabilities[i] ?? 0)
    })
    io.stdout(
      JSON.stringify({
        probabilities,
        minProbability: clean(result.minProbability),
        panel: result.panel,
        seed: result.seed,
        method: result.method,
        k: result.k,
        n: result.n,
      }) + '\n',
    )
  } else io.stdout(summary(result))
  return 0
}

/** `together panel <subcommand>`; `args` starts after `panel`. Returns the process exit code. */
export async function panelCommand(args: string[], io: PanelIo): Promise<number> {
  const [sub, ...rest] = args
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    ;(sub === undefined ? io.stderr : io.stdout)(USAGE)
    return sub === undefined ? 2 : 0
  }
  if (sub !== 'select') {
    io.stderr(`unknown panel command "${sub}"\n\n${USAGE}`)
    return 2
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(USAGE)
    return 0
  }
  try {
    return await select(rest, io)
  } catch (err: unknown) {
    if (err instanceof UsageError) {
      io.stderr(`error: ${err.message}\n\n${USAGE}`)
      return 2
    }
    if (err instanceof SelectionError || err instanceof SolverError) {
      io.stderr(`error: selection failed: ${err.message}\n`)
      return 1
    }
    throw err
  }
}
