import { createHash } from 'node:crypto'
import { serialisePabulib, type PabulibFile } from './pabulib.js'
import { Rational, RULES, type RuleId, type RuleResult } from './rules/index.js'
import type { BallotType } from './prioritisation.tables.js'

/** The settings of a round that decide what a valid ballot is and how it is counted. */
export interface RoundRules {
  ballotType: BallotType
  ruleId: RuleId
  budgetPence: number
  minChoices: number
  maxChoices: number
  rankK: number
  pointsTotal: number
  minVotes: number | null
}

export interface OptionCost {
  id: number
  costPence: number
}

/** A ballot as stored: ordered option ids, with points for cumulative ballots. */
export type Choices = { kind: 'set' | 'ranking'; ids: number[] } | { kind: 'points'; points: [number, number][] }

export type BallotProblem =
  | { code: 'none' }
  | { code: 'tooFew'; min: number }
  | { code: 'tooMany'; max: number }
  | { code: 'overBudget'; totalPence: number; budgetPence: number }
  | { code: 'unknownOption' }
  | { code: 'duplicateRank' }
  | { code: 'tooManyPoints'; total: number; max: number }

/** Which rules can count which ballots (Phragmén reads approval sets only). */
export function rulesFor(ballotType: BallotType): RuleId[] {
  const all = Object.keys(RULES) as RuleId[]
  return ballotType === 'approval' || ballotType === 'basket' ? all : all.filter((r) => r !== 'phragmen')
}

/** The basket's running total in pence (shown on the ballot page and re-checked on submission). */
export function basketTotal(ids: readonly number[], options: readonly OptionCost[]): number {
  const cost = new Map(options.map((o) => [o.id, o.costPence]))
  return ids.reduce((sum, id) => sum + (cost.get(id) ?? 0), 0)
}

/** Checks a ballot against the frozen round rules; `undefined` means valid. */
export function checkBallot(
  rules: RoundRules,
  options: readonly OptionCost[],
  choices: Choices,
): BallotProblem | undefined {
  const known = new Set(options.map((o) => o.id))
  if (choices.kind === 'points') {
    if (choices.points.some(([id, p]) => !known.has(id) || !Number.isInteger(p) || p < 0))
      return { code: 'unknownOption' }
    const total = choices.points.reduce((s, [, p]) => s + p, 0)
    if (total === 0) return { code: 'none' }
    if (total > rules.pointsTotal) return { code: 'tooManyPoints', total, max: rules.pointsTotal }
    return undefined
  }
  const ids = choices.ids
  if (ids.some((id) => !known.has(id))) return { code: 'unknownOption' }
  if (new Set(ids).size !== ids.length) return { code: 'duplicateRank' }
  if (ids.length === 0) return { code: 'none' }
  if (rules.ballotType === 'ranking') {
    if (ids.length > rules.rankK) return { code: 'tooMany', max: rules.rankK }
    return undefined
  }
  if (ids.length < rules.minChoices) return { code: 'tooFew', min: rules.minChoices }
  if (rules.maxChoices > 0 && ids.length > rules.maxChoices) return { code: 'tooMany', max: rules.maxChoices }
  if (rules.ballotType === 'basket') {
    const total = basketTotal(ids, options)
    if (total > rules.budgetPence) return { code: 'overBudget', totalPence: total, budgetPence: rules.budgetPence }
  }
  return undefined
}

/** Pence as pounds for Pabulib and the counting rules: MES raises budgets by one currency unit (£1) per step. */
export const pounds = (pence: number): Rational => Rational.of(pence, 100)

/** Option ids in Pabulib (and so in every explanation) carry a letter, so messages never read as amounts. */
export const projectId = (optionId: number): string => `P${optionId}`

export interface PabulibRound {
  id: number
  title: string
  wardCode: string
  wardName: string
  description: string
  rules: RoundRules
  options: { id: number; title: string; theme: string; costPence: number }[]
  /** Ballots in the order to publish them (the caller sorts by the random ballot id). */
  ballots: Choices[]
}

