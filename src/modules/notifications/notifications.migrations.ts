import { idColumn, type ModuleMigration } from '../../platform/db/index.js'

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
  {
    // Issue 9: someone answering a consultation without an account may leave an email address to hear what happens.
    name: '2026_11_28_1110_notifications_outcome_contacts',
    async up(db, dialect) {
      const fk = dialect === 'postgres' ? 'bigint' : 'integer'
      await idColumn(db.schema.createTable('notifications_outcome_contact'), dialect)
        .addColumn('ward_id', fk, (c) => c.notNull().references('tenancy_ward.id'))
        // The response whose chain decides which outcomes this address hears of (no FK: responses are engagement's).
        .addColumn('response_id', fk, (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('language', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('unsubscribed_at', 'text')
        .execute()
      await db.schema
        .createIndex('notifications_outcome_contact_ward_idx')
        .on('notifications_outcome_contact')
        .column('ward_id')
        .execute()
      await db.schema
        .createIndex('notifications_outcome_contact_email_idx')
        .on('notifications_outcome_contact')
        .column('email')
        .execute()
      await db.schema
        .createTable('notifications_contact_outcome_sent')
        .addColumn('contact_id', fk, (c) => c.notNull().references('notifications_outcome_contact.id'))
        .addColumn('event_key', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('notifications_contact_outcome_sent_pk', ['contact_id', 'event_key'])
        .execute()
    },
  },
]
