import { closeSync, fdatasync, fdatasyncSync, fstatSync, mkdirSync, openSync } from 'node:fs'
import path from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, SqliteDialect, sql } from 'kysely'
import pg from 'pg'
import type { DatabaseConfig } from '../../config.js'
import type { Database } from './schema.js'
import { SchemaScopedPostgresDialect } from './scoped-introspector.js'

export type Dialect = 'sqlite' | 'postgres'

export interface Db {
  db: Kysely<Database>
  dialect: Dialect
  /** PostgreSQL schema the tables live in (introspection and migrations must not see other schemas). */
  schema?: string
  /** Closes the pool or file handle. */
  close(): Promise<void>
  /** What the durability promise rests on, read back from the engine (not what we asked for). */
  settings(): Promise<Record<string, string>>
  /** SQLite files only: lets the group-commit writer flush its commits off the event loop (ADR 0009). */
  deferredDurability?: DeferredDurability
}

/**
 * How the writer commits a batch on SQLite without stopping the event loop for the fsync that `synchronous=FULL`
 * would do inside COMMIT, and without anything seeing the batch before it is durable:
 *   pin()   before BEGIN (writer holds the connection): a second, read-only connection opens a read transaction on the
 *           database as it is now, before the batch;
 *   seal()  after COMMIT, still holding the connection: from now until the log is flushed, plain reads run on that
 *           pinned snapshot (so no reply can rest on the batch), and any other statement first flushes the log
 *           synchronously (rare: everything hot writes through the writer);
 *   flush() with the connection released: fdatasync of the write-ahead log on the thread pool, then readers see the
 *           batch; the writer answers its callers only after this;
 *   unpin() the batch did not commit.
 */
export interface DeferredDurability {
  pin(): void
  seal(): void
  flush(): Promise<void>
  unpin(): void
}

// int8 (count, sum) would otherwise arrive as strings; our counts fit in a double.
pg.types.setTypeParser(20, (v) => Number(v))

export interface ConnectOptions {
  /** PostgreSQL only: run every connection with this search_path (tests use one schema each). */
  searchPath?: string
  poolSize?: number
}

export function connectDatabase(config: DatabaseConfig, options: ConnectOptions = {}): Db {
  if (config.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: config.url,
      max: options.poolSize ?? 10,
      ...(options.searchPath ? { options: `-c search_path=${options.searchPath}` } : {}),
    })
    const schema = options.searchPath ?? 'public'
    const db = new Kysely<Database>({ dialect: new SchemaScopedPostgresDialect({ pool }, schema) })
    return {
      db,
      dialect: 'postgres',
      schema,
      close: () => db.destroy(),
      async settings() {
        const r = await sql<{
          synchronous_commit: string
          fsync: string
        }>`select current_setting('synchronous_commit') as synchronous_commit, current_setting('fsync') as fsync`.execute(
          db,
        )
        const row = r.rows[0]
        return { synchronous_commit: row?.synchronous_commit ?? '', fsync: row?.fsync ?? '' }
      },
    }
  }
  if (config.file !== ':memory:') mkdirSync(path.dirname(config.file), { recursive: true })
  const sqlite = new SQLite(config.file)
  // WAL lets readers run beside the writer; FULL makes every acknowledged commit survive power loss
  // (NORMAL in WAL mode can lose the last commits, which would break "nothing acknowledged is lost").
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = FULL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('busy_timeout = 5000')
  const deferred = config.file === ':memory:' ? undefined : createDeferredDurability(sqlite, config.file)
  const statements = statementCache(sqlite)
  const database = {
    close() {
      deferred?.close()
      sqlite.close()
    },
    prepare: (text: string) => deferred?.route(text, statements) ?? statements(text),
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) })
  return {
    db,
    dialect: 'sqlite',
    close: () => db.destroy(),
    ...(deferred ? { deferredDurability: deferred } : {}),
    async settings() {
      const journal = String(sqlite.pragma('journal_mode', { simple: true }))
      const synchronous = Number(sqlite.pragma('synchronous', { simple: true }))
      const names = ['OFF', 'NORMAL', 'FULL', 'EXTRA']
      return { journal_mode: journal, synchronous: names[synchronous] ?? String(synchronous) }
    },
  }
}

/**
 * Kysely prepares every query afresh; preparing is a measurable share of a request on SQLite.
 * Statements are reusable and better-sqlite3 runs them synchronously, so a small LRU of them by SQL
 * text is safe on the single connection.
 */
