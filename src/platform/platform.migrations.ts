import type { ModuleMigration } from './db/migrate.js'
import { sql } from 'kysely'
import { idColumn, nowIso } from './db/dialect.js'
import { GENESIS_HASH } from './audit/audit-chain.js'

export const platformMigrations: ModuleMigration[] = [
  {
    name: '2026_11_26_1200_platform_sessions_audit_mail',
    async up(db, dialect) {
      await db.schema
        .createTable('http_session')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', dialect === 'postgres' ? 'bigint' : 'integer')
        .addColumn('pending_user_id', dialect === 'postgres' ? 'bigint' : 'integer')
        .addColumn('csrf_token', 'text', (c) => c.notNull())
        .addColumn('mfa_verified', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text', (c) => c.notNull())
        .addColumn('absolute_expires_at', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
        .execute()
      await db.schema.createIndex('http_session_user_idx').on('http_session').column('user_id').execute()
      await db.schema.createIndex('http_session_seen_idx').on('http_session').column('last_seen_at').execute()

      await idColumn(db.schema.createTable('audit_event'), dialect)
        .addColumn('seq', 'integer', (c) => c.notNull().unique())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor_user_id', dialect === 'postgres' ? 'bigint' : 'integer')
        .addColumn('actor_label', 'text', (c) => c.notNull())
        .addColumn('ward_id', dialect === 'postgres' ? 'bigint' : 'integer')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('audit_event_ward_idx').on('audit_event').columns(['ward_id', 'seq']).execute()
      await db.schema
        .createTable('audit_head')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute()
      // The head row exists from the start, so the first appenders lock it too (no race to create it).
      await sql`insert into audit_head (id, seq, hash) values (1, 0, ${GENESIS_HASH})`.execute(db)

      await idColumn(db.schema.createTable('mail_outbox'), dialect)
        .addColumn('to_address', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(nowIso(dialect)))
        .addColumn('sent_at', 'text')
        .execute()
    },
  },
  {
    // Rate-limit counters shared by every app process on one database (security checklist I-5).
    name: '2026_11_29_0900_platform_rate_limit',
    async up(db, dialect) {
      await db.schema
        .createTable('platform_rate_limit')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('hits', 'integer', (c) => c.notNull())
        .addColumn('reset_at', dialect === 'postgres' ? 'bigint' : 'integer', (c) => c.notNull())
        .execute()
      await db.schema
        .createIndex('platform_rate_limit_reset_idx')
        .on('platform_rate_limit')
        .column('reset_at')
        .execute()
    },
  },
]
