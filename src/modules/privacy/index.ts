export { registerPrivacyRoutes, loadRetentionPolicy } from './privacy.routes.js'
export { privacyMigrations } from './privacy.migrations.js'
export { privacyPermissions } from './privacy.permissions.js'
export {
  createPrivacyService,
  type PrivacyService,
  type PersonalDataExport,
  type PurgeReport,
} from './privacy.service.js'
export { parseRetentionPolicy, DEFAULT_POLICY, type RetentionPolicy } from './privacy.rules.js'
