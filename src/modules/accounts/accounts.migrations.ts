import { idColumn, type ModuleMigration } from '../../platform/db/index.js'

export const accountsMigrations: ModuleMigration[] = [
  {
    name: '2026_11_26_1220_accounts_user_roles_resets',
    async up(db, dialect) {
      const fk = dialect === 'postgres' ? 'bigint' : 'integer'
      await idColumn(db.schema.createTable('accounts_user'), dialect)
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('postcode', 'text', (c) => c.notNull())
        .addColumn('home_ward_id', fk, (c) => c.references('tenancy_ward.id'))
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('totp_secret', 'text')
        .addColumn('totp_enabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('totp_last_step', fk)
        .addColumn('is_demo', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('is_disabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute()
      await idColumn(db.schema.createTable('accounts_role_grant'), dialect)
        .addColumn('user_id', fk, (c) => c.notNull().references('accounts_user.id').onDelete('cascade'))
        .addColumn('council_id', fk, (c) => c.notNull().references('tenancy_council.id'))
        .addColumn('ward_id', fk, (c) => c.references('tenancy_ward.id'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('granted_by_user_id', fk)
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('accounts_role_grant_user_idx').on('accounts_role_grant').column('user_id').execute()
      await db.schema
        .createIndex('accounts_role_grant_ward_idx')
        .on('accounts_role_grant')
        .columns(['ward_id', 'role'])
        .execute()
      await idColumn(db.schema.createTable('accounts_password_reset'), dialect)
        .addColumn('user_id', fk, (c) => c.notNull().references('accounts_user.id').onDelete('cascade'))
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute()
    },
  },
  {
    // The language each person's emails are written in (issue 9): null until they choose one, then the tenant's
    // first language applies. Set when they switch language while signed in, or on their email preferences page.
    name: '2026_11_28_1100_accounts_language',
    async up(db) {
      await db.schema.alterTable('accounts_user').addColumn('preferred_language', 'text').execute()
    },
  },
]
