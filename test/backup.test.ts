import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, test } from 'node:test'
import { allMigrations } from '../src/app.js'
import { runCli } from '../src/cli/together.js'
import { backupDatabase, migrateToLatest, restoreDatabase, RestoreError, type Db } from '../src/platform/db/index.js'
import { testDatabases, type TestDatabase } from './support/databases.js'
import { Client, createUser, startTestApp } from './support/test-app.js'

const TABLES = [
  'tenancy_council',
  'tenancy_ward',
  'geography_area',
  'geography_postcode',
  'geography_figure',
  'accounts_user',
  'accounts_role_grant',
  'site_feedback',
  'audit_event',
  'audit_head',
] as const

async function contents(db: Db): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {}
  for (const t of TABLES) {
    const rows = await db.db.selectFrom(t).selectAll().execute()
    // Normalise driver differences (bigint ids as strings, real vs double) so both engines compare equal.
    out[t] = rows
      .map(
        (r) =>
          JSON.parse(JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))) as Record<
            string,
            unknown
          >,
      )
      .map((r) =>
        Object.fromEntries(
          Object.entries(r).map(([k, v]) => [
            k,
            typeof v === 'string' && /^-?\d+$/.test(v) && k.endsWith('id') ? Number(v) : v,
          ]),
        ),
      )
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))
  }
  return out
}

async function populated(kind: TestDatabase) {
  const t = await startTestApp(kind)
  const u = await createUser(t, { role: 'officer' })
  const c = new Client(t)
  await c.get('/feedback')
  await c.post('/feedback', {
    rating: 'satisfied',
    comments: 'Round trip – ŵ ŷ 😀 "quotes"',
    submissionKey: 'backup-test-key-0001',
  })
  await t.audit.append({
    actorUserId: u.id,
    actorLabel: `user:${u.id}`,
    wardId: null,
    action: 'test',
    subject: 'x',
    outcome: 'success',
  })
  return t
}

const kinds = await testDatabases()
for (const kind of kinds) {
  describe(`backup and restore on ${kind.dialect}`, () => {
    test('a backup restores into a fresh database with identical contents, and the audit chain still verifies', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'wt-backup-'))
      const t = await populated(kind)
      const target = await kind.create()
      try {
        const file = path.join(dir, 'backup.ndjson')
        const header = await backupDatabase(t.testDb, file)
        assert.ok(header.tables.find((x) => x.name === 'geography_postcode')!.rows > 5000)
        assert.ok(header.tables.find((x) => x.name === 'geography_figure')!.rows > 3000)
        await migrateToLatest(target, allMigrations)
        await restoreDatabase(target, file)
        assert.deepEqual(await contents(target), await contents(t.testDb))
        const restoredApp = await startTestApp(kind, {}, target)
        try {
          assert.equal((await restoredApp.audit.verify()).ok, true)
          // New rows get fresh ids after the restored ones (sequences were moved on).
          const c = new Client(restoredApp)
          await c.get('/feedback')
          assert.equal(
            (await c.post('/feedback', { rating: 'neither', submissionKey: 'after-restore-key-001' })).statusCode,
            303,
          )
          await assert.rejects(restoreDatabase(target, file), RestoreError, 'refuses to restore over data')
        } finally {
          await restoredApp.close()
        }
      } finally {
        await t.stop()
        await target.dispose()
        rmSync(dir, { recursive: true, force: true })
      }
    })
  })
}

describe('moving between engines and the CLI', () => {
  test(
    'a SQLite backup restores into PostgreSQL (the path for a council that outgrows one machine)',
    { skip: kinds.length < 2 ? 'PostgreSQL not reachable' : undefined },
    async () => {
      const [sqlite, postgres] = kinds as [TestDatabase, TestDatabase]
      const dir = mkdtempSync(path.join(tmpdir(), 'wt-backup-'))
      const t = await populated(sqlite)
      const target = await postgres.create()
      try {
        const file = path.join(dir, 'backup.ndjson')
        await backupDatabase(t.testDb, file)
        await migrateToLatest(target, allMigrations)
        await restoreDatabase(target, file)
        assert.deepEqual(await contents(target), await contents(t.testDb))
      } finally {
        await t.stop()
        await target.dispose()
        rmSync(dir, { recursive: true, force: true })
      }
    },
  )

  test('together backup FILE / restore FILE round-trip through the CLI', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wt-cli-'))
    const out: string[] = []
    const io = { stdout: (s: string) => void out.push(s), stderr: (s: string) => void out.push(s) }
    const env = { ...process.env }
    try {
      process.env.DATA_DIR = path.join(dir, 'a')
      process.env.LOG_LEVEL = 'silent'
      process.env.PASSWORD_SCRYPT_LOG2N = '10'
      delete process.env.DATABASE_URL
      assert.equal(await runCli(['seed'], io), 0)
      assert.equal(await runCli(['backup', path.join(dir, 'b.ndjson')], io), 0)
      process.env.DATA_DIR = path.join(dir, 'b')
      assert.equal(await runCli(['restore', path.join(dir, 'b.ndjson')], io), 0)
      assert.equal(await runCli(['restore', path.join(dir, 'b.ndjson')], io), 1, 'a second restore is refused')
      assert.equal(await runCli(['restore', path.join(dir, 'b.ndjson'), '--replace'], io), 0)
      assert.equal(await runCli(['backup'], io), 2)
      assert.equal(await runCli(['no-such-command'], io), 2)
      assert.match(out.join(''), /restored \d+ rows/)
    } finally {
      process.env = env
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
