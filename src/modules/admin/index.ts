export { registerAdminRoutes } from './admin.routes.js'
export { adminPermissions } from './admin.permissions.js'