function statementCache(sqlite: SQLite.Database, size = 500): (text: string) => SQLite.Statement {
  const cache = new Map<string, SQLite.Statement>()
  return (text) => {
    let stmt = cache.get(text)
    if (stmt) {
      cache.delete(text)
    } else {
      stmt = sqlite.prepare(text)
      if (cache.size >= size) cache.delete(cache.keys().next().value!)
    }
    cache.set(text, stmt)
    return stmt
  }
}

function createDeferredDurability(sqlite: SQLite.Database, file: string) {
  let state: 'idle' | 'pinned' | 'sealed' = 'idle'
  let generation = 0
  let reader: { db: SQLite.Database; prepare: (text: string) => SQLite.Statement } | undefined
  let logFd: number | undefined
  // SQLite checkpoints when a commit finds the log over 1,000 pages, but the snapshot pinned for a batch stops such a
  // checkpoint from finishing, so every following batch would try again (each time with its fsyncs on the event
  // loop). So batches commit without it, and the log is checkpointed once it has passed that size, when the flush is
  // done and nothing is pinned; it then restarts from its beginning.
  const autocheckpoint = Number(sqlite.pragma('wal_autocheckpoint', { simple: true }))
  const checkpointBytes = Math.max(autocheckpoint, 1) * Number(sqlite.pragma('page_size', { simple: true }))
  // A restarted log is rewritten from its start but keeps its length; cut it back to that size on restart, so a log
  // longer than it means the log has really passed the size again.
  sqlite.pragma(`journal_size_limit = ${checkpointBytes}`)
  const end = () => {
    if (reader?.db.inTransaction) reader.prepare('commit').run()
    state = 'idle'
    sqlite.pragma(`wal_autocheckpoint = ${autocheckpoint}`)
    if (autocheckpoint > 0 && logFd !== undefined && !sqlite.inTransaction && fstatSync(logFd).size > checkpointBytes) {
      try {
        sqlite.pragma('wal_checkpoint(PASSIVE)')
      } catch {
        // A checkpoint that cannot run now loses nothing: the log keeps every commit, and the next flush tries again.
      }
    }
  }
  const syncNow = () => {
    // Something other than a plain read during the flush: make the batch durable before it can see or extend it.
    if (logFd !== undefined) fdatasyncSync(logFd)
    end()
  }
  return {
    pin() {
      if (!reader) {
        const db = new SQLite(file, { readonly: true, fileMustExist: true })
        db.pragma('busy_timeout = 5000')
        reader = { db, prepare: statementCache(db) }
      }
      // Kept open for the life of the connection; the log is only ever removed when the last connection closes.
      logFd ??= openSync(`${file}-wal`, 'r+')
      if (reader.db.inTransaction) reader.prepare('commit').run()
      sqlite.pragma('wal_autocheckpoint = 0')
      reader.prepare('begin').run()
      // A read transaction takes its snapshot at its first read.
      reader.prepare('select count(*) from sqlite_schema').get()
      state = 'pinned'
      generation += 1
    },
    seal() {
      state = 'sealed'
    },
    unpin() {
      end()
    },
    async flush() {
      const mine = generation
      const fd = logFd
      if (fd === undefined) throw new Error('the write-ahead log is not open')
      try {
        await new Promise<void>((resolve, reject) => fdatasync(fd, (e) => (e ? reject(e) : resolve())))
      } finally {
        if (state === 'sealed' && generation === mine) end()
      }
    },
    route(text: string, writerStatements: (text: string) => SQLite.Statement): SQLite.Statement {
      const stmt = writerStatements(text)
      if (state !== 'sealed') return stmt
      if (stmt.reader && stmt.readonly && !sqlite.inTransaction && reader) return reader.prepare(text)
      syncNow()
      return stmt
    },
    close() {
      reader?.db.close()
      reader = undefined
      if (logFd !== undefined) closeSync(logFd)
      logFd = undefined
    },
  }
}

/** Ensures the engine really runs with the durability settings the design promises; refuses to boot otherwise. */
export async function assertDurable(db: Db): Promise<Record<string, string>> {
  const s = await db.settings()
  if (db.dialect === 'sqlite') {
    const memory = s.journal_mode === 'memory'
    if (!memory && s.journal_mode !== 'wal') throw new Error(`SQLite journal_mode is ${s.journal_mode}, expected wal`)
    if (s.synchronous !== 'FULL') throw new Error(`SQLite synchronous is ${s.synchronous}, expected FULL`)
  } else if (s.fsync !== 'on' || s.synchronous_commit === 'off') {
    throw new Error(
      `PostgreSQL fsync=${s.fsync} synchronous_commit=${s.synchronous_commit}: acknowledged writes could be lost`,
    )
  }
  return s
}
