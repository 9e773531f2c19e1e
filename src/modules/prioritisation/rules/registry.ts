import type { Election } from './election.js'
import { CountingError } from './errors.js'
import { greedy } from './greedy.js'
import { greedyNoSkip } from './greedy-no-skip.js'
import { greedyThreshold } from './greedy-threshold.js'
import { equalSharesCardinal } from './method-of-equal-shares-cardinal.js'
import { equalSharesCost } from './method-of-equal-shares.js'
import { sequentialPhragmen } from './sequential-phragmen.js'
import type { RuleId, RuleOptions, RuleResult } from './types.js'

/** A counting rule a priority round can be frozen to. */
export interface RuleDefinition {
  readonly id: RuleId
  readonly title: string
  /** One sentence for residents, shown beside the results. */
  readonly summary: string
  readonly count: (election: Election, options?: RuleOptions) => RuleResult
}

/** Every counting rule, by id, in the order offered to officers. */
export const RULES: Readonly<Record<RuleId, RuleDefinition>> = {
  greedy: {
    id: 'greedy',
    title: 'Most votes first',
    summary: 'Projects are funded in order of votes; one that no longer fits is skipped and counting goes on.',
    count: greedy,
  },
  'greedy-noskip': {
    id: 'greedy-noskip',
    title: 'Most votes first, stop when the money runs out',
    summary: 'Projects are funded in order of votes until the first one that does not fit.',
    count: greedyNoSkip,
  },
  'greedy-threshold': {
    id: 'greedy-threshold',
    title: 'Most votes first, with a minimum number of votes',
    summary: 'Projects below the minimum number of votes cannot win; the rest are funded in order of votes.',
    count: greedyThreshold,
  },
  mes: {
    id: 'mes',
    title: 'Method of Equal Shares',
    summary:
      'Each voter controls an equal share of the budget and spends it on the projects they voted for; ' +
      'projects are bought for the lowest price per voter first.',
    count: equalSharesCost,
  },
  'mes-cardinal': {
    id: 'mes-cardinal',
    title: 'Method of Equal Shares (each project counts once)',
    summary: 'Equal Shares where every supported project is worth the same to a voter, whatever it costs.',
    count: equalSharesCardinal,
  },
  phragmen: {
    id: 'phragmen',
    title: 'Sequential Phragmén',
    summary: 'Projects are funded one at a time so that the cost is spread as evenly as possible over voters.',
    count: sequentialPhragmen,
  },
}

export const RULE_IDS = Object.keys(RULES) as RuleId[]

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
