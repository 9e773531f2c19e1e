import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { StaffRole } from '../src/platform/access/index.js'
import { testDatabases } from './support/databases.js'
import { createUser, NORBITON, OTHER_WARD, startTestApp, type TestApp } from './support/test-app.js'

/**
 * Figure 1 of the security checklist: every registered route × every principal × own ward / other
 * ward, driven through the real HTTP stack and compared with the checked-in matrix
 * (test/authorization-matrix.json). Regenerate it deliberately with UPDATE_MATRIX=1 and review the diff.
 */
const PRINCIPALS = [
  'anonymous',
  'resident',
  'volunteer',
  'officer',
  'panel_member',
  'provider',
  'budget_partner',
  'admin',
] as const
type Principal = (typeof PRINCIPALS)[number]
type Outcome = 'allow' | 'deny'
type Matrix = Record<string, Partial<Record<'any' | 'own' | 'other', Record<Principal, Outcome>>>>

const MATRIX_FILE = path.join(import.meta.dirname, 'authorization-matrix.json')
const STATIC_EXAMPLES: Record<string, string> = {
  '/assets/*': '/assets/images/favicon.ico',
  '/govuk/*': '/govuk/govuk-frontend.min.js',
  '/public/*': '/public/app.css',
}

const [sqlite] = await testDatabases()

