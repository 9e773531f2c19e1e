import type { Election } from './election.js'
import { CountingError } from './errors.js'
import { greedyResult, runGreedy } from './greedy.js'
import { DEFAULT_TIE_BREAKING } from './tie-breaking.js'
import type { RuleOptions, RuleResult } from './types.js'

/**
 * Greedy with a minimum score (Pabulib `greedy-threshold`: Łódź, Warsaw 2018+): projects whose votes (or
 * points, for cumulative and ordinal ballots) are below the threshold cannot win; the rest are counted
 * greedily with skipping. The threshold is `options.threshold`, else the election's published one.
 */
export function greedyThreshold(election: Election, options: RuleOptions = {}): RuleResult {
  const threshold = options.threshold ?? election.scoreThreshold
  if (threshold === undefined) {
    throw new CountingError(
      'PRIORITISATION_THRESHOLD_REQUIRED',
      'greedy-threshold needs a minimum score (min_project_score_threshold in the file, or --threshold)',
    )
  }
  const tieBreaking = options.tieBreaking ?? DEFAULT_TIE_BREAKING
  const includeUnsupported = options.includeUnsupported ?? true
  const run = runGreedy(election, {
    measure: 'points',
    skip: true,
    threshold,
    includeUnsupported,
    tieBreaking,
    stage: 'greedy',
  })
  return greedyResult(election, 'greedy-threshold', run, {
    tieBreaking,
    includeUnsupported,
    threshold: threshold.toString(),
  })
}
