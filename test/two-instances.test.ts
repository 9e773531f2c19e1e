import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildApp } from '../src/app.js'
import { connectDatabase } from '../src/platform/db/index.js'
import { needsPostgres, testDatabases } from './support/databases.js'
import { Client, createUser, startTestApp, testConfig } from './support/test-app.js'

test('two app instances on one PostgreSQL share sessions and writes', await needsPostgres(), async () => {
  const postgres = (await testDatabases()).find((d) => d.dialect === 'postgres')!
  const a = await startTestApp(postgres)
  // A second, independent instance: its own connection pool, its own Fastify, the same database.
  const secondDb = connectDatabase({ kind: 'postgres', url: a.testDb.url }, { searchPath: a.testDb.searchPath! })
  const b = await buildApp(testConfig(a.testDb), { db: secondDb, logger: false })
  try {
    const user = await createUser(a)
    const viaA = new Client(a)
    await viaA.signIn(user)

    // The session cookie issued by instance A signs the person in on instance B.
    const viaB = new Client(b)
    viaB.cookies = new Map(viaA.cookies)
    const account = await viaB.get('/account')
    assert.equal(account.statusCode, 200)
    assert.match(account.body, new RegExp(user.email.replace('.', '\\.')))

    // A form rendered by A is accepted by B (the CSRF token lives in the shared session row)...
    const page = await viaA.get('/feedback')
    const key = /name="submissionKey" value="([^"]+)"/.exec(page.body)![1]!
    viaB.csrf = viaA.csrf
    const posted = await viaB.post('/feedback', {
      rating: 'satisfied',
      comments: 'written through B',
      submissionKey: key,
    })
    assert.equal(posted.statusCode, 303)
    // ...and the write made through B is visible through A.
    const seenByA = await a.testDb.db
      .selectFrom('site_feedback')
      .select('comments')
      .where('submission_key', '=', key)
      .executeTakeFirst()
    assert.equal(seenByA?.comments, 'written through B')

    // Signing out on B ends the session on A too (revocation is shared).
    await viaB.post('/sign-out')
    assert.equal((await viaA.get('/account')).statusCode, 303)
    assert.equal((await a.audit.verify()).ok, true, 'both instances appended to one intact audit chain')
  } finally {
    await b.close()
    await secondDb.close()
    await a.stop()
  }
})

test('two app instances on one PostgreSQL share one sign-in limit', await needsPostgres(), async () => {
  const postgres = (await testDatabases()).find((d) => d.dialect === 'postgres')!
  const a = await startTestApp(postgres, { RATE_LIMIT_SIGN_IN_PER_15_MIN: '3' })
  const secondDb = connectDatabase({ kind: 'postgres', url: a.testDb.url }, { searchPath: a.testDb.searchPath! })
  const b = await buildApp(testConfig(a.testDb, { RATE_LIMIT_SIGN_IN_PER_15_MIN: '3' }), {
    db: secondDb,
    logger: false,
  })
  try {
    const viaA = new Client(a)
    const viaB = new Client(b)
    await viaA.get('/sign-in')
    await viaB.get('/sign-in')
    const wrong = { email: 'x@example.org', password: 'wrong password' }
    // Guesses spread over both instances count against one limit: each alone would have allowed three.
    const codes = [
      (await viaA.post('/sign-in', wrong)).statusCode,
      (await viaB.post('/sign-in', wrong)).statusCode,
      (await viaA.post('/sign-in', wrong)).statusCode,
      (await viaB.post('/sign-in', wrong)).statusCode,
      (await viaA.post('/sign-in', wrong)).statusCode,
    ]
    assert.deepEqual(codes, [400, 400, 400, 429, 429])
  } finally {
    await b.close()
    await secondDb.close()
    await a.stop()
  }
})
