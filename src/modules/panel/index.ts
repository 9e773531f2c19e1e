export { registerPanelRoutes, type PanelDeps } from './panel.routes.js'
export { panelMigrations } from './panel.migrations.js'
export { panelPermissions } from './panel.permissions.js'
export { suggestQuotas, parsePoolCsv, residualInstance, probabilitiesHash, type WardFigure } from './panel.rules.js'
