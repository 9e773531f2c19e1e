import type { Rational } from './rational.js'
import type { TieBreakKey } from './tie-breaking.js'

/** The counting rules in the registry. */
export type RuleId = 'greedy' | 'greedy-noskip' | 'greedy-threshold' | 'mes' | 'mes-cardinal' | 'phragmen'

/** Why a project ended up funded or not, as a stable code for the web app and the API. */
export type ExplanationReason =
  'funded' | 'funded-at-no-cost' | 'over-budget' | 'below-threshold' | 'stopped' | 'no-support' | 'unaffordable'

export interface ExplanationPart {
  readonly key: string
  readonly params: Readonly<Record<string, string | number>>
}

/**
 * One project's outcome in plain words plus the figures behind it. Rationals are written as exact strings
 * (`"7/3"`, `"1546168.66"`) so an explanation can be checked by hand.
 */
export interface ProjectExplanation {
  readonly selected: boolean
  readonly reason: ExplanationReason
  /** Which part of a composite rule decided it (`mes`, `completion`, `greedy`, `phragmen`). */
  readonly stage: 'greedy' | 'mes' | 'completion' | 'phragmen'
  readonly message: string
  /**
   * The same explanation as translatable parts: `prioritisation.explain.<key>` with these parameters.
   * Parameters named `project` or `blocker` hold project ids, which the web app replaces with titles;
   * amounts are exact decimal strings in the election's currency.
   */
  readonly parts: readonly ExplanationPart[]
  readonly details: Readonly<Record<string, string | number | readonly string[]>>
}

/** The outcome of a counting rule. */
export interface RuleResult {
  readonly rule: RuleId
  /** Project ids in the order the rule selected them. */
  readonly selected: readonly string[]
  readonly budget: Rational
  readonly spent: Rational
  readonly explanations: Readonly<Record<string, ProjectExplanation>>
  /** The parameters the count actually used (tie-breaking, endowment, threshold…), for publication. */
  readonly parameters: Readonly<Record<string, string | number | boolean | readonly string[]>>
}

/** Options every rule accepts; each rule reads the ones it documents and ignores the rest. */
export interface RuleOptions {
  /** Keys applied in order; ties left after them fall back to the project id (string order). */
  readonly tieBreaking?: readonly TieBreakKey[]
  /** Minimum score (votes, or points for cumulative/ordinal ballots) a project needs to be funded. */
  readonly threshold?: Rational
  /** Greedy: still fund projects nobody voted for when money is left (pabutools does; default true). */
  readonly includeUnsupported?: boolean
  /** MES add1: endowment step per voter, in currency units (default 1). */
  readonly increment?: Rational
  /** MES add1: stop raising the endowment once the outcome is exhaustive (pabutools; default true). */
  readonly exhaustiveStop?: boolean
  /** MES: raise the endowment step by step at all (default true). */
  readonly add1?: boolean
  /** MES: fill what is left greedily after add1 (default true). */
  readonly greedyCompletion?: boolean
  /** MES add1: the most MES runs to attempt before refusing (default 100000). */
  readonly maxRuns?: number
}
