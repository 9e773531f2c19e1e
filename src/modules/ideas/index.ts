export { registerIdeasRoutes } from './ideas.routes.js'
export { ideasMigrations } from './ideas.migrations.js'
export { ideasPermissions } from './ideas.permissions.js'
