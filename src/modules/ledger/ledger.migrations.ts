import { sql } from 'kysely'
import { idColumn, type ModuleMigration } from '../../platform/db/index.js'

/** Ledger rows are never changed: corrections are reversing transactions. */
const APPEND_ONLY = ['ledger_pledge', 'ledger_pledge_approval', 'ledger_transaction', 'ledger_posting'] as const

export const ledgerMigrations: ModuleMigration[] = [
  {
    name: '2026_11_26_1500_ledger_tables',
    async up(db, dialect) {
      const fk = dialect === 'postgres' ? 'bigint' : 'integer'
      const money = dialect === 'postgres' ? 'bigint' : 'integer'
      await idColumn(db.schema.createTable('ledger_partner'), dialect)
        .addColumn('ward_id', fk, (c) => c.notNull().references('tenancy_ward.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('ledger_partner_ward_name_uq', ['ward_id', 'name'])
        .execute()
      await db.schema
        .createTable('ledger_partner_user')
        .addColumn('partner_id', fk, (c) => c.notNull().references('ledger_partner.id'))
        .addColumn('user_id', fk, (c) => c.notNull().references('accounts_user.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('ledger_partner_user_pk', ['partner_id', 'user_id'])
        .execute()
      await idColumn(db.schema.createTable('ledger_fund'), dialect)
        .addColumn('ward_id', fk, (c) => c.notNull().references('tenancy_ward.id'))
        .addColumn('financial_year', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('ledger_fund_ward_year_uq', ['ward_id', 'financial_year'])
        .execute()
      await idColumn(db.schema.createTable('ledger_transaction'), dialect)
        .addColumn('fund_id', fk, (c) => c.notNull().references('ledger_fund.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
        .addColumn('request_hash', 'text', (c) => c.notNull())
        .addColumn('result_json', 'text', (c) => c.notNull())
        .addColumn('memo', 'text', (c) => c.notNull())
        // Unique: a transaction can be reversed once.
        .addColumn('reverses_transaction_id', fk, (c) => c.unique().references('ledger_transaction.id'))
        .addColumn('created_by_user_id', fk)
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute()
      await idColumn(db.schema.createTable('ledger_pledge'), dialect)
        .addColumn('fund_id', fk, (c) => c.notNull().references('ledger_fund.id'))
        .addColumn('partner_id', fk, (c) => c.notNull().references('ledger_partner.id'))
        .addColumn('amount_pence', money, (c) => c.notNull().check(sql`amount_pence > 0`))
        .addColumn('themes_json', 'text', (c) => c.notNull())
        .addColumn('expires_on', 'text')
        .addColumn('approval_required', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('note', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute()
      await db.schema
        .createTable('ledger_pledge_approval')
        .addColumn('pledge_id', fk, (c) => c.primaryKey().references('ledger_pledge.id'))
        .addColumn('approved_by_user_id', fk)
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute()
      await idColumn(db.schema.createTable('ledger_posting'), dialect)
        .addColumn('transaction_id', fk, (c) => c.notNull().references('ledger_transaction.id'))
        .addColumn('fund_id', fk, (c) => c.notNull().references('ledger_fund.id'))
        .addColumn('account', 'text', (c) => c.notNull())
        .addColumn('pledge_id', fk, (c) => c.notNull().references('ledger_pledge.id'))
        .addColumn('theme', 'text')
        .addColumn('purpose', 'text')
        .addColumn('commitment_ref', 'text')
        .addColumn('amount_pence', money, (c) => c.notNull().check(sql`amount_pence <> 0`))
        .execute()
      await db.schema
        .createIndex('ledger_posting_fund_idx')
        .on('ledger_posting')
        .columns(['fund_id', 'pledge_id'])
        .execute()
      await db.schema.createIndex('ledger_posting_tx_idx').on('ledger_posting').column('transaction_id').execute()
      await db.schema
        .createIndex('ledger_pledge_fund_idx')
        .on('ledger_pledge')
        .columns(['fund_id', 'partner_id'])
        .execute()

      // The database itself refuses to change a ledger row. Deleting is left to whole-database restores
      // (`together restore --replace` empties every table); no code path in the app deletes ledger rows.
      if (dialect === 'postgres') {
        await sql`create or replace function ledger_append_only() returns trigger language plpgsql as $$
          begin raise exception 'ledger rows are append-only: % on %', tg_op, tg_table_name; end $$`.execute(db)
        for (const table of APPEND_ONLY)
          await sql`create trigger ${sql.raw(`${table}_no_update`)} before update on ${sql.table(table)}
            for each row execute function ledger_append_only()`.execute(db)
      } else {
        for (const table of APPEND_ONLY)
          await sql`create trigger ${sql.raw(`${table}_no_update`)} before update on ${sql.table(table)}
            begin select raise(abort, 'ledger rows are append-only'); end`.execute(db)
      }
    },
  },
]
