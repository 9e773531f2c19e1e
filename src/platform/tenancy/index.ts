export { loadTenantProfile, programmeName, type TenantProfile } from './tenant-profile.js'
export {
  findWardByCode,
  findWardById,
  listWards,
  findWardBoundary,
  setWardActive,
  findCouncilByCode,
  upsertCouncil,
  upsertWard,
  type Ward,
  type Council,
  type WardInput,
} from './ward.repository.js'
export { tenancyMigrations } from './tenancy.migrations.js'
export type { TenancyWardTable, TenancyCouncilTable } from './tenancy.tables.js'
