export { ledgerMigrations } from './ledger.migrations.js'
export { ledgerPermissions } from './ledger.permissions.js'
export { registerLedgerRoutes } from './ledger.routes.js'
export {
  createLedger,
  commitFunds,
  payFunds,
  IDEMPOTENCY_KEY,
  LedgerRefused,
  type Ledger,
  type LedgerResult,
  type LedgerError,
  type PledgeRequest,
  type MovementRequest,
  type ReversalRequest,
} from './ledger.service.js'
export { formatPence, parsePounds, financialYearOf, type PartnerKind } from './ledger.rules.js'
export { seedLedgerDemo } from './ledger.seed.js'
export { listFunds, listPledges, listPostings, listPartners, type Fund } from './ledger.repository.js'
export {
  poolAvailability,
  planPoolAllocation,
  allocateFromPool,
  type PoolAvailability,
  type PledgeAvailability,
  type PoolItem,
  type PoolPlan,
  PoolAllocationRefused,
} from './ledger.pool.js'
