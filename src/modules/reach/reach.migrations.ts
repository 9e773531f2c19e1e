import { idColumn, type ModuleMigration } from '../../platform/db/index.js'

export const reachMigrations: ModuleMigration[] = [
  {
    name: '2026_11_26_1600_reach_outreach_plan',
    async up(db, dialect) {
      const fk = dialect === 'postgres' ? 'bigint' : 'integer'
      await idColumn(db.schema.createTable('reach_outreach_plan'), dialect)
        .addColumn('ward_id', fk, (c) => c.notNull().references('tenancy_ward.id'))
        .addColumn('target_kind', 'text', (c) => c.notNull())
        .addColumn('target_key', 'text', (c) => c.notNull())
        .addColumn('target_label', 'text', (c) => c.notNull())
        .addColumn('place', 'text', (c) => c.notNull())
        .addColumn('planned_on', 'text', (c) => c.notNull())
        .addColumn('assigned_to', 'text', (c) => c.notNull())
        .addColumn('notes', 'text', (c) => c.notNull())
        .addColumn('created_by_user_id', fk)
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute()
      await db.schema
        .createIndex('reach_outreach_plan_ward_idx')
        .on('reach_outreach_plan')
        .columns(['ward_id', 'planned_on'])
        .execute()
    },
  },
]
