import type { Rule } from '../../platform/access/index.js'

/** Rounds, options and published results use the platform's `public` permission. */
export const prioritisationPermissions: Record<string, Rule> = {
  /** A signed-in person votes; the route checks the round's ward is their home ward. */
  'prioritisation.vote': { kind: 'signed_in' },
  /** Creating, opening, closing rounds and entering paper ballots: the ward's officers. */
  'prioritisation.manage': { kind: 'ward_role', roles: ['officer'] },
}
