import { sql, type ColumnDefinitionBuilder, type CreateTableBuilder, type Kysely, type RawBuilder } from 'kysely'
import type { Dialect } from './database.js'

/** The one place where SQLite and PostgreSQL DDL differ, for migrations. */
export function idColumn<T extends string>(table: CreateTableBuilder<T, never>, dialect: Dialect, name = 'id') {
  return dialect === 'postgres'
    ? table.addColumn(name, 'bigserial', (c) => c.primaryKey())
    : table.addColumn(name, 'integer', (c) => c.primaryKey().autoIncrement())
}

/** Default for `created_at`-style columns: ISO-8601 UTC text with milliseconds in both dialects. */
export function nowIso(dialect: Dialect): RawBuilder<string> {
  return dialect === 'postgres'
    ? sql`(to_char(now() at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`
    : sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`
}

export function bigintType(dialect: Dialect): 'bigint' | 'integer' {
  return dialect === 'postgres' ? 'bigint' : 'integer'
}

export function flagColumn(c: ColumnDefinitionBuilder, value: 0 | 1 = 0): ColumnDefinitionBuilder {
  return c.notNull().defaultTo(value)
}

export type MigrationDb = Kysely<unknown>

/** Case-insensitive containment that behaves the same on both engines. */
export function containsInsensitive(column: string, needle: string): RawBuilder<boolean> {
  const escaped = needle.toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`)
  return sql<boolean>`lower(${sql.ref(column)}) like ${`%${escaped}%`} escape '\\'`
}
