import { idColumn, type ModuleMigration } from '../../platform/db/index.js'

export const ideasMigrations: ModuleMigration[] = [
  {
    name: '2026_11_26_1700_ideas_tables',
    async up(db, dialect) {
      const fk = dialect === 'postgres' ? 'bigint' : 'integer'
      await idColumn(db.schema.createTable('ideas_idea'), dialect)
        .addColumn('ward_id', fk, (c) => c.notNull().references('tenancy_ward.id'))
        .addColumn('author_user_id', fk, (c) => c.notNull().references('accounts_user.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('theme_id', fk, (c) => c.notNull().references('engagement_theme.id'))
        .addColumn('postcode', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('status_reason', 'text')
        .addColumn('hidden_at', 'text')
        .addColumn('hidden_reason', 'text')
        .addColumn('hidden_by_user_id', fk)
        .addColumn('is_demo', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('ideas_idea_ward_idx').on('ideas_idea').column('ward_id').execute()
      await db.schema
        .createTable('ideas_support')
        .addColumn('idea_id', fk, (c) => c.notNull().references('ideas_idea.id'))
        .addColumn('user_id', fk, (c) => c.notNull().references('accounts_user.id'))
        .addColumn('ward_id', fk, (c) => c.notNull().references('tenancy_ward.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('ideas_support_pk', ['idea_id', 'user_id'])
        .execute()
      await idColumn(db.schema.createTable('ideas_comment'), dialect)
        .addColumn('ward_id', fk, (c) => c.notNull().references('tenancy_ward.id'))
        .addColumn('idea_id', fk, (c) => c.notNull().references('ideas_idea.id'))
        .addColumn('author_user_id', fk, (c) => c.notNull().references('accounts_user.id'))
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('is_official', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('hidden_at', 'text')
        .addColumn('hidden_reason', 'text')
        .addColumn('hidden_by_user_id', fk)
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('ideas_comment_idea_idx').on('ideas_comment').column('idea_id').execute()
      await idColumn(db.schema.createTable('ideas_report'), dialect)
        .addColumn('ward_id', fk, (c) => c.notNull().references('tenancy_ward.id'))
        .addColumn('idea_id', fk, (c) => c.notNull().references('ideas_idea.id'))
        .addColumn('comment_id', fk, (c) => c.references('ideas_comment.id'))
        .addColumn('reporter_user_id', fk, (c) => c.notNull().references('accounts_user.id'))
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('resolved_at', 'text')
        .execute()
      await db.schema.createIndex('ideas_report_ward_idx').on('ideas_report').column('ward_id').execute()
    },
  },
]
