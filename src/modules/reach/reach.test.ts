import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { Ajv } from 'ajv'
import { testDatabases } from '../../../test/support/databases.js'
import { Client, createUser, NORBITON, OTHER_WARD, startTestApp, type TestApp } from '../../../test/support/test-app.js'
import { findWardByCode } from '../../platform/tenancy/index.js'

/**
 * Postcodes whose LSOA is known independently: the ONS point-in-polygon placing in the shared data
 * (postcodes_KT_lsoa21_by_point_in_polygon_DERIVED.csv), each more than 60 m from its LSOA's edge, so simplified
 * boundaries cannot move them.
 */
const SEED: { postcode: string | null; n: number; lsoa?: string }[] = [
  { postcode: 'KT1 3JG', n: 1, lsoa: 'E01002969' },
  { postcode: 'KT1 3FJ', n: 12, lsoa: 'E01002970' },
  { postcode: 'KT1 3AU', n: 3, lsoa: 'E01002971' },
  { postcode: 'KT1 3QB', n: 2, lsoa: 'E01002973' },
  { postcode: 'KT1 3AE', n: 1, lsoa: 'E01002974' },
  // In Kingston, but in another ward: flagged, not dropped.
  { postcode: 'KT1 1AA', n: 2 },
  // A valid postcode the council's table does not hold, and a paper form with none.
  { postcode: 'ZZ9 9ZZ', n: 1 },
  { postcode: null, n: 1 },
]

// Census 2021 TS001 usual residents per LSOA, as in the seed pack (tenants/kingston/seed-pack/geography.json).
const RESIDENTS: Record<string, number> = {
  E01002969: 1892,
  E01002970: 1808,
  E01002971: 1800,
  E01002972: 2050,
  E01002973: 1579,
  E01002974: 2058,
}

