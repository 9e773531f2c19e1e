import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { sql } from 'kysely'
import { testDatabases } from '../../../test/support/databases.js'
import { createWriter, migrateToLatest } from '../db/index.js'
import { platformMigrations } from '../platform.migrations.js'
import { createAuditLog } from './index.js'

for (const kind of await testDatabases()) {
  describe(`audit log on ${kind.dialect}`, () => {
    test('appends a hash chain that verifies, and detects tampering, removal and reordering', async () => {
      const db = await kind.create()
      try {
        await migrateToLatest(db, platformMigrations)
        const log = createAuditLog(db.db, db.dialect)
        for (let i = 0; i < 5; i++) {
          await log.append({
            actorUserId: i,
            actorLabel: `user:${i}`,
            wardId: 1,
            action: 'test.action',
            subject: `thing:${i}`,
            outcome: 'success',
          })
        }
        assert.deepEqual(await log.verify(), { ok: true, checked: 5 })

        await sql`update audit_event set subject = 'thing:forged' where seq = 3`.execute(db.db)
        const forged = await log.verify()
        assert.equal(forged.ok, false)
        assert.equal(forged.ok ? 0 : forged.brokenAtSeq, 3)

        await sql`update audit_event set subject = 'thing:2' where seq = 3`.execute(db.db)
        assert.equal((await log.verify()).ok, true, 'restoring the original content restores the chain')

        await sql`delete from audit_event where seq = 5`.execute(db.db)
        const truncated = await log.verify()
        assert.equal(truncated.ok, false, 'removing the newest event is caught by the head hash')

        await sql`delete from audit_event where seq = 2`.execute(db.db)
        const gap = await log.verify()
        assert.equal(gap.ok ? 0 : gap.brokenAtSeq, 2)
      } finally {
        await db.dispose()
      }
    })

    test('50 concurrent appends keep one unbroken chain', async () => {
      const db = await kind.create()
      try {
        await migrateToLatest(db, platformMigrations)
        const log = createAuditLog(db.db, db.dialect)
        await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            log.append({
              actorUserId: null,
              actorLabel: 'system',
              wardId: null,
              action: 'race',
              subject: String(i),
              outcome: 'success',
            }),
          ),
        )
        assert.deepEqual(await log.verify(), { ok: true, checked: 50 })
      } finally {
        await db.dispose()
      }
    })

    test('appends through the group-commit writer share commits and keep one unbroken chain', async () => {
      const db = await kind.create()
      try {
        await migrateToLatest(db, platformMigrations)
        const write = createWriter(db)
        const log = createAuditLog(db.db, db.dialect, { write })
        const appends = Array.from({ length: 60 }, (_, i) =>
          log.append({
            actorUserId: null,
            actorLabel: 'system',
            wardId: null,
            action: 'race',
            subject: String(i),
            outcome: 'success',
          }),
        )
        // A unit that fails inside the same batch rolls back alone: no gap, no half-written event.
        const failing = write(async (trx) => {
          await sql`update audit_head set seq = seq + 1000 where id = 1`.execute(trx)
          throw new Error('boom')
        })
        await assert.rejects(failing, /boom/)
        await Promise.all(appends)
        assert.deepEqual(await log.verify(), { ok: true, checked: 60 })
        if (db.dialect === 'sqlite') assert.ok(write.stats.commits < 20, `grouped into ${write.stats.commits} commits`)
      } finally {
        await db.dispose()
      }
    })
  })
}
