import { STAFF_ROLES, type Rule } from '../../platform/access/index.js'

export const adminPermissions: Record<string, Rule> = {
  'admin.dashboard': { kind: 'admin' },
  'admin.ward.manage': { kind: 'admin' },
  'admin.user.read': { kind: 'admin' },
  'admin.user.roles': { kind: 'admin' },
  'admin.audit.read': { kind: 'admin' },
  /** Every staff role sees its own ward's dashboard and team; nobody sees another ward's. */
  'ward.staff-dashboard': { kind: 'ward_role', roles: [...STAFF_ROLES] },
}
