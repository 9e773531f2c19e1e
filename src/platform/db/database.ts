import { mkdirSync } from 'node:fs'
import path from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely'
import pg from 'pg'
import type { DatabaseConfig } from '../../config.js'
import type { Database } from './schema.js'

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
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
    return {
      db,
      dialect: 'postgres',
      schema: options.searchPath ?? 'public',
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
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) })
  return {
    db,
    dialect: 'sqlite',
    close: () => db.destroy(),
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
function withStatementCache(sqlite: SQLite.Database, size = 500) {
  const cache = new Map<string, SQLite.Statement>()
  return {
    close: () => sqlite.close(),
    prepare(text: string): SQLite.Statement {
      let stmt = cache.get(text)
      if (stmt) {
        cache.delete(text)
      } else {
        stmt = sqlite.prepare(text)
        if (cache.size >= size) cache.delete(cache.keys().next().value!)
      }
      cache.set(text, stmt)
      return stmt
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
