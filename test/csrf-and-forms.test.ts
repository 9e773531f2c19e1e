import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import fc from 'fast-check'
import { testDatabases } from './support/databases.js'
import { createUser, NORBITON, startTestApp, type TestApp } from './support/test-app.js'

/** Tables whose rows are what people and staff asked for; sessions and the audit trail legitimately change on any request. */
const DOMAIN_TABLES = [
  'accounts_user',
  'accounts_role_grant',
  'accounts_password_reset',
  'site_feedback',
  'tenancy_ward',
  'tenancy_council',
  'geography_area',
  'mail_outbox',
  'panel_settings',
  'panel_volunteer',
  'panel_run',
  'panel_member',
  'ledger_partner',
  'ledger_partner_user',
  'ledger_fund',
  'ledger_pledge',
  'ledger_pledge_approval',
  'ledger_transaction',
  'ledger_posting',
  'directory_organisation',
  'directory_org_user',
  'directory_service',
  'commissioning_process',
  'commissioning_spec_version',
  'commissioning_comment',
  'commissioning_clarification',
  'commissioning_bid',
  'commissioning_score',
  'commissioning_moderation',
  'commissioning_conflict',
  'commissioning_contract',
  'commissioning_payment',
  'commissioning_bid_document',
  'prioritisation_round',
  'prioritisation_option',
  'prioritisation_ballot',
  'prioritisation_voted',
  'ideas_idea',
  'ideas_support',
  'ideas_comment',
  'ideas_report',
  'engagement_theme',
  'engagement_consultation',
  'engagement_question',
  'engagement_event',
  'engagement_response',
  'engagement_answer',
  'engagement_draft',
  'privacy_erasure_request',
  'engagement_question_wording',
  'reach_outreach_plan',
  'reach_venue',
  'reach_plan_assignee',
  'reach_eia',
  'reach_eia_impact',
  'reach_eia_event',
  'engagement_equality',
  'understanding_theme',
  'understanding_theme_event',
  'understanding_text',
  'understanding_coding',
  'understanding_model',
  'understanding_candidate',
  'understanding_need',
  'understanding_evidence',
  'understanding_statement',
  'understanding_vote',
  'delivery_service',
  'delivery_milestone',
  'delivery_kpi',
  'delivery_return',
  'delivery_return_kpi',
  'delivery_return_milestone',
  'delivery_review',
  'delivery_rating',
  'delivery_rating_report',
  'delivery_survey',
  'notifications_preference',
  'notifications_outcome_sent',
  'notifications_outcome_contact',
  'notifications_contact_outcome_sent',
] as const

