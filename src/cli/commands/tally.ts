import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { electionInputFromPabulib, PabulibFormatError, parsePabulib } from '../../modules/prioritisation/pabulib.js'
import {
  compileElection,
  CountingError,
  getRule,
  Rational,
  RULE_IDS,
  TIE_BREAK_KEYS,
  type RuleOptions,
  type RuleResult,
  type TieBreakKey,
} from '../../modules/prioritisation/rules/index.js'

export interface CommandIo {
  readonly stdout: (s: string) => void
  readonly stderr: (s: string) => void
}

const USAGE = `Usage: together tally FILE.pb [--rule RULE] [--json] [options]

Counts a Pabulib .pb election with one of the counting rules.

  --rule RULE            ${RULE_IDS.join(' | ')} (default: greedy)
  --json                 print one JSON object: selected ids in selection order, budget, spent, explanations
  --threshold N          minimum votes/points to win (greedy-threshold reads min_project_score_threshold)
  --tie-break KEYS       comma-separated: ${TIE_BREAK_KEYS.join(', ')}; ties left fall back to id (default: id)
  --exclude-unsupported  greedy: never fund projects nobody voted for
  --increment N          MES add1: endowment step per voter, in currency units (default 1)
  --no-exhaustive-stop   MES add1: keep raising while the outcome fits (Wieliczka), not until it is exhaustive
  --no-completion        MES: no greedy completion after add1 (Assen)
  --no-add1              MES: a single run with endowment budget/voters
  --help                 show this text

Exit codes: 0 counted, 2 bad usage or unreadable/malformed file.`

/**
 * `together tally FILE.pb --rule … [--json]`: parses a Pabulib file, counts it and prints the outcome.
 * Returns the exit code; the dispatcher in `src/cli/together.ts` passes `process.argv.slice(3)`.
 */
export async function tallyCommand(args: string[], io: CommandIo): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        rule: { type: 'string' },
        json: { type: 'boolean' },
        threshold: { type: 'string' },
        'tie-break': { type: 'string' },
        'exclude-unsupported': { type: 'boolean' },
        increment: { type: 'string' },
        'no-exhaustive-stop': { type: 'boolean' },
        'no-completion': { type: 'boolean' },
        'no-add1': { type: 'boolean' },
        help: { type: 'boolean' },
      },
    })
  } catch (error) {
    return usageError(io, error instanceof Error ? error.message : String(error))
  }
  const { values, positionals } = parsed
  if (values.help) {
    io.stdout(USAGE)
    return 0
  }
  if (positionals.length !== 1)
    return usageError(io, positionals.length === 0 ? 'no FILE.pb given' : 'give exactly one FILE.pb')
  const file = positionals[0] ?? ''

  let options: RuleOptions
  try {
    options = ruleOptions(values)
  } catch (error) {
    return usageError(io, error instanceof Error ? error.message : String(error))
  }

  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    io.stderr(`together tally: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`)
    return 2
  }
  try {
    const rule = getRule(values.rule ?? 'greedy')
    const pb = parsePabulib(text)
    const election = compileElection(electionInputFromPabulib(pb))
    const result = rule.count(election, options)
    if (values.json) io.stdout(JSON.stringify(toJson(result, pb.warnings)))
    else io.stdout(renderTable(file, result, election.approvals, election.projectIds, pb.warnings))
    return 0
  } catch (error) {
    if (error instanceof PabulibFormatError) {
      io.stderr(`together tally: ${file}: ${error.message}`)
      return 2
    }
    if (error instanceof CountingError) {
      io.stderr(`together tally: ${error.message}`)
      return 2
    }
    throw error
  }
}

function usageError(io: CommandIo, message: string): number {
  io.stderr(`together tally: ${message}\n\n${USAGE}`)
  return 2
}

interface Flags {
  readonly threshold?: string | undefined
  readonly 'tie-break'?: string | undefined
  readonly 'exclude-unsupported'?: boolean | undefined
  readonly increment?: string | undefined
  readonly 'no-exhaustive-stop'?: boolean | undefined
  readonly 'no-completion'?: boolean | undefined
  readonly 'no-add1'?: boolean | undefined
}

function ruleOptions(flags: Flags): RuleOptions {
  const number = (name: string, text: string | undefined): Rational | undefined => {
    if (text === undefined) return undefined
    const value = Rational.parse(text)
    if (value === undefined || value.sign() < 0)
      throw new Error(`--${name} must be a non-negative number, not "${text}"`)
    return value
  }
  const threshold = number('threshold', flags.threshold)
  const increment = number('increment', flags.increment)
  if (increment?.isZero()) throw new Error('--increment must be more than 0')
  let tieBreaking: TieBreakKey[] | undefined
  if (flags['tie-break'] !== undefined) {
    tieBreaking = flags['tie-break'].split(',').map((key) => {
      const found = TIE_BREAK_KEYS.find((k) => k === key.trim())
      if (found === undefined) throw new Error(`unknown tie-break key "${key}"; use ${TIE_BREAK_KEYS.join(', ')}`)
      return found
    })
  }
  return {
    ...(threshold === undefined ? {} : { threshold }),
    ...(increment === undefined ? {} : { increment }),
    ...(tieBreaking === undefined ? {} : { tieBreaking }),
    ...(flags['exclude-unsupported'] ? { includeUnsupported: false } : {}),
    ...(flags['no-exhaustive-stop'] ? { exhaustiveStop: false } : {}),
    ...(flags['no-completion'] ? { greedyCompletion: false } : {}),
    ...(flags['no-add1'] ? { add1: false } : {}),
  }
}

function money(value: Rational): string {
  return value.isTerminatingDecimal() ? value.toDecimalString() : value.toString()
}

function toJson(result: RuleResult, warnings: readonly string[]) {
  return {
    selected: result.selected,
    rule: result.rule,
    budget: money(result.budget),
    spent: money(result.spent),
    cost: money(result.spent),
    parameters: result.parameters,
    explanations: result.explanations,
    warnings,
  }
}

function renderTable(
  file: string,
  result: RuleResult,
  approvals: readonly number[],
  projectIds: readonly string[],
  warnings: readonly string[],
): string {
  const votes = new Map(projectIds.map((id, p) => [id, approvals[p] ?? 0]))
  const order = [...result.selected, ...projectIds.filter((id) => !result.selected.includes(id))]
  const rows = order.map((id) => {
    const explanation = result.explanations[id]
    const position = result.selected.indexOf(id)
    const cost = explanation?.details.cost
    return [
      position < 0 ? '' : String(position + 1),
      id,
      typeof cost === 'string' ? cost : '',
      String(votes.get(id) ?? 0),
      explanation?.selected ? 'funded' : 'not funded',
      explanation?.message ?? '',
    ]
  })
  const header = ['#', 'project', 'cost', 'votes', 'result', 'why']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (i === 5 ? 0 : (r[i] ?? '').length))))
  const line = (cells: string[]) =>
    cells
      .map((cell, i) =>
        i === 5 ? cell : i === 0 || i === 2 || i === 3 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0),
      )
      .join('  ')
  return [
    `${file}`,
    `rule ${result.rule}: ${result.selected.length} project(s) funded, ${money(result.spent)} of ${money(result.budget)} spent`,
    ...warnings.map((w) => `warning: ${w}`),
    '',
    line(header),
    ...rows.map(line),
  ].join('\n')
}