/**
 * The anonymised ballots as a Pabulib file. Counting this very text with `together tally --rule <rule>` gives the
 * published result: the web count goes through the same parser (see `countRound`).
 */
export function roundToPabulib(round: PabulibRound): string {
  const r = round.rules
  const meta = new Map<string, string>([
    ['description', `${round.title} (${round.wardName})`],
    ['country', 'United Kingdom'],
    ['unit', round.wardName],
    ['subunit', round.wardCode],
    ['instance', String(round.id)],
    ['num_projects', String(round.options.length)],
    ['num_votes', String(round.ballots.length)],
    ['rule', r.ruleId],
    ['currency', 'GBP'],
  ])
  if (r.ballotType === 'ranking') meta.set('max_length', String(r.rankK))
  if (r.ballotType === 'approval' || r.ballotType === 'basket') {
    if (r.minChoices > 0) meta.set('min_length', String(r.minChoices))
    if (r.maxChoices > 0) meta.set('max_length', String(r.maxChoices))
  }
  if (r.ballotType === 'basket') meta.set('max_sum_cost', pounds(r.budgetPence).toDecimalString())
  if (r.ballotType === 'cumulative') meta.set('max_sum_points', String(r.pointsTotal))
  if (r.ruleId === 'greedy-threshold' && r.minVotes !== null)
    meta.set('min_project_score_threshold', String(r.minVotes))
  const voteType = r.ballotType === 'ranking' ? 'ordinal' : r.ballotType === 'cumulative' ? 'cumulative' : 'approval'
  const file: PabulibFile = {
    meta,
    budget: pounds(r.budgetPence),
    voteType,
    projectColumns: ['project_id', 'cost', 'name', 'category'],
    projects: round.options.map((o) => ({
      id: projectId(o.id),
      cost: pounds(o.costPence),
      fields: { name: o.title.replace(/\s+/g, ' ').trim(), category: o.theme },
    })),
    voteColumns: voteType === 'cumulative' ? ['voter_id', 'vote', 'points'] : ['voter_id', 'vote'],
    votes: round.ballots.map((b, i) =>
      b.kind === 'points'
        ? {
            voterId: String(i + 1),
            projectIds: b.points.filter(([, p]) => p > 0).map(([id]) => projectId(id)),
            points: b.points.filter(([, p]) => p > 0).map(([, p]) => Rational.of(p)),
            fields: {},
          }
        : { voterId: String(i + 1), projectIds: b.ids.map(projectId), fields: {} },
    ),
    warnings: [],
  }
  return serialisePabulib(file)
}

/** A count as stored and published: exact figures as decimal strings. */
export interface StoredResult {
  rule: RuleId
  selected: string[]
  budget: string
  spent: string
  ballots: number
  explanations: RuleResult['explanations']
  parameters: RuleResult['parameters']
  /** SHA-256 of the published .pb text, so a downloaded file can be checked against the count. */
  pbSha256: string
}

export function toStoredResult(result: RuleResult, ballots: number, pbText: string): StoredResult {
  const money = (r: Rational) => (r.isTerminatingDecimal() ? r.toDecimalString() : r.toString())
  return {
    rule: result.rule,
    selected: [...result.selected],
    budget: money(result.budget),
    spent: money(result.spent),
    ballots,
    explanations: result.explanations,
    parameters: result.parameters,
    pbSha256: createHash('sha256').update(pbText).digest('hex'),
  }
}

/**
 * Statistical disclosure control for published counts of people (DESIGN §5): under 10 is hidden, anything else
 * is rounded to the nearest 5. Returns null when hidden.
 */
export function discloseCount(n: number): number | null {
  if (n < 10) return null
  return Math.round(n / 5) * 5
}

/** Same person whatever the spacing or case: the register's name-and-postcode key. */
export function nameKey(name: string, postcode: string): string {
  const n = name.trim().toLowerCase().replace(/\s+/g, ' ')
  const p = postcode.toUpperCase().replace(/\s+/g, '')
  return createHash('sha256').update(`${n}|${p}`).digest('hex')
}
