export { registerProgrammeRoutes } from './programme.routes.js'
export { programmePermissions } from './programme.permissions.js'
export { createProgrammeService, type AccountabilityReport, type ProgrammeService } from './programme.service.js'
export { copyProgrammeTemplate, type TemplateCopyResult } from './programme.replicate.js'
