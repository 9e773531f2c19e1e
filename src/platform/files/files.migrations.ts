import type { ModuleMigration } from '../db/index.js'
import { bigintType, idColumn, nowIso } from '../db/index.js'

export const filesMigrations: ModuleMigration[] = [
  {
    // Uploaded documents (bid documents, evidence for delivery returns). The content is stored as base64 text so
    // that it travels unchanged through the portable NDJSON backup and is the same on SQLite and PostgreSQL; the
    // files are small (policies cap them at a few MB) and a pilot ward has hundreds, not millions.
    name: '2026_11_26_1950_platform_stored_file',
    async up(db, dialect) {
      await idColumn(db.schema.createTable('stored_file'), dialect)
        .addColumn('owner_kind', 'text', (c) => c.notNull())
        .addColumn('owner_id', bigintType(dialect), (c) => c.notNull())
        .addColumn('ward_id', bigintType(dialect))
        .addColumn('filename', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('media_type', 'text', (c) => c.notNull())
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('content_base64', 'text', (c) => c.notNull())
        .addColumn('uploaded_by', bigintType(dialect))
        .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(nowIso(dialect)))
        .execute()
      await db.schema
        .createIndex('stored_file_owner_idx')
        .on('stored_file')
        .columns(['owner_kind', 'owner_id'])
        .execute()
    },
  },
]
