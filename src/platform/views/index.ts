export { createViewEnvironment, govukFrontendDist, type ViewOptions } from './views.js'
export { toGovukErrors, fieldValues, type GovukErrors } from './forms.js'