for (const kind of await testDatabases()) {
  describe(`reach on ${kind.dialect}`, () => {
    let t: TestApp
    let officer: Client
    let volunteer: Client
    let wardId: number
    const base = `/wards/${NORBITON}/reach`

    before(async () => {
      t = await startTestApp(kind, { DEMO_MODE: 'true' })
      officer = new Client(t)
      await officer.signIn(await createUser(t, { role: 'officer', demo: true }))
      volunteer = new Client(t)
      await volunteer.signIn(await createUser(t, { role: 'volunteer', demo: true }))
      wardId = (await findWardByCode(t.testDb.db, NORBITON))!.id
      const db = t.testDb.db
      const now = new Date().toISOString()
      const c = await db
        .insertInto('engagement_consultation')
        .values({
          ward_id: wardId,
          title: 'Reach test',
          summary: 'x',
          status: 'open',
          allow_anonymous: 1,
          theme_ids_json: '[]',
          is_demo: 0,
          created_by_user_id: null,
          created_at: now,
          opened_at: now,
          closed_at: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      let k = 0
      for (const s of SEED)
        for (let i = 0; i < s.n; i++)
          await db
            .insertInto('engagement_response')
            .values({
              ward_id: wardId,
              consultation_id: Number(c.id),
              submission_key: `reach-test-${(k += 1)}`.padEnd(20, 'x'),
              channel: 'paper',
              postcode: s.postcode,
              area_code: null,
              respondent_user_id: null,
              entered_by_user_id: null,
              event_id: null,
              responded_on: '2026-11-20',
              is_demo: 0,
              created_at: now,
            })
            .execute()
      // Equality answers: 12 not disabled, 3 disabled (a count that must never be published), 15 female.
      const eq = (i: number, disability: string, sex: string | null) => ({
        ward_id: wardId,
        consultation_id: Number(c.id),
        pseudonym: `p${i}`,
        submission_key: `reach-eq-${i}`.padEnd(20, 'x'),
        age_band: null,
        sex,
        gender_identity: null,
        sexual_orientation: null,
        ethnic_group: null,
        religion: null,
        disability,
        carer: null,
        is_demo: 0 as const,
        consented_on: '2026-11-20',
      })
      for (let i = 0; i < 15; i++)
        await db
          .insertInto('engagement_equality')
          .values(eq(i, i < 3 ? 'yes' : 'no', 'female'))
          .execute()
    })
    after(async () => t.stop())

    test('the officer sees every response placed, by hand-computed expectation', async () => {
      const res = await officer.get(`${base}/officer?sort=heard&dir=desc`)
      assert.equal(res.statusCode, 200)
      const body = res.body
      // Placing summary: 23 responses, 19 placed, 2 outside the ward, 1 unknown, 1 without a postcode.
      const summary = (label: string) =>
        new RegExp(`${label}[^<]*</dt>\\s*<dd class="govuk-summary-list__value">\\s*(\\d+)`).exec(body)?.[1]
      assert.equal(summary('Responses'), '23')
      assert.equal(summary('Placed in the ward'), '19')
      assert.equal(summary('Postcode outside the ward'), '2')
      assert.equal(summary('Postcode not in the postcode table'), '1')
      assert.equal(summary('No postcode given'), '1')
      const heard: Record<string, number> = { E01002972: 0 }
      for (const s of SEED) if (s.lsoa) heard[s.lsoa] = s.n
      const wardRate = (19 / 11187) * 1000
      for (const [code, n] of Object.entries(heard)) {
        const row = new RegExp(`id="area-${code}">([\\s\\S]*?)</tr>`).exec(body)?.[1] ?? ''
        const cells = [...row.matchAll(/govuk-table__cell[^>]*>([^<]*)</g)].map((m) => m[1]!.trim())
        assert.equal(cells[0], RESIDENTS[code]!.toLocaleString('en-GB'), code)
        assert.equal(cells[1], String(n), code)
        const rate = (n / RESIDENTS[code]!) * 1000
        assert.equal(cells[2], rate.toFixed(1), code)
        assert.equal(cells[3], (rate / wardRate).toFixed(2), code)
      }
      assert.match(body, /No responses yet from: Kingston upon Thames 005D/)
      // Sorted by people heard, most first: E01002970 (12) leads.
      assert.ok(body.indexOf('id="area-E01002970"') < body.indexOf('id="area-E01002971"'))
      // The map: one path per LSOA, each with a title.
      assert.equal((body.match(/<a href="#area-E\d+">\s*<path d="M/g) ?? []).length, 6)
      assert.match(body, /<title>6\. Kingston upon Thames 005E: 1 heard/)
      // Progress over time: every response was given on Friday 20 November, in the week starting Monday the 16th.
      const week = /<th scope="row" class="govuk-table__header">2026-11-16<\/th>([\s\S]*?)<\/tr>/.exec(body)?.[1] ?? ''
      const weekCells = [...week.matchAll(/govuk-table__cell[^>]*>([^<]*)</g)].map((m) => m[1]!.trim())
      assert.deepEqual(weekCells.slice(0, 3), ['23', '19', '5 (83.3%)'])
      assert.match(body, /<svg[^>]*role="img" aria-labelledby="reach-progress-heard-title"/)
      // Household deprivation beside reach: TS011 for E01002969 has 657 households, 170 not deprived in any
      // dimension, so (657 − 170) ÷ 657 = 74.1% are deprived in at least one.
      const row69 = new RegExp(`id="area-E01002969">([\\s\\S]*?)</tr>`).exec(body)?.[1] ?? ''
      const cells69 = [...row69.matchAll(/govuk-table__cell[^>]*>([^<]*)</g)].map((m) => m[1]!.trim())
      assert.equal(cells69[5], '74.1%')
    })

    test('nothing published shows a count under 10 or one not rounded to 5', async () => {
      const api = await new Client(t).get(`/api/v1/wards/${NORBITON}/reach`)
      assert.equal(api.statusCode, 200)
      const json = JSON.parse(api.body) as {
        ward: string
        areas: { code: string; heard: number | null; suppressed?: boolean }[]
        groups: { characteristic: string; category: string; participantShare: number | null; suppressed?: boolean }[]
      }
      assert.equal(json.ward, NORBITON)
      for (const a of json.areas) assert.ok(a.heard === null || (a.heard >= 10 && a.heard % 5 === 0), JSON.stringify(a))
      // 12 heard in E01002970 is published as 10; every other area is hidden (the small ones by the 10 rule).
      assert.equal(json.areas.find((a) => a.code === 'E01002970')?.heard, 10)
      assert.equal(json.areas.find((a) => a.code === 'E01002969')?.suppressed, true)
      // 3 disabled is hidden, and so is its complement (12 → 10 would give it away by differencing from the total).
      const disability = json.groups.filter((g) => g.characteristic === 'disability')
      assert.ok(disability.every((g) => g.suppressed === true && g.participantShare === null))
      const page = await new Client(t).get(base)
      assert.equal(page.statusCode, 200)
      for (const m of page.body.matchAll(
        /id="area-[^"]+">[\s\S]*?<\/th>\s*<td[^>]*>[^<]*<\/td>\s*<td[^>]*>([^<]*)</g,
      )) {
        const v = m[1]!.trim()
        assert.ok(v === 'not shown' || (Number(v) >= 10 && Number(v) % 5 === 0), v)
      }
      assert.doesNotMatch(page.body, />\s*3\s*<\/td>/)
    })

    test('the API answers exactly the schema the OpenAPI description documents', async () => {
      const doc = JSON.parse((await new Client(t).get('/api/v1/openapi.json')).body) as {
        paths: Record<string, { get: { responses: Record<string, { content: Record<string, { schema: object }> }> } }>
      }
      const schema =
        doc.paths['/api/v1/wards/{wardCode}/reach']?.get.responses['200']?.content['application/json']?.schema
      assert.ok(schema, 'the 200 response schema is in the OpenAPI description')
      const ajv = new Ajv({ strict: false, allErrors: true })
      const validate = ajv.compile(schema)
      const body = JSON.parse((await new Client(t).get(`/api/v1/wards/${NORBITON}/reach`)).body) as {
        areas: { heard: number | null; ratePer1000: number | null; suppressed?: boolean }[]
        groups: { participantShare: number | null; ratio: number | null; suppressed?: boolean }[]
      }
      assert.ok(validate(body), ajv.errorsText(validate.errors))
      // Hidden cells: null with "suppressed": true; shown cells carry no "suppressed" at all.
      for (const a of body.areas) {
        if (a.suppressed) assert.ok(a.heard === null && a.ratePer1000 === null)
        else assert.ok(a.heard !== null && !('suppressed' in a))
      }
      for (const g of body.groups) if (g.suppressed) assert.ok(g.participantShare === null && g.ratio === null)
      assert.ok(body.areas.some((a) => a.suppressed) && body.areas.some((a) => !a.suppressed))
      // The schema has teeth: a shown count given as text, or an extra field, is refused.
      assert.equal(validate({ ...body, areas: [{ ...body.areas[0], heard: 'ten' }] }), false)
      assert.equal(validate({ ...body, extra: 1 }), false)
    })

    test('where to go next ranks the unheard area first, and an officer can plan outreach for it', async () => {
      const v = await volunteer.get(`${base}/next`)
      assert.equal(v.statusCode, 200)
      assert.doesNotMatch(v.body, /name="target"/, 'volunteers see the list but do not plan')
      const page = await officer.get(`${base}/next`)
      const first = /<tbody class="govuk-table__body">\s*<tr[^>]*>\s*<td[^>]*>1<\/td>\s*<th[^>]*>([^<]*)/.exec(
        page.body,
      )
      assert.equal(first?.[1]?.trim(), 'Kingston upon Thames 005D')
      const bad = await officer.post(`${base}/next/plans`, {
        target: 'area|E01002972',
        place: '',
        plannedOn: 'soon',
        assignedTo: '',
      })
      assert.equal(bad.statusCode, 400)
      assert.match(bad.body, /govuk-error-summary/)
      const forged = await officer.post(`${base}/next/plans`, {
        target: 'area|E01002970',
        place: 'x',
        plannedOn: '2026-12-14',
        assignedTo: 'y',
      })
      assert.equal(forged.statusCode, 400, 'only a listed gap can be planned')
      const ok = await officer.post(`${base}/next/plans`, {
        target: 'area|E01002972',
        place: 'Cambridge Road Estate community room',
        plannedOn: '2026-12-14',
        assignedTo: 'Outreach team',
        notes: '',
      })
      assert.equal(ok.statusCode, 303)
      const after = await volunteer.get(`${base}/next`)
      assert.match(after.body, /Cambridge Road Estate community room/)
      const rows = await t.testDb.db.selectFrom('reach_outreach_plan').selectAll().execute()
      assert.equal(rows.length, 1)
      assert.equal(rows[0]!.target_label, 'Kingston upon Thames 005D')
    })

    test('another ward’s officer is refused, and reads are audited', async () => {
      const other = new Client(t)
      await other.signIn(await createUser(t, { role: 'officer', ward: OTHER_WARD, demo: true }))
      assert.equal((await other.get(`${base}/officer`)).statusCode, 403)
      assert.equal((await other.get(`${base}/next`)).statusCode, 403)
      const audited = await t.testDb.db
        .selectFrom('audit_event')
        .select('action')
        .where('action', 'in', ['reach.view', 'reach.outreach.view', 'reach.plan.create'])
        .execute()
      assert.ok(audited.some((a) => a.action === 'reach.view'))
      assert.ok(audited.some((a) => a.action === 'reach.plan.create'))
    })

    test('a response whose postcode was purged after its retention period still counts in its stored LSOA', async () => {
      const db = t.testDb.db
      const c = await db
        .selectFrom('engagement_consultation')
        .select('id')
        .where('title', '=', 'Reach test')
        .executeTakeFirstOrThrow()
      // As the retention purge leaves it: postcode deleted, the LSOA found at submission kept.
      await db
        .insertInto('engagement_response')
        .values({
          ward_id: wardId,
          consultation_id: Number(c.id),
          submission_key: 'reach-test-purged'.padEnd(20, 'x'),
          channel: 'online',
          postcode: null,
          area_code: 'E01002972',
          respondent_user_id: null,
          entered_by_user_id: null,
          event_id: null,
          responded_on: '2024-01-10',
          is_demo: 0,
          created_at: new Date().toISOString(),
        })
        .execute()
      const body = (await officer.get(`${base}/officer`)).body
      const summary = (label: string) =>
        new RegExp(`${label}[^<]*</dt>\\s*<dd class="govuk-summary-list__value">\\s*(\\d+)`).exec(body)?.[1]
      assert.equal(summary('Responses'), '24')
      assert.equal(summary('Placed in the ward'), '20')
      assert.equal(summary('LSOA stored with the response'), '1')
      assert.equal(summary('No postcode given'), '1')
      const row = /id="area-E01002972">([\s\S]*?)<\/tr>/.exec(body)?.[1] ?? ''
      const cells = [...row.matchAll(/govuk-table__cell[^>]*>([^<]*)</g)].map((m) => m[1]!.trim())
      assert.equal(cells[1], '1')
    })
  })
}
