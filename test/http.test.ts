import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { testDatabases } from './support/databases.js'
import { Client, createUser, startTestApp, type TestApp } from './support/test-app.js'

const [sqlite] = await testDatabases()

describe('HTTP surface', () => {
  let t: TestApp
  before(async () => {
    t = await startTestApp(sqlite!)
  })
  after(async () => t.stop())

  test('/healthz answers JSON with the database kind', async () => {
    const res = await t.app.inject('/healthz')
    assert.equal(res.statusCode, 200)
    const body = res.json<{ status: string; database: string }>()
    assert.equal(body.status, 'ok')
    assert.equal(body.database, 'sqlite')
  })

  test('security.txt follows RFC 9116 (Contact and a future Expires)', async () => {
    const res = await t.app.inject('/.well-known/security.txt')
    assert.equal(res.statusCode, 200)
    assert.match(String(res.headers['content-type']), /^text\/plain/)
    assert.match(res.body, /^Contact: (mailto:|https:)/m)
    const expires = /^Expires: (.+)$/m.exec(res.body)?.[1]
    assert.ok(expires && new Date(expires).getTime() > Date.now())
  })

  test('the OpenAPI description is generated from the route schemas', async () => {
    const res = await t.app.inject('/api/v1/openapi.json')
    const doc = res.json<{ openapi: string; paths: Record<string, unknown> }>()
    assert.equal(doc.openapi, '3.1.0')
    assert.ok(doc.paths['/api/v1/wards'])
    assert.ok(doc.paths['/healthz'])
    assert.equal(doc.paths['/register'], undefined, 'HTML forms are not in the API description')
  })

  test('/api/v1/wards lists every ward of the council from data, with the pilot running', async () => {
    const body = (await t.app.inject('/api/v1/wards')).json<{
      council: { code: string }
      wards: { code: string; active: boolean; population: number | null; smallAreas: { lsoa: number; oa: number } }[]
    }>()
    assert.equal(body.council.code, 'E09000021')
    assert.equal(body.wards.length, 19)
    const norbiton = body.wards.find((w) => w.code === 'E05013941')!
    assert.equal(norbiton.active, true)
    assert.equal(norbiton.population, 11_187)
    assert.deepEqual(norbiton.smallAreas, { lsoa: 6, oa: 31 })
  })

  test('security headers: CSP with nonce, nosniff, frame-ancestors, referrer policy', async () => {
    const res = await t.app.inject('/')
    const csp = String(res.headers['content-security-policy'])
    assert.match(csp, /script-src 'self' 'nonce-[A-Za-z0-9+/=]+'/)
    assert.match(csp, /object-src 'none'/)
    assert.match(csp, /frame-ancestors 'none'/)
    assert.equal(res.headers['x-content-type-options'], 'nosniff')
    assert.equal(res.headers['referrer-policy'], 'same-origin')
    const nonce = /'nonce-([^']+)'/.exec(csp)![1]!
    assert.match(
      res.body,
      new RegExp(`<script nonce="${nonce.replace(/[+/=]/g, (c) => `\\${c}`)}"`),
      'the GOV.UK inline script carries the nonce',
    )
  })

  test('council branding: programme name and strapline, no crown and no Crown copyright', async () => {
    const res = await t.app.inject('/')
    assert.match(res.body, /One Norbiton Working Together/)
    assert.match(res.body, /Making a Difference Together/)
    assert.doesNotMatch(res.body, /Crown copyright/i)
    assert.doesNotMatch(res.body, /govuk-logo|govuk-header__logotype|royal arms/i)
    const css = await t.app.inject('/public/app.css')
    assert.equal(css.statusCode, 200)
    assert.doesNotMatch(css.body, /GDS Transport/)
  })

  test('signed-in pages are never cached', async () => {
    const c = new Client(t)
    await c.signIn(await createUser(t))
    const res = await c.get('/')
    assert.equal(res.headers['cache-control'], 'no-store')
  })

  test('unknown pages get a GOV.UK 404 page, and 404s are rate limited', async () => {
    const res = await t.app.inject({ url: '/no-such-page', remoteAddress: '10.1.1.1' })
    assert.equal(res.statusCode, 404)
    assert.match(res.body, /Page not found/)
    let last = 0
    for (let i = 0; i < 70; i++)
      last = (await t.app.inject({ url: `/missing-${i}`, remoteAddress: '10.1.1.2' })).statusCode
    assert.equal(last, 429)
  })

  test('framework errors are 4xx with a reason, never a stack trace', async () => {
    const bad = await t.app.inject({
      method: 'POST',
      url: '/feedback',
      headers: { 'content-type': 'application/json' },
      payload: '{"broken": ',
    })
    assert.ok(bad.statusCode >= 400 && bad.statusCode < 500)
    assert.doesNotMatch(bad.body, /at .+\.(ts|js):\d+/)
    const huge = await t.app.inject({
      method: 'POST',
      url: '/feedback',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `comments=${'x'.repeat(1_100_000)}`,
    })
    assert.equal(huge.statusCode, 413)
    const type = await t.app.inject({
      method: 'POST',
      url: '/feedback',
      headers: { 'content-type': 'application/xml' },
      payload: '<a/>',
    })
    assert.equal(type.statusCode, 415)
  })

  test('GET /feedback then a double submission stores one response', async () => {
    const c = new Client(t)
    const page = await c.get('/feedback')
    const key = /name="submissionKey" value="([^"]+)"/.exec(page.body)![1]!
    const form = { rating: 'satisfied', comments: 'Twice', submissionKey: key }
    const [a, b] = await Promise.all([c.post('/feedback', form), c.post('/feedback', form)])
    assert.equal(a.statusCode, 303)
    assert.equal(b.statusCode, 303)
    const rows = await t.testDb.db.selectFrom('site_feedback').select('id').where('submission_key', '=', key).execute()
    assert.equal(rows.length, 1)
  })

  test('an inactive ward is not shown to the public; switching it on is data, not code', async () => {
    const code = 'E05013928'
    assert.equal((await t.app.inject(`/wards/${code}`)).statusCode, 404)
    await t.testDb.db.updateTable('tenancy_ward').set({ is_active: 1 }).where('code', '=', code).execute()
    t.wards.invalidate() // what the admin route does after switching a ward on (other instances see it within 5 s)
    const res = await t.app.inject(`/wards/${code}`)
    assert.equal(res.statusCode, 200)
    assert.match(res.body, /One Alexandra Working Together/)
  })
})

describe('production mode', () => {
  test('uses __Host- secure cookies and HSTS', async () => {
    const t = await startTestApp(sqlite!, {
      NODE_ENV: 'production',
      DEMO_MODE: 'false',
      SECRET_KEY: 'k'.repeat(40),
      PUBLIC_URL: 'https://together.example',
      SECURITY_CONTACT: 'mailto:security@example.org',
    })
    try {
      const res = await t.app.inject('/sign-in')
      const cookie = String(res.headers['set-cookie'])
      assert.match(cookie, /^__Host-wt_session=/)
      assert.match(cookie, /Secure/)
      assert.match(cookie, /HttpOnly/)
      assert.match(cookie, /Path=\//)
      assert.doesNotMatch(cookie, /Domain=/)
      assert.match(String(res.headers['strict-transport-security']), /max-age=31536000; includeSubDomains/)
    } finally {
      await t.stop()
    }
  })
})
