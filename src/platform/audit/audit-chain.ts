import { createHash } from 'node:crypto'

/** The fields that an audit hash covers; anything else on the row is not evidence. */
export interface AuditFields {
  seq: number
  at: string
  actorUserId: number | null
  actorLabel: string
  wardId: number | null
  action: string
  subject: string
  outcome: string
  detail: string
}

export const GENESIS_HASH = '0'.repeat(64)

/** Hash of one event chained to the previous one: changing, removing or reordering any row breaks every later hash. */
export function hashAuditEvent(prevHash: string, e: AuditFields): string {
  const canonical = JSON.stringify([
    prevHash,
    e.seq,
    e.at,
    e.actorUserId,
    e.actorLabel,
    e.wardId,
    e.action,
    e.subject,
    e.outcome,
    e.detail,
  ])
  return createHash('sha256').update(canonical).digest('hex')
}

export interface ChainRow extends AuditFields {
  prevHash: string
  hash: string
}

export type ChainVerdict =
  { ok: true; checked: number } | { ok: false; checked: number; brokenAtSeq: number; reason: string }

/** Walks rows in seq order; pure so it can be run on an export as well as on the table. */
export function verifyAuditChain(rows: Iterable<ChainRow>, headHash?: string): ChainVerdict {
  let prev = GENESIS_HASH
  let expectedSeq = 1
  let checked = 0
  for (const row of rows) {
    if (row.seq !== expectedSeq)
      return { ok: false, checked, brokenAtSeq: expectedSeq, reason: `event ${expectedSeq} is missing` }
    if (row.prevHash !== prev)
      return { ok: false, checked, brokenAtSeq: row.seq, reason: 'previous-hash link does not match' }
    if (hashAuditEvent(prev, row) !== row.hash)
      return { ok: false, checked, brokenAtSeq: row.seq, reason: 'event content does not match its hash' }
    prev = row.hash
    expectedSeq += 1
    checked += 1
  }
  if (headHash !== undefined && headHash !== prev) {
    return { ok: false, checked, brokenAtSeq: expectedSeq, reason: 'events after the last one shown were removed' }
  }
  return { ok: true, checked }
}
