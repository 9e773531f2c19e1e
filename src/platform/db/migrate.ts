import { Migrator, type Migration, type MigrationProvider, type Kysely } from 'kysely'
import type { Db, Dialect } from './database.js'

/**
 * A module's migrations: names must sort globally (YYYY_MM_DD_HHMM_module_what), bodies take
 * Kysely<any>-like handles on purpose so old migrations keep compiling as the schema moves on.
 */
export interface ModuleMigration {
  name: string
  up(db: Kysely<unknown>, dialect: Dialect): Promise<void>
  down?(db: Kysely<unknown>, dialect: Dialect): Promise<void>
}

class StaticProvider implements MigrationProvider {
  constructor(
    private readonly list: ModuleMigration[],
    private readonly dialect: Dialect,
  ) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {}
    for (const m of this.list) {
      if (out[m.name]) throw new Error(`duplicate migration name ${m.name}`)
      const dialect = this.dialect
      out[m.name] = {
        up: (db) => m.up(db as unknown as Kysely<unknown>, dialect),
        ...(m.down ? { down: (db: Kysely<never>) => m.down!(db as unknown as Kysely<unknown>, dialect) } : {}),
      }
    }
    return out
  }
}

export interface MigrateResult {
  applied: string[]
}

export async function migrateToLatest(db: Db, migrations: ModuleMigration[]): Promise<MigrateResult> {
  const migrator = new Migrator({
    db: db.db,
    provider: new StaticProvider(migrations, db.dialect),
    // Kysely looks for its bookkeeping tables in every schema unless told which one is ours.
    ...(db.dialect === 'postgres' ? { migrationTableSchema: db.schema ?? 'public' } : {}),
  })
  const { error, results } = await migrator.migrateToLatest()
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')
    throw new Error(
      `migration ${failed?.migrationName ?? '(unknown)'} failed: ${String(error instanceof Error ? error.message : error)}`,
      { cause: error },
    )
  }
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) }
}
