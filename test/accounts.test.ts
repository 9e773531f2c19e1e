import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import { base32Decode, hotp, totpStep } from '../src/platform/security/index.js'
import { testDatabases } from './support/databases.js'
import { Client, createUser, startTestApp, type TestApp } from './support/test-app.js'

for (const kind of await testDatabases()) {
  describe(`accounts on ${kind.dialect}`, () => {
    let t: TestApp
    before(async () => {
      t = await startTestApp(kind)
    })
    after(async () => t.stop())

    test('register shows GOV.UK errors, keeps values, then creates the account and signs in', async () => {
      const c = new Client(t)
      await c.get('/register')
      const bad = await c.post('/register', {
        fullName: '',
        email: 'not-an-email',
        postcode: 'KT2 7AA',
        password: 'short',
        passwordConfirm: 'short',
      })
      assert.equal(bad.statusCode, 400)
      assert.match(bad.body, /There is a problem/)
      assert.match(bad.body, /Enter your full name/)
      assert.match(bad.body, /Enter an email address in the correct format/)
      assert.match(bad.body, /value="KT2 7AA"/, 'values are kept')
      const weak = await c.post('/register', {
        fullName: 'Ann Example',
        email: 'ann@example.org',
        postcode: 'KT2 7AA',
        password: 'short',
        passwordConfirm: 'short',
      })
      assert.match(weak.body, /Password must be at least 10 characters/)
      const badPostcode = await c.post('/register', {
        fullName: 'Ann Example',
        email: 'ann@example.org',
        postcode: 'nowhere',
        password: 'three random words',
        passwordConfirm: 'three random words',
      })
      assert.match(badPostcode.body, /Enter a real postcode/)
      const users = await t.testDb.db
        .selectFrom('accounts_user')
        .select('id')
        .where('email', '=', 'ann@example.org')
        .execute()
      assert.equal(users.length, 0, 'nothing written on invalid input')

      const cookieBefore = c.cookies.get('wt_session')
      const ok = await c.post('/register', {
        fullName: 'Ann Example',
        email: 'Ann@Example.org',
        postcode: 'kt27aa',
        password: 'three random words',
        passwordConfirm: 'three random words',
      })
      assert.equal(ok.statusCode, 303)
      assert.equal(ok.headers.location, '/account')
      assert.notEqual(c.cookies.get('wt_session'), cookieBefore, 'session id rotated at sign-in')
      const account = await c.get('/account')
      assert.equal(account.statusCode, 200)
      assert.match(account.body, /ann@example.org/)
      assert.match(account.body, /KT2 7AA/)
      const row = await t.testDb.db
        .selectFrom('accounts_user')
        .selectAll()
        .where('email', '=', 'ann@example.org')
        .executeTakeFirstOrThrow()
      assert.notEqual(row.home_ward_id, null, 'placed in Norbiton from the postcode')
      assert.doesNotMatch(row.password_hash, /three random words/)

      const again = new Client(t)
      await again.get('/register')
      const dup = await again.post('/register', {
        fullName: 'Ann Again',
        email: 'ann@example.org',
        postcode: 'KT2 7AA',
        password: 'three random words',
        passwordConfirm: 'three random words',
      })
      assert.equal(dup.statusCode, 400)
      assert.match(dup.body, /already an account/)
    })

    test('sign in refuses wrong passwords without saying which part was wrong, signs out for real', async () => {
      const u = await createUser(t)
      const c = new Client(t)
      await c.get('/sign-in')
      const wrong = await c.post('/sign-in', { email: u.email, password: 'wrong password!' })
      assert.equal(wrong.statusCode, 400)
      assert.match(wrong.body, /Enter a correct email address and password/)
      const unknown = await c.post('/sign-in', { email: 'nobody@example.org', password: 'wrong password!' })
      assert.match(unknown.body, /Enter a correct email address and password/)
      await c.signIn(u)
      const cookie = c.cookies.get('wt_session')!
      assert.equal((await c.get('/account')).statusCode, 200)
      assert.match((await c.get('/account')).headers['cache-control'] as string, /no-store/)
      const out = await c.post('/sign-out')
      assert.equal(out.statusCode, 303)
      const stale = await t.app.inject({ method: 'GET', url: '/account', headers: { cookie: `wt_session=${cookie}` } })
      assert.equal(stale.statusCode, 303, 'the old session is gone on the server, not just in the browser')
      assert.match(String(stale.headers.location), /^\/sign-in/)
    })

    test('idle sessions expire and the sign-in page says so', async () => {
      const u = await createUser(t)
      const c = new Client(t)
      await c.signIn(u)
      const old = new Date(Date.now() - t.config.sessionIdleMs - 60_000).toISOString()
      await sql`update http_session set last_seen_at = ${old} where user_id = ${u.id}`.execute(t.testDb.db)
      const res = await c.get('/account')
      assert.equal(res.statusCode, 303)
      const page = await c.get(String(res.headers.location))
      assert.match(page.body, /You were signed out because you had not done anything for a while/)
    })

    test('absolute timeout ends a session however active it is', async () => {
      const u = await createUser(t)
      const c = new Client(t)
      await c.signIn(u)
      await sql`update http_session set absolute_expires_at = ${new Date(Date.now() - 1000).toISOString()} where user_id = ${u.id}`.execute(
        t.testDb.db,
      )
      assert.equal((await c.get('/account')).statusCode, 303)
    })

    test('password reset: no enumeration, one-time link, old sessions revoked', async () => {
      const u = await createUser(t)
      const other = new Client(t)
      await other.signIn(u)
      const c = new Client(t)
      await c.get('/password-reset')
      const unknown = await c.post('/password-reset', { email: 'nobody@example.org' })
      const known = await c.post('/password-reset', { email: u.email })
      assert.equal(unknown.statusCode, 200)
      assert.equal(known.statusCode, 200)
      assert.match(unknown.body, /Check your email/)
      assert.match(known.body, /Check your email/)
      const mail = await t.testDb.db
        .selectFrom('mail_outbox')
        .selectAll()
        .where('to_address', '=', u.email)
        .executeTakeFirstOrThrow()
      const token = /password-reset\/([A-Za-z0-9_-]+)/.exec(mail.body)![1]!
      const stored = await t.testDb.db.selectFrom('accounts_password_reset').select('token_hash').execute()
      assert.ok(
        stored.every((r) => r.token_hash !== token),
        'only a hash of the token is stored',
      )

      await c.get(`/password-reset/${token}`)
      const weak = await c.post(`/password-reset/${token}`, { password: 'short', passwordConfirm: 'short' })
      assert.equal(weak.statusCode, 400)
      const done = await c.post(`/password-reset/${token}`, {
        password: 'a brand new passphrase',
        passwordConfirm: 'a brand new passphrase',
      })
      assert.equal(done.statusCode, 303)
      assert.equal((await c.get(`/password-reset/${token}`)).statusCode, 404, 'the link works once')
      assert.equal(
        (await other.get('/account')).statusCode,
        303,
        'sessions signed in with the old password are revoked',
      )
      await c.signIn({ ...u, password: 'a brand new passphrase' })
    })

    test('staff need a second factor: enrol with TOTP, then every sign-in asks for a code', async () => {
      const officer = await createUser(t, { role: 'officer' })
      const c = new Client(t)
      await c.signIn(officer)
      const dash = await c.get('/wards/E05013941/staff')
      assert.equal(dash.statusCode, 303)
      assert.equal(dash.headers.location, '/account/two-factor')
      const setup = await c.get('/account/two-factor')
      const secret = /<code class="app-secret">([A-Z2-7 ]+)<\/code>/.exec(setup.body)![1]!.replace(/ /g, '')
      const wrong = await c.post('/account/two-factor', { code: '000000' })
      assert.equal(wrong.statusCode, 400)
      const code = hotp(base32Decode(secret), totpStep(new Date()))
      const ok = await c.post('/account/two-factor', { code })
      assert.equal(ok.statusCode, 303)
      assert.equal((await c.get('/wards/E05013941/staff')).statusCode, 200)

      const next = new Client(t)
      await next.get('/sign-in')
      const pw = await next.post('/sign-in', { email: officer.email, password: officer.password })
      assert.equal(pw.headers.location, '/sign-in/two-factor')
      assert.equal((await next.get('/account')).statusCode, 303, 'not signed in before the code')
      await next.get('/sign-in/two-factor')
      const replay = await next.post('/sign-in/two-factor', { code })
      assert.equal(replay.statusCode, 400, 'a code already used is refused')
      const later = hotp(base32Decode(secret), totpStep(new Date()) + 1)
      const good = await next.post('/sign-in/two-factor', { code: later })
      assert.equal(good.statusCode, 303)
      assert.equal((await next.get('/wards/E05013941/staff')).statusCode, 200)
    })

    test('an admin grants and revokes ward roles; the change applies on the next request', async () => {
      const admin = await createUser(t, { role: 'admin', demo: true })
      const person = await createUser(t, { demo: true })
      const demoApp = await startTestApp(kind, { DEMO_MODE: 'true' }, t.testDb)
      try {
        const a = new Client(demoApp)
        await a.signIn(admin)
        const p = new Client(demoApp)
        await p.signIn(person)
        assert.equal((await p.get('/wards/E05013941/staff')).statusCode, 403)
        await a.get(`/admin/users/${person.id}`)
        const bad = await a.post(`/admin/users/${person.id}/roles`, { role: 'volunteer', wardCode: '' })
        assert.equal(bad.statusCode, 400)
        assert.match(bad.body, /Select a ward/)
        const granted = await a.post(`/admin/users/${person.id}/roles`, { role: 'volunteer', wardCode: 'E05013941' })
        assert.equal(granted.statusCode, 303)
        assert.equal((await p.get('/wards/E05013941/staff')).statusCode, 200)
        assert.equal(
          (await p.get('/wards/E05013932/staff')).statusCode,
          403,
          'a role in one ward gives nothing in another',
        )
        const grant = await demoApp.testDb.db
          .selectFrom('accounts_role_grant')
          .select('id')
          .where('user_id', '=', person.id)
          .executeTakeFirstOrThrow()
        await a.get(`/admin/users/${person.id}`)
        const revoked = await a.post(`/admin/users/${person.id}/roles/${grant.id}/revoke`)
        assert.equal(revoked.statusCode, 303)
        assert.equal((await p.get('/wards/E05013941/staff')).statusCode, 403)
        const events = await demoApp.testDb.db
          .selectFrom('audit_event')
          .select(['action', 'outcome'])
          .where('action', 'like', 'account.role.%')
          .execute()
        assert.deepEqual(events.map((e) => e.action).sort(), ['account.role.grant', 'account.role.revoke'])
        assert.equal((await demoApp.audit.verify()).ok, true)
      } finally {
        await demoApp.close()
      }
    })

    test('demo accounts skip the second factor only in demo mode', async () => {
      const officer = await createUser(t, { role: 'officer', demo: true })
      const c = new Client(t)
      await c.signIn(officer)
      assert.equal(
        (await c.get('/wards/E05013941/staff')).statusCode,
        303,
        'demo mode is off here: the second factor is required',
      )
    })

    test('sign-in is rate limited', async () => {
      // A database of its own: on PostgreSQL the counters are shared through the database, and this file's other
      // tests have already signed in from the same address.
      const limited = await startTestApp(kind, { RATE_LIMIT_SIGN_IN_PER_15_MIN: '3' })
      try {
        const c = new Client(limited)
        await c.get('/sign-in')
        const codes: number[] = []
        for (let i = 0; i < 5; i++)
          codes.push((await c.post('/sign-in', { email: 'x@example.org', password: 'wrong password' })).statusCode)
        assert.deepEqual(codes, [400, 400, 400, 429, 429])
      } finally {
        await limited.stop()
      }
    })
  })
}
