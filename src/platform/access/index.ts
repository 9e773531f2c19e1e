export {
  STAFF_ROLES,
  isStaffRole,
  ANONYMOUS,
  hasAnyStaffRole,
  type Role,
  type StaffRole,
  type RoleGrant,
  type Actor,
} from './roles.js'
export {
  authorize,
  definePermissions,
  evaluateRule,
  getRule,
  type Rule,
  type Decision,
  type Denial,
  type AccessContext,
  type WardScope,
} from './authorize.js'
export { accessPlugin, type RouteAccess, type AccessPluginOptions, type RouteInventoryEntry } from './access.plugin.js'
