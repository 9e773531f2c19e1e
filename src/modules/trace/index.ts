export { registerTraceRoutes } from './trace.routes.js'
export { tracePermissions } from './trace.permissions.js'
export { notifyOutcome, outcomeAudienceFor, traceForPerson, wardSummary, loadWardPicture } from './trace.service.js'
export type { Chain, Contribution, OutcomeEvent } from './trace.rules.js'
