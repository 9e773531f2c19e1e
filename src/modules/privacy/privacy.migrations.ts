import { idColumn, type ModuleMigration } from '../../platform/db/index.js'

export const privacyMigrations: ModuleMigration[] = [
  {
    name: '2026_11_26_2300_privacy_tables',
    async up(db, dialect) {
      const fk = dialect === 'postgres' ? 'bigint' : 'integer'
      await idColumn(db.schema.createTable('privacy_erasure_request'), dialect)
        // No foreign key: the account row becomes a tombstone, and the request must outlive any later cleanup.
        .addColumn('user_id', fk, (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('requested_at', 'text', (c) => c.notNull())
        .addColumn('due_at', 'text', (c) => c.notNull())
        .addColumn('processed_at', 'text')
        .addColumn('processed_by_user_id', fk)
        .addColumn('cancelled_at', 'text')
        .addColumn('outcome_json', 'text')
        .execute()
      await db.schema
        .createIndex('privacy_erasure_request_status_idx')
        .on('privacy_erasure_request')
        .columns(['status', 'due_at'])
        .execute()
      await db.schema
        .createIndex('privacy_erasure_request_user_idx')
        .on('privacy_erasure_request')
        .column('user_id')
        .execute()
    },
  },
]
