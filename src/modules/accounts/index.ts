import type { ModuleManifest } from '../../platform/module.js'
import { accountsMigrations } from './accounts.migrations.js'
import { accountsPermissions } from './accounts.permissions.js'
import type { AccountsService } from './accounts.service.js'

export { createAccountsService, type AccountsService, type AccountsDeps } from './accounts.service.js'
export { registerAccountsRoutes } from './accounts.routes.js'
export { accountsMigrations } from './accounts.migrations.js'
export { accountsPermissions } from './accounts.permissions.js'
export {
  searchUsers,
  listWardTeam,
  countUsers,
  findUserByEmail,
  insertUser,
  type UserSummary,
} from './accounts.repository.js'

export { findUserById, type UserRecord } from './accounts.repository.js'
export { findPreferredLanguage, setPreferredLanguage } from './accounts.repository.js'

export type AccountsManifest = ModuleManifest<AccountsService>
export const accountsModule = { id: 'accounts', migrations: accountsMigrations, permissions: accountsPermissions }
export {
  exportAccountsPersonalData,
  eraseAccountsPersonalData,
  purgeAccountsExpired,
} from './accounts.personal-data.js'
