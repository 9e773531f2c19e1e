import type { Rule } from '../../platform/access/index.js'

export const understandingPermissions: Record<string, Rule> = {
  /** Code answers, edit the coding frame, run suggestions and clustering, write needs: the ward's officers. */
  'understanding.code': { kind: 'ward_role', roles: ['officer'] },
  /** Vote on opinion statements and propose new ones: anyone signed in (optional to residents, never required). */
  'understanding.vote': { kind: 'signed_in' },
}
