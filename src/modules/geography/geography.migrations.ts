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
  {
    // Census reference figures per LSOA, replaced per ward by each geography pack import.
    name: '2026_11_26_1240_geography_figure',
    async up(db, dialect) {
      await idColumn(db.schema.createTable('geography_figure'), dialect)
        .addColumn('ward_id', dialect === 'postgres' ? 'bigint' : 'integer', (c) =>
          c.notNull().references('tenancy_ward.id'),
        )
        .addColumn('area_code', 'text', (c) => c.notNull())
        .addColumn('characteristic', 'text', (c) => c.notNull())
        .addColumn('category', 'text', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addColumn('universe', 'text', (c) => c.notNull())
        .addColumn('dataset', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addUniqueConstraint('geography_figure_cell_uq', ['area_code', 'characteristic', 'category'])
        .execute()
      await db.schema
        .createIndex('geography_figure_ward_idx')
        .on('geography_figure')
        .columns(['ward_id', 'characteristic'])
        .execute()
    },
  },
]
