import type { Rule } from '../../platform/access/index.js'

export const reachPermissions: Record<string, Rule> = {
  /** Exact reach by area and consultation (people heard per small area): the ward's officers. */
  'reach.view': { kind: 'ward_role', roles: ['officer'] },
  /** "Where to go next": the outreach list, for the volunteers who go as well as the officers who plan. */
  'reach.outreach': { kind: 'ward_role', roles: ['volunteer', 'officer'] },
  /** Turn a gap into a planned outreach event. */
  'reach.plan': { kind: 'ward_role', roles: ['officer'] },
  /** The ward's venues for outreach: kept by its officers. */
  'reach.venues': { kind: 'ward_role', roles: ['officer'] },
  /** Equality Impact Assessments: written and signed off (by a second officer) within the ward team. */
  'reach.eia': { kind: 'ward_role', roles: ['officer'] },
}
