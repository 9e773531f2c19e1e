import { idColumn, type ModuleMigration } from '../../platform/db/index.js'

export const directoryMigrations: ModuleMigration[] = [
  {
    name: '2026_11_26_1510_directory_tables',
    async up(db, dialect) {
      const fk = dialect === 'postgres' ? 'bigint' : 'integer'
      await idColumn(db.schema.createTable('directory_organisation'), dialect)
        .addColumn('uuid', 'text', (c) => c.notNull().unique())
        .addColumn('ward_id', fk, (c) => c.notNull().references('tenancy_ward.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('website', 'text', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('charity_number', 'text', (c) => c.notNull())
        .addColumn('company_number', 'text', (c) => c.notNull())
        .addColumn('is_demo', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute()
      await db.schema
        .createTable('directory_org_user')
        .addColumn('organisation_id', fk, (c) => c.notNull().references('directory_organisation.id'))
        // One organisation per provider account: what "their own organisation" means is never ambiguous.
        .addColumn('user_id', fk, (c) => c.notNull().unique().references('accounts_user.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('directory_org_user_pk', ['organisation_id', 'user_id'])
        .execute()
      await idColumn(db.schema.createTable('directory_service'), dialect)
        .addColumn('uuid', 'text', (c) => c.notNull().unique())
        .addColumn('organisation_id', fk, (c) => c.notNull().references('directory_organisation.id'))
        .addColumn('ward_id', fk, (c) => c.notNull().references('tenancy_ward.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('themes_json', 'text', (c) => c.notNull())
        .addColumn('location_name', 'text', (c) => c.notNull())
        .addColumn('address', 'text', (c) => c.notNull())
        .addColumn('postcode', 'text', (c) => c.notNull())
        .addColumn('days_json', 'text', (c) => c.notNull())
        .addColumn('opens_at', 'text', (c) => c.notNull())
        .addColumn('closes_at', 'text', (c) => c.notNull())
        .addColumn('min_age', 'integer')
        .addColumn('max_age', 'integer')
        .addColumn('cost_pence', fk)
        .addColumn('languages_json', 'text', (c) => c.notNull())
        .addColumn('accessibility', 'text', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('directory_service_ward_idx').on('directory_service').column('ward_id').execute()
    },
  },
]
