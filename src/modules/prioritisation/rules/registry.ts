import type { Election } from './election.js'
import { CountingError } from './errors.js'
import { greedy } from './greedy.js'
import { greedyNoSkip } from './greedy-no-skip.js'
import { greedyThreshold } from './greedy-threshold.js'
import { equalSharesCardinal } from './method-of-equal-shares-cardinal.js'
import { equalSharesCost } from './method-of-equal-shares.js'
import { sequentialPhragmen } from './sequential-phragmen.js'
import type { RuleId, RuleOptions, RuleResult } from './types.js'

/**
 * A counting rule a priority round can be frozen to. Its name and its one-sentence description for residents
 * are translations, `prioritisation.rules.<id>.title` and `.summary` (see `ruleTextKeys`), so that pages and
 * the API speak the reader's language; the id is the stable name for the API, the CLI and `.pb` files.
 */
export interface RuleDefinition {
  readonly id: RuleId
  readonly count: (election: Election, options?: RuleOptions) => RuleResult
}

/** Every counting rule, by id, in the order offered to officers. */
export const RULES: Readonly<Record<RuleId, RuleDefinition>> = {
  greedy: {
    id: 'greedy',
    count: greedy,
  },
  'greedy-noskip': {
    id: 'greedy-noskip',
    count: greedyNoSkip,
  },
  'greedy-threshold': {
    id: 'greedy-threshold',
    count: greedyThreshold,
  },
  mes: {
    id: 'mes',
    count: equalSharesCost,
  },
  'mes-cardinal': {
    id: 'mes-cardinal',
    count: equalSharesCardinal,
  },
  phragmen: {
    id: 'phragmen',
    count: sequentialPhragmen,
  },
}

export const RULE_IDS = Object.keys(RULES) as RuleId[]

/** The translation keys of a rule's name and of its one-sentence description for residents. */
export function ruleTextKeys(id: RuleId): { title: string; summary: string } {
  return { title: `prioritisation.rules.${id}.title`, summary: `prioritisation.rules.${id}.summary` }
}

export function isRuleId(value: string): value is RuleId {
  return Object.hasOwn(RULES, value)
}

/** The rule with this id, or a `PRIORITISATION_UNKNOWN_RULE` error naming the valid ones. */
export function getRule(id: string): RuleDefinition {
  if (!isRuleId(id)) {
    throw new CountingError('PRIORITISATION_UNKNOWN_RULE', `unknown rule "${id}"; use one of ${RULE_IDS.join(', ')}`)
  }
  return RULES[id]
}
