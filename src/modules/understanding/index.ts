export { registerUnderstandingRoutes } from './understanding.routes.js'
export { understandingMigrations } from './understanding.migrations.js'
export { understandingPermissions } from './understanding.permissions.js'
export { seedUnderstandingDemo } from './understanding.seed.js'
