import type { Election } from './election.js'
import { methodOfEqualShares } from './method-of-equal-shares.js'
import type { RuleOptions, RuleResult } from './types.js'

/**
 * MES with Cardinality_Sat (each approved project is worth 1 to its supporters), add1, then greedy by
 * approvals per unit of cost, the convention of pabutools' analysis scripts (notes §4.3). It favours
 * cheap projects: ρ is the largest single payment a supporter makes.
 */
export function equalSharesCardinal(election: Election, options: RuleOptions = {}): RuleResult {
  return methodOfEqualShares(election, 'cardinality', options, 'mes-cardinal')
}
