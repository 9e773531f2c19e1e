import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import pg from 'pg'
import { needsPostgres, postgresUrl, testDatabases } from '../../../test/support/databases.js'
import { migrateToLatest } from './migrate.js'

describe('introspection on PostgreSQL sees only our schema', async () => {
  const kind = (await testDatabases()).find((d) => d.dialect === 'postgres')

  test('migrating while other processes create and drop their schemas never fails', await needsPostgres(), async () => {
    const url = (await postgresUrl())!
    const churn = new pg.Client({ connectionString: url })
    await churn.connect()
    let stop = false
    let dropped = 0
    // What the test processes beside us do all day: make a schema with tables, drop it.
    const other = (async () => {
      while (!stop) {
        const s = `churn_${process.pid}_${dropped}`
        await churn.query(`create schema ${s}; create table ${s}.t (id serial primary key, v text)`)
        await churn.query(`drop schema ${s} cascade`)
        dropped++
      }
    })()
    try {
      for (let i = 0; i < 40; i++) {
        const t = await kind!.create()
        try {
          await migrateToLatest(t, [
            {
              name: '2026_01_01_0000_probe',
              async up(db) {
                await db.schema
                  .createTable('probe')
                  .addColumn('id', 'serial', (c) => c.primaryKey())
                  .execute()
              },
            },
          ])
          const tables = await t.db.introspection.getTables()
          assert.deepEqual(
            tables.map((x) => [x.schema, x.name]),
            [[t.searchPath, 'probe']],
          )
          assert.equal(tables[0]!.columns[0]!.isAutoIncrementing, true)
          const withKysely = await t.db.introspection.getTables({ withInternalKyselyTables: true })
          assert.ok(withKysely.some((x) => x.name === 'kysely_migration'))
        } finally {
          await t.dispose()
        }
      }
    } finally {
      stop = true
      await other
      await churn.end()
    }
    assert.ok(dropped > 0, 'the other process dropped schemas while we migrated')
  })
})
