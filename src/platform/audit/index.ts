export { createAuditLog, type AuditLog, type AuditEntry } from './audit.repository.js'
export { verifyAuditChain, hashAuditEvent, GENESIS_HASH, type ChainRow, type ChainVerdict } from './audit-chain.js'
