import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { sql } from 'kysely'
import { testDatabases } from '../../../test/support/databases.js'
import { createWriter } from './writer.js'

for (const kind of await testDatabases()) {
  describe(`writer on ${kind.dialect}`, () => {
    test('concurrent units share commits, each failure is isolated, and every resolved unit is committed', async () => {
      const db = await kind.create()
      try {
        await sql`create table w (id integer primary key, v text not null unique)`.execute(db.db)
        const write = createWriter(db)
        const results = await Promise.allSettled(
          Array.from({ length: 100 }, (_, i) =>
            write(async (trx) => {
              // Every tenth unit collides with the unique constraint and must be rolled back alone.
              await sql`insert into w (id, v) values (${i}, ${i % 10 === 9 ? 'dup' : `v${i}`})`.execute(trx)
              return i
            }),
          ),
        )
        const ok = results.filter((r) => r.status === 'fulfilled').length
        assert.equal(ok, 91, '90 distinct values plus the first "dup"')
        const rows = await sql<{ n: number }>`select count(*) as n from w`.execute(db.db)
        assert.equal(Number(rows.rows[0]!.n), 91)
        if (kind.dialect === 'sqlite')
          assert.ok(write.stats.commits < 20, `grouped into ${write.stats.commits} commits`)
        assert.equal(write.stats.units, 100)
      } finally {
        await db.dispose()
      }
    })
  })
}
