import { idColumn, type ModuleMigration } from '../../platform/db/index.js'

export const siteMigrations: ModuleMigration[] = [
  {
    name: '2026_11_26_1230_site_feedback',
    async up(db, dialect) {
      const fk = dialect === 'postgres' ? 'bigint' : 'integer'
      await idColumn(db.schema.createTable('site_feedback'), dialect)
        .addColumn('ward_id', fk, (c) => c.notNull().references('tenancy_ward.id'))
        .addColumn('user_id', fk)
        .addColumn('submission_key', 'text', (c) => c.notNull().unique())
        .addColumn('rating', 'text', (c) => c.notNull())
        .addColumn('comments', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('site_feedback_ward_idx').on('site_feedback').column('ward_id').execute()
    },
  },
]
