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

    if (kind.dialect === 'sqlite')
      test('a batch flushed off the event loop is seen by nothing outside it before it is durable', async () => {
        const db = await kind.create()
        try {
          await sql`create table w (id integer primary key, v text not null)`.execute(db.db)
          const dd = db.deferredDurability
          assert.ok(dd, 'a file database flushes its log off the event loop')
          // The writer's steps, by hand: pin, commit (synchronous=NORMAL: no fsync inside), seal, then flush.
          await db.db.connection().execute(async (conn) => {
            await sql`pragma synchronous = normal`.execute(conn)
            dd.pin()
            await conn.transaction().execute((trx) => sql`insert into w (id, v) values (1, 'a')`.execute(trx))
            await sql`pragma synchronous = full`.execute(conn)
            dd.seal()
          })
          const count = async () =>
            Number((await sql<{ n: number }>`select count(*) as n from w`.execute(db.db)).rows[0]!.n)
          assert.equal(await count(), 0, 'a read during the flush sees the database as it was before the batch')
          // Anything but a plain read flushes first (synchronously), after which the batch is visible.
          await sql`insert into w (id, v) values (2, 'b')`.execute(db.db)
          assert.equal(await count(), 2)
          await dd.flush()
          assert.equal(await count(), 2)
          assert.deepEqual(await db.settings(), { journal_mode: 'wal', synchronous: 'FULL' })
          // Through the writer: resolved means visible and durable, and the connection is back to FULL.
          const write = createWriter(db)
          await Promise.all(
            Array.from({ length: 20 }, (_, i) =>
              write((trx) => sql`insert into w (id, v) values (${i + 10}, 'c')`.execute(trx)),
            ),
          )
          assert.equal(await count(), 22)
          assert.deepEqual(await db.settings(), { journal_mode: 'wal', synchronous: 'FULL' })
        } finally {
          await db.dispose()
        }
      })
  })
}
