import { sql } from 'kysely'
import { idColumn, type ModuleMigration } from '../../platform/db/index.js'

export const prioritisationMigrations: ModuleMigration[] = [
  {
    name: '2026_11_26_1410_prioritisation_tables',
    async up(db, dialect) {
      const fk = dialect === 'postgres' ? 'bigint' : 'integer'
      await idColumn(db.schema.createTable('prioritisation_round'), dialect)
        .addColumn('ward_id', fk, (c) => c.notNull().references('tenancy_ward.id'))
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('ballot_type', 'text', (c) => c.notNull())
        .addColumn('rule_id', 'text', (c) => c.notNull())
        .addColumn('budget_pence', 'bigint', (c) => c.notNull())
        .addColumn('min_choices', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('max_choices', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('rank_k', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('points_total', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('min_votes', 'integer')
        .addColumn('allow_change', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('min_age', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('is_demo', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('ballots_pb', 'text')
        .addColumn('result_json', 'text')
        .addColumn('opened_at', 'text')
        .addColumn('closed_at', 'text')
        .addColumn('created_by_user_id', fk)
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute()
      await db.schema
        .createIndex('prioritisation_round_ward_idx')
        .on('prioritisation_round')
        .column('ward_id')
        .execute()
      await idColumn(db.schema.createTable('prioritisation_option'), dialect)
        .addColumn('round_id', fk, (c) => c.notNull().references('prioritisation_round.id').onDelete('cascade'))
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('theme', 'text', (c) => c.notNull())
        .addColumn('place', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('cost_pence', 'bigint', (c) => c.notNull())
        .addColumn('is_demo', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute()
      await db.schema
        .createIndex('prioritisation_option_round_idx')
        .on('prioritisation_option')
        .column('round_id')
        .execute()
      // A random text key and, on SQLite, no hidden rowid: the table keeps no trace of the order ballots came in.
      await db.schema
        .createTable('prioritisation_ballot')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('round_id', fk, (c) => c.notNull().references('prioritisation_round.id'))
        .addColumn('choices_json', 'text', (c) => c.notNull())
        .addColumn('replace_hash', 'text', (c) => c.unique())
        .$call((b) => (dialect === 'sqlite' ? b.modifyEnd(sql`without rowid`) : b))
        .execute()
      await db.schema
        .createIndex('prioritisation_ballot_round_idx')
        .on('prioritisation_ballot')
        .column('round_id')
        .execute()
      await db.schema
        .createTable('prioritisation_voted')
        .addColumn('round_id', fk, (c) => c.notNull().references('prioritisation_round.id'))
        .addColumn('person_key', 'text', (c) => c.notNull())
        .addColumn('user_id', fk, (c) => c.references('accounts_user.id').onDelete('set null'))
        .addColumn('name_key', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text')
        .addColumn('entered_by_user_id', fk)
        .addColumn('voted_at', 'text', (c) => c.notNull())
        // One person, one ballot: the database refuses a second register row, whoever races to write it.
        .addPrimaryKeyConstraint('prioritisation_voted_pk', ['round_id', 'person_key'])
        .execute()
      await db.schema
        .createIndex('prioritisation_voted_user_idx')
        .on('prioritisation_voted')
        .columns(['round_id', 'user_id'])
        .unique()
        .execute()
      await db.schema
        .createIndex('prioritisation_voted_name_idx')
        .on('prioritisation_voted')
        .columns(['round_id', 'name_key'])
        .execute()
    },
  },
  {
    // Options now come from an understanding need or a resident's proposal that officers check; a round can
    // take proposals while it is a draft and can draw its budget from the ward's pooled fund.
    name: '2026_11_27_0900_prioritisation_proposals',
    async up(db, dialect) {
      const fk = dialect === 'postgres' ? 'bigint' : 'integer'
      await db.schema
        .alterTable('prioritisation_option')
        .addColumn('need_id', fk, (c) => c.references('understanding_need.id').onDelete('set null'))
        .execute()
      // Existing options were entered by officers, so they count as accepted.
      await db.schema
        .alterTable('prioritisation_option')
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('accepted'))
        .execute()
      await db.schema
        .alterTable('prioritisation_option')
        .addColumn('proposed_by_user_id', fk, (c) => c.references('accounts_user.id').onDelete('set null'))
        .execute()
      await db.schema.alterTable('prioritisation_option').addColumn('decision_reason', 'text').execute()
      await db.schema.alterTable('prioritisation_option').addColumn('decided_by_user_id', fk).execute()
      await db.schema.alterTable('prioritisation_option').addColumn('decided_at', 'text').execute()
      await db.schema
        .createIndex('prioritisation_option_need_idx')
        .on('prioritisation_option')
        .column('need_id')
        .execute()
      await db.schema
        .alterTable('prioritisation_round')
        .addColumn('proposals_open', 'integer', (c) => c.notNull().defaultTo(0))
        .execute()
      await db.schema.alterTable('prioritisation_round').addColumn('fund_id', fk).execute()
      await db.schema.alterTable('prioritisation_round').addColumn('fund_allocated_at', 'text').execute()
    },
  },
]
