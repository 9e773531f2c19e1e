import { createReadStream, createWriteStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { once } from 'node:events'
import { sql, type Kysely } from 'kysely'
import type { Db } from './database.js'
import type { Database } from './schema.js'

/**
 * A portable backup: newline-delimited JSON, one header line then one line per row, tables in
 * foreign-key order. The same file restores into SQLite or PostgreSQL, which is also how a council
 * moves from the embedded database to a shared one.
 */
export const BACKUP_FORMAT = 'working-together/backup@1'

interface Header {
  format: typeof BACKUP_FORMAT
  createdAt: string
  dialect: string
  migrations: string[]
  tables: { name: string; rows: number }[]
}

type AnyDb = Kysely<Record<string, Record<string, unknown>>>

/** Tables that migrations fill with a starting row; a restore replaces those rows rather than refusing. */
const SEEDED_BY_MIGRATIONS = new Set(['audit_head'])

async function ownTables(db: Db) {
  const all = await db.db.introspection.getTables()
  return db.dialect === 'postgres' ? all.filter((t) => t.schema === (db.schema ?? 'public')) : all
}

async function listTables(db: Db): Promise<string[]> {
  const tables = (await ownTables(db)).map((t) => t.name).filter((n) => !n.startsWith('kysely_'))
  const deps = new Map<string, Set<string>>()
  for (const t of tables) deps.set(t, new Set())
  if (db.dialect === 'sqlite') {
    for (const t of tables) {
      const r = await sql<{ table: string }>`select "table" from pragma_foreign_key_list(${t})`.execute(db.db)
      for (const row of r.rows) if (row.table !== t) deps.get(t)!.add(row.table)
    }
  } else {
    const r = await sql<{ child: string; parent: string }>`
      select tc.table_name as child, ccu.table_name as parent
      from information_schema.table_constraints tc
      join information_schema.constraint_column_usage ccu on ccu.constraint_name = tc.constraint_name and ccu.table_schema = tc.table_schema
      where tc.constraint_type = 'FOREIGN KEY' and tc.table_schema = current_schema()`.execute(db.db)
    for (const row of r.rows) if (row.child !== row.parent) deps.get(row.child)?.add(row.parent)
  }
  const ordered: string[] = []
  const visit = (t: string, path: Set<string>) => {
    if (ordered.includes(t)) return
    if (path.has(t)) throw new Error(`foreign-key cycle through ${t}`)
    path.add(t)
    for (const d of [...(deps.get(t) ?? [])].sort()) if (deps.has(d)) visit(d, path)
    path.delete(t)
    ordered.push(t)
  }
  for (const t of [...tables].sort()) visit(t, new Set())
  return ordered
}

async function appliedMigrations(db: Db): Promise<string[]> {
  const table =
    db.dialect === 'postgres' ? sql.table(`${db.schema ?? 'public'}.kysely_migration`) : sql.table('kysely_migration')
  const r = await sql<{ name: string }>`select name from ${table} order by name`.execute(db.db)
  return r.rows.map((x) => x.name)
}

export async function backupDatabase(db: Db, file: string): Promise<Header> {
  const tables = await listTables(db)
  const header: Header = {
    format: BACKUP_FORMAT,
    createdAt: new Date().toISOString(),
    dialect: db.dialect,
    migrations: await appliedMigrations(db),
    tables: [],
  }
  const counts: { name: string; rows: number }[] = []
  const out = createWriteStream(file, { encoding: 'utf8' })
  const lines: string[] = []
  // One read transaction: a consistent snapshot even while the app keeps writing.
  await db.db.transaction().execute(async (trx) => {
    const t = trx as unknown as AnyDb
    for (const name of tables) {
      const rows = await t.selectFrom(name).selectAll().execute()
      counts.push({ name, rows: rows.length })
      for (const row of rows) lines.push(JSON.stringify({ t: name, r: row }))
    }
  })
  header.tables = counts
  out.write(`${JSON.stringify(header)}\n`)
  for (const line of lines) if (!out.write(`${line}\n`)) await once(out, 'drain')
  out.end()
  await once(out, 'finish')
  return header
}

export class RestoreError extends Error {}

/** Restores into an already-migrated database; refuses a non-empty one unless `replace` is set. */
export async function restoreDatabase(db: Db, file: string, options: { replace?: boolean } = {}): Promise<Header> {
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity })
  let header: Header | undefined
  const rowsByTable = new Map<string, Record<string, unknown>[]>()
  for await (const line of rl) {
    if (!line) continue
    const v = JSON.parse(line) as unknown
    if (!header) {
      if ((v as Header).format !== BACKUP_FORMAT) throw new RestoreError('not a Working Together backup file')
      header = v as Header
      continue
    }
    const { t, r } = v as { t: string; r: Record<string, unknown> }
    let list = rowsByTable.get(t)
    if (!list) rowsByTable.set(t, (list = []))
    list.push(r)
  }
  if (!header) throw new RestoreError('backup file is empty')
  const ours = await appliedMigrations(db)
  const missing = header.migrations.filter((m) => !ours.includes(m))
  if (missing.length > 0)
    throw new RestoreError(`backup needs migrations this version does not have: ${missing.join(', ')}`)
  const tables = await listTables(db)
  for (const t of rowsByTable.keys()) if (!tables.includes(t)) throw new RestoreError(`backup has unknown table ${t}`)

  await db.db.transaction().execute(async (trx) => {
    const t = trx as unknown as AnyDb
    if (!options.replace) {
      for (const name of tables.filter((n) => !SEEDED_BY_MIGRATIONS.has(n))) {
        const c = await t
          .selectFrom(name)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
        if (Number(c.n) > 0)
          throw new RestoreError(`table ${name} is not empty: restore into a new database, or pass --replace`)
      }
      for (const name of tables.filter((n) => SEEDED_BY_MIGRATIONS.has(n))) await t.deleteFrom(name).execute()
    } else {
      for (const name of [...tables].reverse()) await t.deleteFrom(name).execute()
    }
    for (const name of tables) {
      const rows = rowsByTable.get(name) ?? []
      for (let i = 0; i < rows.length; i += 200)
        await t
          .insertInto(name)
          .values(rows.slice(i, i + 200))
          .execute()
    }
    if (db.dialect === 'postgres') {
      // Identity sequences must continue after the restored ids.
      const withId = (await ownTables(db)).filter((x) => x.columns.some((c) => c.name === 'id')).map((x) => x.name)
      for (const name of tables.filter((n) => withId.includes(n))) {
        const seq = await sql<{ s: string | null }>`select pg_get_serial_sequence(${name}, 'id') as s`.execute(trx)
        const s = seq.rows[0]?.s
        if (s)
          await sql`select setval(${s}, coalesce((select max(id) from ${sql.table(name)}), 0) + 1, false)`.execute(trx)
      }
    }
  })
  return header
}

export type { Database }
