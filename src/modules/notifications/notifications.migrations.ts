import type { ModuleMigration } from '../../platform/db/index.js'

export const notificationsMigrations: ModuleMigration[] = [
  {
    name: '2026_11_26_1950_notifications_tables',
    async up(db, dialect) {
      const fk = dialect === 'postgres' ? 'bigint' : 'integer'
      await db.schema
        .createTable('notifications_preference')
        .addColumn('user_id', fk, (c) => c.notNull().references('accounts_user.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('notifications_preference_pk', ['user_id', 'kind'])
        .execute()
      await db.schema
        .createTable('notifications_outcome_sent')
        .addColumn('user_id', fk, (c) => c.notNull().references('accounts_user.id'))
        .addColumn('event_key', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('notifications_outcome_sent_pk', ['user_id', 'event_key'])
        .execute()
    },
  },
]
