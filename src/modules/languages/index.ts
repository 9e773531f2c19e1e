export { registerLanguagesRoutes, safeReturnPath } from './languages.routes.js'
