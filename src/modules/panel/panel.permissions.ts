import type { Rule } from '../../platform/access/index.js'

export const panelPermissions: Record<string, Rule> = {
  /** A signed-in person volunteers, answers an invitation and declares interests, always for their home ward. */
  'panel.volunteer': { kind: 'signed_in' },
  /** Pool, quotas, selection and draw hold special category data: the ward's officers only (second factor). */
  'panel.manage': { kind: 'ward_role', roles: ['officer'] },
}
