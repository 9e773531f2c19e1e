import { sql, type Kysely, type Transaction } from 'kysely'
import type { Db } from './database.js'
import type { Database } from './schema.js'

/**
 * Runs a unit of work in a transaction and resolves only after it is committed, so a reply sent
 * after `await write(...)` is never for a write that a crash could lose.
 *
 * On SQLite every commit waits for an fsync (synchronous=FULL), which would cap the service at one
 * write per disk flush. Work that arrives while a commit is in progress is therefore grouped into the
 * next transaction (group commit): each unit runs inside its own savepoint, so one unit failing rolls
 * back only its own changes and rejects only its own caller. PostgreSQL does group commit itself, so
 * there each unit is simply its own transaction.
 */
export type Write = <T>(work: (trx: Transaction<Database>) => Promise<T>) => Promise<T>

interface Pending {
  work: (trx: Transaction<Database>) => Promise<unknown>
  resolve: (v: unknown) => void
  reject: (e: unknown) => void
}

export interface WriterStats {
  commits: number
  units: number
}

export function createWriter(db: Db, maxBatch = 200): Write & { stats: WriterStats } {
  const stats: WriterStats = { commits: 0, units: 0 }
  if (db.dialect === 'postgres') {
    const write = (async <T>(work: (trx: Transaction<Database>) => Promise<T>) => {
      stats.units += 1
      const r = await db.db.transaction().execute(work)
      stats.commits += 1
      return r
    }) as Write & { stats: WriterStats }
    write.stats = stats
    return write
  }

  const queue: Pending[] = []
  let running = false
  type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown }
  const runUnits = (k: Kysely<Database>, batch: Pending[], outcomes: Outcome[]) =>
    k.transaction().execute(async (trx) => {
      for (const item of batch) {
        await sql`savepoint unit`.execute(trx)
        try {
          const value = await item.work(trx)
          await sql`release savepoint unit`.execute(trx)
          outcomes.push({ ok: true, value })
        } catch (error) {
          await sql`rollback to savepoint unit`.execute(trx)
          await sql`release savepoint unit`.execute(trx)
          outcomes.push({ ok: false, error })
        }
      }
    })
  // A file database: COMMIT runs with synchronous=NORMAL (no fsync inside it, so the event loop does not stop for the
  // disk) and the write-ahead log is flushed on the thread pool afterwards; callers are answered only after that. Until
  // then nothing else can see the batch: reads run on a snapshot pinned before it, anything else flushes first (ADR 0009).
  const dd = db.deferredDurability
  const commitBatch = async (batch: Pending[], outcomes: Outcome[]) => {
    if (!dd) return runUnits(db.db, batch, outcomes)
    await db.db.connection().execute(async (conn) => {
      await sql`pragma synchronous = normal`.execute(conn)
      try {
        dd.pin()
        await runUnits(conn, batch, outcomes)
      } catch (e) {
        dd.unpin()
        throw e
      } finally {
        // Every other statement on this connection keeps the durable setting it was opened with.
        await sql`pragma synchronous = full`.execute(conn)
      }
      dd.seal()
    })
    await dd.flush()
  }
  const drain = async () => {
    running = true
    try {
      while (queue.length > 0) {
        const batch = queue.splice(0, maxBatch)
        const outcomes: Outcome[] = []
        try {
          await commitBatch(batch, outcomes)
          stats.commits += 1
          stats.units += batch.length
          batch.forEach((item, i) => {
            const o = outcomes[i]!
            if (o.ok) item.resolve(o.value)
            else item.reject(o.error)
          })
        } catch (commitError) {
          // Nothing in this batch is known to be durable: every caller hears so.
          for (const item of batch) item.reject(commitError)
        }
      }
    } finally {
      running = false
    }
  }
  const write = (<T>(work: (trx: Transaction<Database>) => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push({ work, resolve: resolve as (v: unknown) => void, reject })
      // Wait one turn of the event loop so requests that arrived together share the commit.
      if (!running) {
        running = true
        setImmediate(() => void drain())
      }
    })) as Write & { stats: WriterStats }
  write.stats = stats
  return write
}
