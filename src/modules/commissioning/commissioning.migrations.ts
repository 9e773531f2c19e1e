import { sql } from 'kysely'
import { idColumn, type ModuleMigration } from '../../platform/db/index.js'

export const commissioningMigrations: ModuleMigration[] = [
  {
    name: '2026_11_26_1800_commissioning_tables',
    async up(db, dialect) {
      const fk = dialect === 'postgres' ? 'bigint' : 'integer'
      const money = dialect === 'postgres' ? 'bigint' : 'integer'
      await idColumn(db.schema.createTable('commissioning_process'), dialect)
        .addColumn('ward_id', fk, (c) => c.notNull().references('tenancy_ward.id'))
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('source_kind', 'text', (c) => c.notNull())
        .addColumn('source_text', 'text', (c) => c.notNull())
        .addColumn('priority_option_id', fk)
        .addColumn('fund_id', fk, (c) => c.notNull().references('ledger_fund.id'))
        .addColumn('pledge_id', fk, (c) => c.notNull().references('ledger_pledge.id'))
        .addColumn('theme', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('opportunity_kind', 'text')
        .addColumn('procedure', 'text')
        .addColumn('invited_json', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('deadline', 'text')
        .addColumn('criteria_json', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('published_at', 'text')
        .addColumn('award_bid_id', fk)
        .addColumn('award_reason', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('award_proposed_by', fk)
        .addColumn('award_proposed_at', 'text')
        .addColumn('award_approved_by', fk)
        .addColumn('award_approved_at', 'text')
        .addColumn('is_demo', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_by_user_id', fk)
        .addColumn('created_at', 'text', (c) => c.notNull())
        // The database itself refuses an award approved by the person who proposed it.
        .addCheckConstraint(
          'commissioning_process_two_people_ck',
          sql`award_approved_by is null or award_approved_by <> award_proposed_by`,
        )
        .execute()
      await db.schema
        .createIndex('commissioning_process_ward_idx')
        .on('commissioning_process')
        .column('ward_id')
        .execute()
      await idColumn(db.schema.createTable('commissioning_spec_version'), dialect)
        .addColumn('process_id', fk, (c) => c.notNull().references('commissioning_process.id'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('outcomes', 'text', (c) => c.notNull())
        .addColumn('kpis_json', 'text', (c) => c.notNull())
        .addColumn('budget_pence', money, (c) => c.notNull())
        .addColumn('duration_months', 'integer', (c) => c.notNull())
        .addColumn('equality_impact', 'text', (c) => c.notNull())
        .addColumn('author_user_id', fk)
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('commissioning_spec_version_uq', ['process_id', 'version'])
        .execute()
      await idColumn(db.schema.createTable('commissioning_comment'), dialect)
        .addColumn('process_id', fk, (c) => c.notNull().references('commissioning_process.id'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('author_user_id', fk)
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute()
      await idColumn(db.schema.createTable('commissioning_clarification'), dialect)
        .addColumn('process_id', fk, (c) => c.notNull().references('commissioning_process.id'))
        .addColumn('organisation_id', fk, (c) => c.notNull().references('directory_organisation.id'))
        .addColumn('question', 'text', (c) => c.notNull())
        .addColumn('answer', 'text')
        .addColumn('answered_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute()
      await idColumn(db.schema.createTable('commissioning_bid'), dialect)
        .addColumn('process_id', fk, (c) => c.notNull().references('commissioning_process.id'))
        .addColumn('organisation_id', fk, (c) => c.notNull().references('directory_organisation.id'))
        .addColumn('answers_json', 'text', (c) => c.notNull())
        .addColumn('price_pence', money, (c) => c.notNull())
        .addColumn('submitted_by_user_id', fk)
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('commissioning_bid_org_uq', ['process_id', 'organisation_id'])
        .execute()
      await db.schema
        .createTable('commissioning_score')
        .addColumn('bid_id', fk, (c) => c.notNull().references('commissioning_bid.id'))
        .addColumn('scorer_user_id', fk, (c) => c.notNull())
        .addColumn('criterion', 'text', (c) => c.notNull())
        .addColumn('score', 'integer', (c) => c.notNull().check(sql`score between 0 and 10`))
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('commissioning_score_pk', ['bid_id', 'scorer_user_id', 'criterion'])
        .execute()
      await db.schema
        .createTable('commissioning_moderation')
        .addColumn('bid_id', fk, (c) => c.notNull().references('commissioning_bid.id'))
        .addColumn('criterion', 'text', (c) => c.notNull())
        .addColumn('score', 'integer', (c) => c.notNull().check(sql`score between 0 and 10`))
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('moderated_by_user_id', fk)
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('commissioning_moderation_pk', ['bid_id', 'criterion'])
        .execute()
      await db.schema
        .createTable('commissioning_conflict')
        .addColumn('process_id', fk, (c) => c.notNull().references('commissioning_process.id'))
        .addColumn('user_id', fk, (c) => c.notNull())
        .addColumn('organisation_id', fk, (c) => c.notNull().references('directory_organisation.id'))
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('commissioning_conflict_pk', ['process_id', 'user_id', 'organisation_id'])
        .execute()
      await db.schema
        .createTable('commissioning_contract')
        .addColumn('process_id', fk, (c) => c.primaryKey().references('commissioning_process.id'))
        .addColumn('bid_id', fk, (c) => c.notNull().references('commissioning_bid.id'))
        .addColumn('value_pence', money, (c) => c.notNull())
        .addColumn('start_date', 'text', (c) => c.notNull())
        .addColumn('end_date', 'text', (c) => c.notNull())
        .addColumn('milestones_json', 'text', (c) => c.notNull())
        .addColumn('kpis_json', 'text', (c) => c.notNull())
        .addColumn('schedule_json', 'text', (c) => c.notNull())
        .addColumn('commitment_ref', 'text', (c) => c.notNull().unique())
        .addColumn('ledger_commitment_transaction_id', fk, (c) => c.notNull())
        .addColumn('created_by_user_id', fk)
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute()
      await db.schema
        .createTable('commissioning_payment')
        .addColumn('process_id', fk, (c) => c.notNull().references('commissioning_process.id'))
        .addColumn('instalment', 'integer', (c) => c.notNull())
        .addColumn('amount_pence', money, (c) => c.notNull())
        .addColumn('ledger_transaction_id', fk, (c) => c.notNull())
        .addColumn('paid_by_user_id', fk)
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('commissioning_payment_pk', ['process_id', 'instalment'])
        .execute()
    },
  },
  {
    name: '2026_11_26_2000_commissioning_bid_documents',
    async up(db, dialect) {
      const fk = dialect === 'postgres' ? 'bigint' : 'integer'
      // The bytes live in the platform's stored_file; this says which bid a file belongs to and whether the
      // bidder withdrew it before the deadline (files are never changed, only no longer listed).
      await db.schema
        .createTable('commissioning_bid_document')
        .addColumn('file_id', fk, (c) => c.primaryKey().references('stored_file.id'))
        .addColumn('bid_id', fk, (c) => c.notNull().references('commissioning_bid.id'))
        .addColumn('removed_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute()
      await db.schema
        .createIndex('commissioning_bid_document_bid_idx')
        .on('commissioning_bid_document')
        .column('bid_id')
        .execute()
    },
  },
  {
    name: '2026_11_26_2010_commissioning_lots',
    async up(db, dialect) {
      const fk = dialect === 'postgres' ? 'bigint' : 'integer'
      // A lot is a process of its own under the opportunity it was published with: it has its own bids,
      // scoring, ranking, award, contract and ledger commitment, and shares the parent's terms and deadline.
      await db.schema
        .alterTable('commissioning_process')
        .addColumn('parent_id', fk, (c) => c.references('commissioning_process.id'))
        .execute()
      await db.schema.alterTable('commissioning_process').addColumn('lot_number', 'integer').execute()
      await db.schema
        .createIndex('commissioning_process_parent_idx')
        .on('commissioning_process')
        .column('parent_id')
        .execute()
    },
  },
]
