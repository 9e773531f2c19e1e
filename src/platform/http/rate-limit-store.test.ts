import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { FastifyRateLimitStore } from '@fastify/rate-limit'
import { testDatabases, type TestDb } from '../../../test/support/databases.js'
import { migrateToLatest } from '../db/index.js'
import { platformMigrations } from '../platform.migrations.js'
import { databaseRateLimitStore, purgeRateLimits } from './rate-limit-store.js'

type Child = Parameters<FastifyRateLimitStore['child']>[0]
const route = (method: string, url: string) => ({ routeInfo: { method, url } }) as unknown as Child

const hit = (store: FastifyRateLimitStore, key: string, windowMs: number, max = 100) =>
  new Promise<{ current: number; ttl: number }>((resolve, reject) =>
    store.incr(
      key,
      (err, result) => (err || !result ? reject(err ?? new Error('no result')) : resolve(result)),
      windowMs,
      max,
    ),
  )

for (const kind of await testDatabases()) {
  describe(`database rate-limit store on ${kind.dialect}`, () => {
    let db: TestDb
    let clock = 1_000_000
    before(async () => {
      db = await kind.create()
      await migrateToLatest(db, platformMigrations)
    })
    after(async () => {
      await db.dispose()
    })

    test('counts hits per route and client in fixed windows, and starts again when a window ends', async () => {
      const Store = databaseRateLimitStore(db.db, () => clock)
      const root = new Store()
      const signIn = root.child(route('POST', '/sign-in'))
      const vote = root.child(route('POST', '/vote'))
      assert.deepEqual(await hit(signIn, '10.0.0.1', 60_000), { current: 1, ttl: 60_000 })
      clock += 1_000
      assert.deepEqual(await hit(signIn, '10.0.0.1', 60_000), { current: 2, ttl: 59_000 })
      assert.deepEqual(await hit(signIn, '10.0.0.2', 60_000), { current: 1, ttl: 60_000 }, 'another client')
      assert.deepEqual(await hit(vote, '10.0.0.1', 60_000), { current: 1, ttl: 60_000 }, 'another route')
      clock += 59_000
      assert.deepEqual(await hit(signIn, '10.0.0.1', 60_000), { current: 1, ttl: 60_000 }, 'the window ended')
      // A second store object (another process) counts in the same rows.
      const other = new (databaseRateLimitStore(db.db, () => clock))().child(route('POST', '/sign-in'))
      assert.equal((await hit(other, '10.0.0.1', 60_000)).current, 2)
    })

    test('simultaneous hits are each counted once', async () => {
      const store = new (databaseRateLimitStore(db.db, () => clock))().child(route('POST', '/burst'))
      const results = await Promise.all(Array.from({ length: 25 }, () => hit(store, '10.9.9.9', 60_000)))
      assert.deepEqual(
        results.map((r) => r.current).sort((a, b) => a - b),
        Array.from({ length: 25 }, (_, i) => i + 1),
      )
    })

    test('expired counters are purged; live ones stay', async () => {
      const store = new (databaseRateLimitStore(db.db, () => clock))().child(route('GET', '/purge'))
      await hit(store, 'a', 1_000)
      await hit(store, 'b', 120_000)
      const deleted = await purgeRateLimits(db.db, clock + 60_000)
      assert.ok(deleted >= 1)
      const left = await db.db
        .selectFrom('platform_rate_limit')
        .select('key')
        .where('key', 'like', 'GET/purge|%')
        .execute()
      assert.deepEqual(
        left.map((r) => r.key),
        ['GET/purge|b'],
      )
    })

    test('options it cannot honour are refused at start-up', () => {
      const Store = databaseRateLimitStore(db.db)
      assert.throws(() => new Store().child({ continueExceeding: true } as unknown as Child), /fixed windows only/)
    })
  })
}
