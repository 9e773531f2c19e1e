import type { Election } from './election.js'
import { costOf } from './election.js'
import { Rational } from './rational.js'
import { DEFAULT_TIE_BREAKING, makeTieBreaker, type TieBreakKey } from './tie-breaking.js'
import type { ProjectExplanation, RuleOptions, RuleResult } from './types.js'

/**
 * What greedy ranks by (its density, notes §3):
 * - `points`: votes for approval ballots, total points for cumulative/ordinal/scoring ones (the city rule);
 * - `cost`: Cost_Sat, i.e. the number of ballots listing the project; as in pabutools a zero-cost project
 *   has Cost_Sat total 0 and so density 0 (it still fits, it is just scanned last);
 * - `cardinality`: Cardinality_Sat, ballots listing the project per unit of cost (+∞ when free).
 */
export type GreedyMeasure = 'points' | 'cost' | 'cardinality'

export interface GreedyConfig {
  readonly measure: GreedyMeasure
  /** Skip a project that no longer fits and go on (true), or stop there (false, "no skip"). */
  readonly skip: boolean
  readonly threshold?: Rational
  readonly includeUnsupported: boolean
  /** Already funded projects (greedy as a completion step); the rest of the budget is filled. */
  readonly initial?: readonly number[]
  readonly tieBreaking: readonly TieBreakKey[]
  readonly stage: ProjectExplanation['stage']
}

export interface GreedyRun {
  /** Newly selected project indices, in selection order (the initial ones excluded). */
  readonly selected: readonly number[]
  readonly explanations: ReadonlyMap<number, ProjectExplanation>
}

interface Density {
  readonly infinite: boolean
  readonly value: Rational
}

/**
 * Greedy by density, pabutools-compatible (notes §3): candidates ordered by density descending, ties by
 * the tie-breaking keys, then each funded if it fits in what is left. Exact arithmetic throughout.
 */
export function runGreedy(election: Election, config: GreedyConfig): GreedyRun {
  const initial = new Set(config.initial ?? [])
  let remaining = election.budget.sub(costOf(election, initial))
  const densities = election.projectIds.map((_, p) => densityOf(election, p, config.measure))
  const tieBreak = makeTieBreaker(election, config.tieBreaking)
  const order = election.projectIds
    .map((_, p) => p)
    .filter((p) => !initial.has(p))
    .sort((a, b) => compareDensity(densities[b], densities[a]) || tieBreak(a, b))

  const selected: number[] = []
  const explanations = new Map<number, ProjectExplanation>()
  let blockedBy: number | undefined
  order.forEach((p, position) => {
    const id = election.projectIds[p] ?? ''
    const cost = election.costs[p] ?? Rational.ZERO
    const score = election.scores[p] ?? Rational.ZERO
    const approvals = election.approvals[p] ?? 0
    const base = { rank: position + 1, score: score.toString(), votes: approvals, cost: cost.toDecimalString() }
    const explain = (
      selectedNow: boolean,
      reason: ProjectExplanation['reason'],
      message: string,
      extra: Record<string, string | number | readonly string[]> = {},
      params: Record<string, string | number> = {},
    ) =>
      explanations.set(p, {
        selected: selectedNow,
        reason,
        stage: config.stage,
        message,
        parts: [
          {
            key: `${config.stage === 'completion' ? 'completion' : 'greedy'}.${reason}`,
            params: { project: id, cost: cost.toDecimalString(), ...params },
          },
        ],
        details: { ...base, ...extra },
      })

    if (config.threshold !== undefined && score.lt(config.threshold)) {
      explain(
        false,
        'below-threshold',
        `${id} scored ${score.toDecimalString()}, below the threshold of ${config.threshold.toDecimalString()}.`,
        {
          threshold: config.threshold.toString(),
        },
        { score: score.toDecimalString(), threshold: config.threshold.toDecimalString() },
      )
      return
    }
    if (!config.includeUnsupported && approvals === 0) {
      explain(false, 'no-support', `Nobody voted for ${id}.`)
      return
    }
    if (blockedBy !== undefined) {
      const blocker = election.projectIds[blockedBy] ?? ''
      explain(
        false,
        'stopped',
        `Counting stopped at ${blocker}, a more popular project that did not fit, before reaching ${id}.`,
        {
          blockedBy: blocker,
        },
        { blocker },
      )
      return
    }
    if (cost.le(remaining)) {
      explain(
        true,
        'funded',
        `${id} was funded in position ${selected.length + 1}; it fitted in the ${remaining.toDecimalString()} left.`,
        {
          remainingBefore: remaining.toString(),
        },
        { position: selected.length + 1, remaining: remaining.toDecimalString() },
      )
      remaining = remaining.sub(cost)
      selected.push(p)
      return
    }
    const fundedAhead = [...initial, ...selected].map((q) => election.projectIds[q] ?? '')
    explain(
      false,
      'over-budget',
      `${id} costs ${cost.toDecimalString()} but only ${remaining.toDecimalString()} was left after funding ${fundedAhead.length} project(s) ranked above it.`,
      { remainingBefore: remaining.toString(), fundedAhead },
      { remaining: remaining.toDecimalString(), count: fundedAhead.length },
    )
    if (!config.skip) blockedBy = p
  })
  return { selected, explanations }
}

