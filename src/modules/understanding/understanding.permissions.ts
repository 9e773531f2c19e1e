import type { Rule } from '../../platform/access/index.js'

export const understandingPermissions: Record<string, Rule> = {
  /** Code answers, edit the coding frame, run suggestions and clustering, write needs: the ward's officers. */
  'understanding.code': { kind: 'ward_role', roles: ['officer'] },
}
