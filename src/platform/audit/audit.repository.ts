import { sql, type Kysely, type Transaction } from 'kysely'
import type { Database } from '../db/schema.js'
import type { Dialect } from '../db/database.js'
import type { Write } from '../db/writer.js'
import { GENESIS_HASH, hashAuditEvent, verifyAuditChain, type ChainRow, type ChainVerdict } from './audit-chain.js'

export interface AuditEntry {
  actorUserId: number | null
  actorLabel: string
  wardId: number | null
  action: string
  subject: string
  outcome: 'success' | 'failure' | 'denied'
  detail?: Record<string, unknown>
}

export interface AuditLog {
  append(entry: AuditEntry): Promise<void>
  /**
   * Appends inside the caller's own unit of work, so the entry commits (or rolls back) with the action it records:
   * one commit instead of two for a hot staff action such as the entry screen.
   */
  appendWithin(trx: Transaction<Database>, entry: AuditEntry): Promise<void>
  verify(): Promise<ChainVerdict>
  list(filter: {
    wardIds?: number[] | 'all'
    limit: number
    beforeSeq?: number
  }): Promise<(ChainRow & { id: number })[]>
}

export interface AuditLogOptions {
  now?: () => Date
  /**
   * The app's group-commit writer: each append becomes one unit of the next shared commit instead of a commit (and,
   * on SQLite, an fsync on the event loop) of its own. Units run one after another inside the batch's transaction, so
   * every append still reads the head its predecessor wrote, and a unit that fails rolls back its row and the head
   * together (ADR 0009). Without it (CLI, tests), each append is its own transaction.
   */
  write?: Write
}

export function createAuditLog(db: Kysely<Database>, dialect: Dialect, options: AuditLogOptions = {}): AuditLog {
  const now = options.now ?? (() => new Date())
  const inTransaction: Write = options.write ?? ((work) => db.transaction().execute(work))
  const appendIn = async (trx: Transaction<Database>, entry: AuditEntry): Promise<void> => {
    // One head row serialises appenders across app instances (row lock on PostgreSQL; SQLite has one writer).
    const head =
      dialect === 'postgres'
        ? (
            await sql<{
              seq: number
              hash: string
            }>`select seq, hash from audit_head where id = 1 for update`.execute(trx)
          ).rows[0]
        : await trx.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirst()
    if (!head) throw new Error('audit_head row is missing: the platform migration was not applied')
    const prevSeq = head.seq
    const prevHash = head.hash
    const fields = {
      seq: Number(prevSeq) + 1,
      at: now().toISOString(),
      actorUserId: entry.actorUserId,
      actorLabel: entry.actorLabel,
      wardId: entry.wardId,
      action: entry.action,
      subject: entry.subject,
      outcome: entry.outcome,
      detail: JSON.stringify(entry.detail ?? {}),
    }
    const hash = hashAuditEvent(prevHash, fields)
    await trx
      .insertInto('audit_event')
      .values({
        seq: fields.seq,
        at: fields.at,
        actor_user_id: fields.actorUserId,
        actor_label: fields.actorLabel,
        ward_id: fields.wardId,
        action: fields.action,
        subject: fields.subject,
        outcome: fields.outcome,
        detail: fields.detail,
        prev_hash: prevHash,
        hash,
      })
      .execute()
    await trx.updateTable('audit_head').set({ seq: fields.seq, hash }).where('id', '=', 1).execute()
  }
  return {
    async append(entry) {
      await inTransaction((trx) => appendIn(trx, entry))
    },
    appendWithin: appendIn,
    async verify() {
      const head = await db.selectFrom('audit_head').select(['hash']).where('id', '=', 1).executeTakeFirst()
      const rows = await db.selectFrom('audit_event').selectAll().orderBy('seq').execute()
      return verifyAuditChain(rows.map(toChainRow), head?.hash ?? GENESIS_HASH)
    },
    async list({ wardIds, limit, beforeSeq }) {
      let q = db.selectFrom('audit_event').selectAll().orderBy('seq', 'desc').limit(limit)
      if (beforeSeq !== undefined) q = q.where('seq', '<', beforeSeq)
      if (wardIds !== undefined && wardIds !== 'all') {
        if (wardIds.length === 0) return []
        q = q.where('ward_id', 'in', wardIds)
      }
      return (await q.execute()).map((r) => ({ ...toChainRow(r), id: Number(r.id) }))
    },
  }
}

function toChainRow(r: {
  seq: number
  at: string
  actor_user_id: number | null
  actor_label: string
  ward_id: number | null
  action: string
  subject: string
  outcome: string
  detail: string
  prev_hash: string
  hash: string
}): ChainRow {
  return {
    seq: Number(r.seq),
    at: r.at,
    actorUserId: r.actor_user_id === null ? null : Number(r.actor_user_id),
    actorLabel: r.actor_label,
    wardId: r.ward_id === null ? null : Number(r.ward_id),
    action: r.action,
    subject: r.subject,
    outcome: r.outcome,
    detail: r.detail,
    prevHash: r.prev_hash,
    hash: r.hash,
  }
}
