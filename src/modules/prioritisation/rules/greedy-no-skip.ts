import type { Election } from './election.js'
import { greedyResult, runGreedy } from './greedy.js'
import { DEFAULT_TIE_BREAKING } from './tie-breaking.js'
import type { RuleOptions, RuleResult } from './types.js'

/**
 * Greedy without skipping (Pabulib `greedy-no-skip`, Gdynia and Wrocław): same order as `greedy`, but
 * counting stops at the first project that does not fit, so nothing ranked below it is funded.
 */
export function greedyNoSkip(election: Election, options: RuleOptions = {}): RuleResult {
  const tieBreaking = options.tieBreaking ?? DEFAULT_TIE_BREAKING
  const includeUnsupported = options.includeUnsupported ?? true
  const run = runGreedy(election, {
    measure: 'points',
    skip: false,
    includeUnsupported,
    tieBreaking,
    stage: 'greedy',
    ...(options.threshold === undefined ? {} : { threshold: options.threshold }),
  })
  return greedyResult(election, 'greedy-noskip', run, {
    tieBreaking,
    includeUnsupported,
    ...(options.threshold === undefined ? {} : { threshold: options.threshold.toString() }),
  })
}
