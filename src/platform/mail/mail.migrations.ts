import type { ModuleMigration } from '../db/index.js'

export const mailMigrations: ModuleMigration[] = [
  {
    // The relay needs to know what it tried (and when to try again) so a failure loses nothing and spams nobody.
    name: '2026_11_26_1710_mail_outbox_relay',
    async up(db) {
      await db.schema
        .alterTable('mail_outbox')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .execute()
      await db.schema.alterTable('mail_outbox').addColumn('last_error', 'text').execute()
      await db.schema.alterTable('mail_outbox').addColumn('next_attempt_at', 'text').execute()
      await db.schema.alterTable('mail_outbox').addColumn('claimed_until', 'text').execute()
      await db.schema.alterTable('mail_outbox').addColumn('headers_json', 'text').execute()
    },
  },
]
