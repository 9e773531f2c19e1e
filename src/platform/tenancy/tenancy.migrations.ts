import type { ModuleMigration } from '../db/migrate.js'
import { idColumn, nowIso } from '../db/dialect.js'

export const tenancyMigrations: ModuleMigration[] = [
  {
    name: '2026_11_26_1201_tenancy_council_ward',
    async up(db, dialect) {
      await idColumn(db.schema.createTable('tenancy_council'), dialect)
        .addColumn('code', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(nowIso(dialect)))
        .execute()
      await idColumn(db.schema.createTable('tenancy_ward'), dialect)
        .addColumn('council_id', dialect === 'postgres' ? 'bigint' : 'integer', (c) =>
          c.notNull().references('tenancy_council.id'),
        )
        .addColumn('code', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('programme_name', 'text', (c) => c.notNull())
        .addColumn('strapline', 'text', (c) => c.notNull())
        .addColumn('boundary_geojson', 'text')
        .addColumn('centroid_lat', dialect === 'postgres' ? 'double precision' : 'real')
        .addColumn('centroid_lon', dialect === 'postgres' ? 'double precision' : 'real')
        .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(nowIso(dialect)))
        .execute()
      await db.schema.createIndex('tenancy_ward_council_idx').on('tenancy_ward').column('council_id').execute()
    },
  },
]