function densityOf(election: Election, p: number, measure: GreedyMeasure): Density {
  const cost = election.costs[p] ?? Rational.ZERO
  const approvals = election.approvals[p] ?? 0
  switch (measure) {
    case 'points':
      return { infinite: false, value: election.scores[p] ?? Rational.ZERO }
    case 'cost':
      return { infinite: false, value: cost.isZero() ? Rational.ZERO : Rational.of(approvals) }
    case 'cardinality':
      if (approvals === 0) return { infinite: false, value: Rational.ZERO }
      if (cost.isZero()) return { infinite: true, value: Rational.ZERO }
      return { infinite: false, value: Rational.of(approvals).div(cost) }
    default: {
      const unreachable: never = measure
      throw new Error(`unknown greedy measure ${String(unreachable)}`)
    }
  }
}

function compareDensity(a: Density | undefined, b: Density | undefined): number {
  if (a === undefined || b === undefined) throw new RangeError('missing density')
  if (a.infinite || b.infinite) return Number(a.infinite) - Number(b.infinite)
  return a.value.compare(b.value)
}

/** Turns a greedy run into a rule result. */
export function greedyResult(
  election: Election,
  rule: RuleResult['rule'],
  run: GreedyRun,
  parameters: RuleResult['parameters'],
): RuleResult {
  const explanations: Record<string, ProjectExplanation> = {}
  for (const [p, explanation] of run.explanations) explanations[election.projectIds[p] ?? ''] = explanation
  return {
    rule,
    selected: run.selected.map((p) => election.projectIds[p] ?? ''),
    budget: election.budget,
    spent: costOf(election, run.selected),
    explanations,
    parameters,
  }
}

/**
 * The city standard: rank by votes (points for cumulative, ordinal and scoring ballots) and fund each
 * project that still fits, skipping those that do not. Applies `options.threshold` when given.
 *
 * @example
 * // budget 10; A costs 6 (3 votes), B costs 6 (2 votes), C costs 4 (1 vote) → A, then B is skipped, C fits
 * greedy(election).selected // ['A', 'C']
 */
export function greedy(election: Election, options: RuleOptions = {}): RuleResult {
  const tieBreaking = options.tieBreaking ?? DEFAULT_TIE_BREAKING
  const includeUnsupported = options.includeUnsupported ?? true
  const run = runGreedy(election, {
    measure: 'points',
    skip: true,
    includeUnsupported,
    tieBreaking,
    stage: 'greedy',
    ...(options.threshold === undefined ? {} : { threshold: options.threshold }),
  })
  return greedyResult(election, 'greedy', run, {
    tieBreaking,
    includeUnsupported,
    ...(options.threshold === undefined ? {} : { threshold: options.threshold.toString() }),
  })
}