for (const kind of await testDatabases()) {
  describe(`CSRF and hostile forms on ${kind.dialect}`, () => {
    let t: TestApp
    let admin: number
    let victim: { id: number; grantId: number }

    before(async () => {
      t = await startTestApp(kind, { DEMO_MODE: 'true', RATE_LIMIT_SIGN_IN_PER_15_MIN: '100000' })
      admin = (await createUser(t, { role: 'admin', demo: true })).id
      const v = await createUser(t, { role: 'volunteer', ward: NORBITON })
      const g = await t.testDb.db
        .selectFrom('accounts_role_grant')
        .select('id')
        .where('user_id', '=', v.id)
        .executeTakeFirstOrThrow()
      victim = { id: v.id, grantId: Number(g.id) }
    })
    after(async () => t.stop())

    const concrete = (url: string) =>
      url
        .replace(':wardCode', NORBITON)
        .replace(':userId', String(victim.id))
        .replace(':grantId', String(victim.grantId))
        .replace(':token', 'y'.repeat(43))

    async function snapshot(): Promise<string> {
      const parts: string[] = []
      for (const table of DOMAIN_TABLES) {
        const rows = await t.testDb.db.selectFrom(table).selectAll().execute()
        parts.push(
          `${table}:${JSON.stringify(rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'updated_at'))))}`,
        )
      }
      return parts.join('\n')
    }

    test('every state-changing route refuses a missing, wrong or other session’s CSRF token, and changes nothing', async () => {
      const posts = t.routes.filter((r) => r.method !== 'GET')
      assert.ok(posts.length >= 10)
      const mine = await t.sessions.store.create({ userId: admin, mfaVerified: true })
      const theirs = await t.sessions.store.create({ userId: admin, mfaVerified: true })
      const before = await snapshot()
      let ip = 0
      for (const r of posts) {
        for (const [label, token] of [
          ['missing', undefined],
          ['wrong', 'A'.repeat(43)],
          ['other session', theirs.session.csrfToken],
        ] as const) {
          ip += 1
          const res = await t.app.inject({
            method: r.method as 'POST',
            url: concrete(r.url),
            headers: { cookie: `wt_session=${mine.cookieValue}`, 'content-type': 'application/x-www-form-urlencoded' },
            payload: new URLSearchParams({
              ...(token ? { _csrf: token } : {}),
              active: 'no',
              role: 'officer',
              wardCode: NORBITON,
              rating: 'satisfied',
              submissionKey: `k${ip}`.padEnd(20, 'z'),
            }).toString(),
            remoteAddress: `10.9.${ip >> 8}.${ip & 255}`,
          })
          assert.equal(res.statusCode, 403, `${r.method} ${r.url} with ${label} token gave ${res.statusCode}`)
        }
      }
      assert.equal(await snapshot(), before, 'no rejected request changed anything')
    })

    test('GET requests never change state', async () => {
      const { cookieValue } = await t.sessions.store.create({ userId: admin, mfaVerified: true })
      const before = await snapshot()
      for (const r of t.routes.filter((x) => x.method === 'GET' && !x.url.includes('*'))) {
        const res = await t.app.inject({
          method: 'GET',
          url: concrete(r.url),
          headers: { cookie: `wt_session=${cookieValue}` },
        })
        assert.ok(res.statusCode < 500, `${r.url}: ${res.statusCode}`)
      }
      assert.equal(await snapshot(), before)
    })

    test('random and hostile bodies never cause a 5xx, and rejected ones write nothing', async () => {
      const forms = t.routes.filter((r) => r.method === 'POST' && !['/sign-out', '/session/keep-alive'].includes(r.url))
      const fieldNames = [
        'fullName',
        'email',
        'postcode',
        'password',
        'passwordConfirm',
        'code',
        'rating',
        'comments',
        'submissionKey',
        'role',
        'wardCode',
        'active',
        'q',
      ]
      const hostile = fc.constantFrom(
        "' OR 1=1 --",
        '<script>alert(1)</script>',
        '{{ 7*7 }}',
        '{% raw %}',
        '../../etc/passwd',
        '\u0000',
        '\uD800',
        '😀'.repeat(300),
        'a'.repeat(20_000),
        '=HYPERLINK("http://x")',
        '[1,2]',
        '{"a":1}',
        '',
        ' ',
        'E05013941',
        'admin',
        'yes',
        'satisfied',
      )
      const value = fc.oneof(
        fc.string({ maxLength: 80 }),
        fc.string({ unit: 'binary', maxLength: 40 }),
        hostile,
        fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
      )
      const key = fc.oneof(
        fc.constantFrom(...fieldNames),
        fc.constantFrom('__proto__', 'constructor', 'prototype', '_csrf[]', 'toString'),
        fc.string({ maxLength: 12 }),
      )
      const body = fc.dictionary(key, value, { maxKeys: 10 })
      const encoding = fc.constantFrom('form', 'json', 'text')
      let ip = 0
      let rejected = 0
      for (const r of forms) {
        await fc.assert(
          fc.asyncProperty(body, encoding, async (fields, enc) => {
            const { cookieValue, session } = await t.sessions.store.create({ userId: admin, mfaVerified: true })
            const before = await snapshot()
            const withToken: Record<string, unknown> = { ...fields, _csrf: session.csrfToken }
            let payload: string
            let contentType: string
            if (enc === 'json') {
              payload = JSON.stringify(withToken)
              contentType = 'application/json'
            } else if (enc === 'text') {
              payload = String(fields.comments ?? 'plain text body')
              contentType = 'text/plain'
            } else {
              const p = new URLSearchParams()
              for (const [k, v] of Object.entries(withToken))
                for (const x of Array.isArray(v) ? v : [v]) p.append(k, String(x))
              payload = p.toString()
              contentType = 'application/x-www-form-urlencoded'
            }
            ip += 1
            const res = await t.app.inject({
              method: 'POST',
              url: concrete(r.url),
              headers: { cookie: `wt_session=${cookieValue}`, 'content-type': contentType },
              payload,
              remoteAddress: `10.8.${(ip >> 8) & 255}.${ip & 255}`,
            })
            assert.ok(res.statusCode < 500, `${r.url} gave ${res.statusCode} for ${enc} ${payload.slice(0, 200)}`)
            assert.doesNotMatch(res.body, /at .+\.(ts|js):\d+/, 'no stack trace in a response')
            if (res.statusCode >= 400) {
              rejected += 1
              assert.equal(await snapshot(), before, `${r.url} wrote rows on a rejected request`)
            }
          }),
          { numRuns: 25, seed: 20261126 },
        )
      }
      assert.ok(rejected > forms.length * 10, `rejected ${rejected} hostile bodies`)
    })
  })
}
