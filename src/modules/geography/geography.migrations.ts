import { idColumn, type ModuleMigration } from '../../platform/db/index.js'

export const geographyMigrations: ModuleMigration[] = [
  {
    name: '2026_11_26_1210_geography_area',
    async up(db, dialect) {
      const real = dialect === 'postgres' ? 'double precision' : 'real'
      await idColumn(db.schema.createTable('geography_area'), dialect)
        .addColumn('ward_id', dialect === 'postgres' ? 'bigint' : 'integer', (c) =>
          c.notNull().references('tenancy_ward.id'),
        )
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('code', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('parent_code', 'text')
        .addColumn('population', 'integer')
        .addColumn('imd_decile', 'integer')
        .addColumn('centroid_lat', real, (c) => c.notNull())
        .addColumn('centroid_lon', real, (c) => c.notNull())
        .addColumn('boundary_geojson', 'text')
        .execute()
      await db.schema.createIndex('geography_area_ward_idx').on('geography_area').columns(['ward_id', 'kind']).execute()
      await db.schema
        .createTable('geography_postcode')
        .addColumn('postcode', 'text', (c) => c.primaryKey())
        .addColumn('lat', real, (c) => c.notNull())
        .addColumn('lon', real, (c) => c.notNull())
        .addColumn('ward_id', dialect === 'postgres' ? 'bigint' : 'integer', (c) =>
          c.notNull().references('tenancy_ward.id'),
        )
        .execute()
      await db.schema.createIndex('geography_postcode_ward_idx').on('geography_postcode').column('ward_id').execute()
    },
  },
]
