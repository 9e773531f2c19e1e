import { flagColumn, idColumn, type ModuleMigration } from '../../platform/db/index.js'

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
  {
    // Venues an officer keeps for outreach; plans assigned to people and their results; Equality Impact Assessments.
    name: '2026_11_27_1000_reach_venues_assignments_eia',
    async up(db, dialect) {
      const fk = dialect === 'postgres' ? 'bigint' : 'integer'
      await idColumn(db.schema.createTable('reach_venue'), dialect)
        .addColumn('ward_id', fk, (c) => c.notNull().references('tenancy_ward.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('address', 'text', (c) => c.notNull())
        .addColumn('postcode', 'text')
        .addColumn('lsoa_code', 'text')
        .addColumn('oa_code', 'text')
        .addColumn('accessibility', 'text', (c) => c.notNull())
        .addColumn('notes', 'text', (c) => c.notNull())
        .addColumn('is_demo', 'integer', (c) => flagColumn(c))
        .addColumn('created_by_user_id', fk)
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('reach_venue_ward_idx').on('reach_venue').column('ward_id').execute()

      await db.schema
        .alterTable('reach_outreach_plan')
        .addColumn('venue_id', fk, (c) => c.references('reach_venue.id').onDelete('set null'))
        .execute()
      await db.schema
        .alterTable('reach_outreach_plan')
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('planned'))
        .execute()
      await db.schema.alterTable('reach_outreach_plan').addColumn('people_reached', 'integer').execute()
      await db.schema.alterTable('reach_outreach_plan').addColumn('responses_collected', 'integer').execute()
      await db.schema.alterTable('reach_outreach_plan').addColumn('result_notes', 'text').execute()
      await db.schema.alterTable('reach_outreach_plan').addColumn('result_by_user_id', fk).execute()
      await db.schema.alterTable('reach_outreach_plan').addColumn('result_at', 'text').execute()
      await db.schema
        .alterTable('reach_outreach_plan')
        .addColumn('is_demo', 'integer', (c) => flagColumn(c))
        .execute()

      await db.schema
        .createTable('reach_plan_assignee')
        .addColumn('plan_id', fk, (c) => c.notNull().references('reach_outreach_plan.id').onDelete('cascade'))
        .addColumn('user_id', fk, (c) => c.notNull().references('accounts_user.id'))
        .addPrimaryKeyConstraint('reach_plan_assignee_pk', ['plan_id', 'user_id'])
        .execute()
      await db.schema.createIndex('reach_plan_assignee_user_idx').on('reach_plan_assignee').column('user_id').execute()

      await idColumn(db.schema.createTable('reach_eia'), dialect)
        .addColumn('ward_id', fk, (c) => c.notNull().references('tenancy_ward.id'))
        .addColumn('subject_kind', 'text', (c) => c.notNull())
        .addColumn('subject_id', fk, (c) => c.notNull())
        .addColumn('subject_label', 'text', (c) => c.notNull())
        .addColumn('summary', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('is_demo', 'integer', (c) => flagColumn(c))
        .addColumn('created_by_user_id', fk)
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_by_user_id', fk)
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('signed_off_by_user_id', fk)
        .addColumn('signed_off_at', 'text')
        .execute()
      await db.schema.createIndex('reach_eia_ward_idx').on('reach_eia').columns(['ward_id', 'subject_kind']).execute()
      await db.schema
        .createTable('reach_eia_impact')
        .addColumn('eia_id', fk, (c) => c.notNull().references('reach_eia.id').onDelete('cascade'))
        .addColumn('characteristic', 'text', (c) => c.notNull())
        .addColumn('impact', 'text', (c) => c.notNull())
        .addColumn('evidence', 'text', (c) => c.notNull())
        .addColumn('reach_evidence_json', 'text')
        .addColumn('mitigation', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('reach_eia_impact_pk', ['eia_id', 'characteristic'])
        .execute()
      // The EIA's own trail, shown on its page (the platform audit log has the same events, for admins).
      await idColumn(db.schema.createTable('reach_eia_event'), dialect)
        .addColumn('eia_id', fk, (c) => c.notNull().references('reach_eia.id').onDelete('cascade'))
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('user_id', fk)
        .addColumn('at', 'text', (c) => c.notNull())
        .execute()
    },
  },
]
