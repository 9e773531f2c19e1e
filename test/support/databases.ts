import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { connectDatabase, type Db, type Dialect } from '../../src/platform/db/index.js'

/**
 * The databases every database test runs against (Kysely's DIALECTS habit): SQLite always, and
 * PostgreSQL when TEST_DATABASE_URL is set or the local server answers. On CI PostgreSQL is required.
 */
export interface TestDatabase {
  dialect: Dialect
  /** A fresh, empty database (a temp file, or a new schema); `dispose` removes it. */
  create(): Promise<TestDb>
}

export interface TestDb extends Db {
  url: string
  searchPath?: string
  dispose(): Promise<void>
}

const DEFAULT_PG = 'postgres://postgres@127.0.0.1:5432/test'

let pgAvailable: Promise<string | undefined> | undefined

async function probePostgres(): Promise<string | undefined> {
  const url = process.env.TEST_DATABASE_URL ?? DEFAULT_PG
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1500 })
  try {
    await client.connect()
    await client.query('select 1')
    return url
  } catch (e) {
    if (process.env.CI === 'true' || process.env.TEST_DATABASE_URL) {
      throw new Error(
        `PostgreSQL is required here but ${url} does not answer: ${e instanceof Error ? e.message : String(e)}`,
      )
    }
    return undefined
  } finally {
    await client.end().catch(() => undefined)
  }
}

export function postgresUrl(): Promise<string | undefined> {
  pgAvailable ??= probePostgres()
  return pgAvailable
}

const sqlite: TestDatabase = {
  dialect: 'sqlite',
  async create() {
    const dir = mkdtempSync(path.join(tmpdir(), 'wt-test-'))
    const file = path.join(dir, 'test.sqlite')
    const db = connectDatabase({ kind: 'sqlite', file })
    return {
      ...db,
      url: `sqlite:${file}`,
      async dispose() {
        await db.close()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  },
}

function postgres(url: string): TestDatabase {
  return {
    dialect: 'postgres',
    async create() {
      const schema = `t_${process.pid}_${Math.random().toString(36).slice(2, 10)}`
      const admin = new pg.Client({ connectionString: url })
      await admin.connect()
      await admin.query(`create schema ${schema}`)
      await admin.end()
      const db = connectDatabase({ kind: 'postgres', url }, { searchPath: schema, poolSize: 5 })
      return {
        ...db,
        url,
        searchPath: schema,
        async dispose() {
          await db.close()
          const c = new pg.Client({ connectionString: url })
          await c.connect()
          await c.query(`drop schema if exists ${schema} cascade`)
          await c.end()
        },
      }
    },
  }
}

/** SQLite, plus PostgreSQL when reachable. Use with `for (const d of await testDatabases())`. */
export async function testDatabases(): Promise<TestDatabase[]> {
  const url = await postgresUrl()
  return url ? [sqlite, postgres(url)] : [sqlite]
}

/** `{ skip }` for a PostgreSQL-only test when PostgreSQL is not here (never on CI: probing throws there). */
export async function needsPostgres(): Promise<{ skip?: string }> {
  return (await postgresUrl()) ? {} : { skip: 'PostgreSQL not reachable (set TEST_DATABASE_URL to run)' }
}