describe('authorisation matrix', () => {
  let t: TestApp
  const userIds = new Map<Principal, number>()
  let victim: { id: number; grantId: number }

  before(async () => {
    t = await startTestApp(sqlite!, { DEMO_MODE: 'true' })
    for (const p of PRINCIPALS) {
      if (p === 'anonymous') continue
      const u = await createUser(t, {
        ...(p === 'resident' ? {} : { role: p as StaffRole }),
        ward: NORBITON,
        demo: true,
      })
      userIds.set(p, u.id)
    }
    const v = await createUser(t, { role: 'volunteer', ward: NORBITON })
    const g = await t.testDb.db
      .selectFrom('accounts_role_grant')
      .select('id')
      .where('user_id', '=', v.id)
      .executeTakeFirstOrThrow()
    victim = { id: v.id, grantId: Number(g.id) }
  })
  after(async () => t.stop())

  function concreteUrl(url: string, ward: 'own' | 'other'): string {
    if (STATIC_EXAMPLES[url]) return STATIC_EXAMPLES[url]
    return url
      .replace(':wardCode', ward === 'own' ? NORBITON : OTHER_WARD)
      .replace(':userId', String(victim.id))
      .replace(':grantId', String(victim.grantId))
      .replace(':token', 'x'.repeat(43))
  }

  let ip = 0
  async function attempt(method: string, url: string, principal: Principal): Promise<Outcome> {
    const headers: Record<string, string> = {}
    let csrf = ''
    if (principal !== 'anonymous') {
      const { cookieValue, session } = await t.sessions.store.create({
        userId: userIds.get(principal)!,
        mfaVerified: true,
      })
      headers.cookie = `wt_session=${cookieValue}`
      csrf = session.csrfToken
    } else {
      const { cookieValue, session } = await t.sessions.store.create({})
      headers.cookie = `wt_session=${cookieValue}`
      csrf = session.csrfToken
    }
    ip += 1
    const res = await t.app.inject({
      method: method as 'GET',
      url,
      headers: method === 'GET' ? headers : { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
      ...(method === 'GET' ? {} : { payload: `_csrf=${encodeURIComponent(csrf)}` }),
      remoteAddress: `10.${(ip >> 16) & 255}.${(ip >> 8) & 255}.${ip & 255}`,
    })
    assert.ok(res.statusCode < 500, `${method} ${url} as ${principal} gave ${res.statusCode}`)
    assert.equal(res.headers['x-csrf-rejected'], undefined, `${method} ${url}: CSRF must not decide the matrix`)
    return res.headers['x-access-denied'] || res.statusCode === 401 || res.statusCode === 403 ? 'deny' : 'allow'
  }

  test('every route has an entry, and every decision matches it', async () => {
    const observed: Matrix = {}
    for (const r of t.routes) {
      const key = `${r.method} ${r.url}`
      const scopes: ('any' | 'own' | 'other')[] = r.access.wardParam ? ['own', 'other'] : ['any']
      observed[key] = {}
      for (const scope of scopes) {
        const row = {} as Record<Principal, Outcome>
        for (const p of PRINCIPALS)
          row[p] = await attempt(r.method, concreteUrl(r.url, scope === 'other' ? 'other' : 'own'), p)
        observed[key][scope] = row
      }
    }
    if (process.env.UPDATE_MATRIX === '1') {
      writeFileSync(
        MATRIX_FILE,
        `${JSON.stringify(
          observed,
          Object.keys(observed)
            .sort()
            .concat(['any', 'own', 'other'], [...PRINCIPALS]),
          2,
        )}\n`,
      )
      return
    }
    const expected = JSON.parse(readFileSync(MATRIX_FILE, 'utf8')) as Matrix
    const missing = Object.keys(observed).filter((k) => !expected[k])
    const stale = Object.keys(expected).filter((k) => !observed[k])
    assert.deepEqual(missing, [], `routes missing from the matrix: ${missing.join(', ')}`)
    assert.deepEqual(stale, [], `matrix rows for routes that no longer exist: ${stale.join(', ')}`)
    const unexpectedAllows: string[] = []
    const unexpectedDenies: string[] = []
    for (const [key, scopes] of Object.entries(observed)) {
      for (const [scope, row] of Object.entries(scopes)) {
        for (const p of PRINCIPALS) {
          const want = expected[key]?.[scope as 'any']?.[p]
          const got = row[p]
          if (want === got) continue
          if (got === 'allow') unexpectedAllows.push(`${key} [${scope}] ${p}`)
          else unexpectedDenies.push(`${key} [${scope}] ${p}`)
        }
      }
    }
    assert.deepEqual(unexpectedAllows, [], 'unexpected allows')
    assert.deepEqual(unexpectedDenies, [], 'unexpected denies')
    const cells = Object.values(observed).reduce((s, scopes) => s + Object.keys(scopes).length * PRINCIPALS.length, 0)
    assert.ok(cells > 200, `checked ${cells} cells`)
  })

  test('every staff or admin route is audited (who, what, when, ward, outcome)', async () => {
    const { getRule } = await import('../src/platform/access/index.js')
    const unaudited = t.routes.filter((r) => {
      const rule = getRule(r.access.permission)
      return rule && ['admin', 'ward_role', 'any_role'].includes(rule.kind) && !r.audit
    })
    assert.deepEqual(
      unaudited.map((r) => `${r.method} ${r.url}`),
      [],
    )
    const admin = userIds.get('admin')!
    const { cookieValue } = await t.sessions.store.create({ userId: admin, mfaVerified: true })
    const before = await t.audit.list({ wardIds: 'all', limit: 1 })
    await t.app.inject({
      method: 'GET',
      url: `/admin/users/${victim.id}`,
      headers: { cookie: `wt_session=${cookieValue}` },
    })
    const [last] = await t.audit.list({ wardIds: 'all', limit: 1 })
    assert.ok(last && last.seq > (before[0]?.seq ?? 0))
    assert.equal(last.action, 'admin.user.read')
    assert.equal(last.actorUserId, admin)
    assert.equal(last.outcome, 'success')
    assert.match(last.subject, new RegExp(String(victim.id)))
  })

  test('no staff route of one ward answers a person whose role is in another ward', async () => {
    const otherOfficer = await createUser(t, { role: 'officer', ward: OTHER_WARD, demo: true })
    const { cookieValue } = await t.sessions.store.create({ userId: otherOfficer.id, mfaVerified: true })
    for (const r of t.routes.filter(
      (x) => x.access.wardParam && x.method === 'GET' && x.access.permission !== 'public',
    )) {
      const res = await t.app.inject({
        method: 'GET',
        url: concreteUrl(r.url, 'own'),
        headers: { cookie: `wt_session=${cookieValue}` },
      })
      assert.ok(res.statusCode === 403 || res.statusCode === 404, `${r.url} gave ${res.statusCode}`)
      assert.doesNotMatch(res.body, /Norbiton team/)
    }
  })
})
