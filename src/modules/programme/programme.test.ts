import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { after, before, describe, test } from 'node:test'
import { seedDemo } from '../../cli/seed.js'
import { findWardByCode } from '../../platform/tenancy/index.js'
import { testDatabases } from '../../../test/support/databases.js'
import { Client, createUser, NORBITON, startTestApp, type TestApp } from '../../../test/support/test-app.js'
import type { AccountabilityReport } from './programme.service.js'

/** A third Kingston ward (Canbury Gardens), not switched on by the test app: the admin switches it on here. */
const CANBURY = 'E05013930'
const MARK = 'Zebra-Quokka' // a word that appears only in the second ward's data, to spot any leak

/** Every published count is hidden (null) or at least 10 and a multiple of 5. */
function assertDisclosed(r: AccountabilityReport): void {
  const counts = [
    r.voices.responses,
    ...r.voices.byChannel.map((c) => c.responses),
    ...r.themes.flatMap((x) => [x.responses, x.ideas]),
    r.reach.heard,
    r.reach.notPlaced,
    ...r.reach.areas.map((a) => a.heard),
    ...r.services.map((s) => s.ratings.count),
  ]
  for (const c of counts) assert.ok(c === null || (c >= 10 && c % 5 === 0), `undisclosed count ${c}`)
}

const pdfText = (pdf: Buffer) => execFileSync('pdftotext', ['-enc', 'UTF-8', '-', '-'], { input: pdf }).toString('utf8')

for (const kind of await testDatabases()) {
  describe(`programme pages, accountability API and replication on ${kind.dialect}`, () => {
    let t: TestApp
    let admin: Client
    let resident: Client
    const api = (code: string) => `/api/v1/wards/${code}/accountability`

    before(async () => {
      t = await startTestApp(kind, { DEMO_MODE: 'true' })
      const council = await t.testDb.db.selectFrom('tenancy_council').select('id').executeTakeFirstOrThrow()
      await seedDemo(t.testDb.db, t.tenant, Number(council.id), 10)
      admin = new Client(t)
      await admin.signIn(await createUser(t, { role: 'admin', demo: true }))
      resident = new Client(t)
      await resident.signIn(await createUser(t))
    })
    after(async () => t.stop())

    test('the public page shows every section, with accessible SVG charts and the data in tables', async () => {
      const res = await new Client(t).get(`/wards/${NORBITON}/programme`)
      assert.equal(res.statusCode, 200)
      for (const heading of [
        'Themes and what people raised',
        'How people took part',
        'Who has been heard',
        'Priorities chosen',
        'The fund and spend by partner',
        'Services commissioned and how they are doing',
      ])
        assert.ok(res.body.includes(heading), heading)
      const svgs = res.body.match(/<svg class="app-chart__svg"[^>]*>/g) ?? []
      assert.ok(svgs.length >= 4, `${svgs.length} charts`)
      for (const svg of svgs) assert.match(svg, /role="img" aria-labelledby="chart-[a-z]+-title chart-[a-z]+-desc"/)
      assert.equal((res.body.match(/<title id="chart-/g) ?? []).length, svgs.length)
      assert.equal((res.body.match(/<desc id="chart-/g) ?? []).length, svgs.length)
      // Each chart is followed by its table.
      assert.ok((res.body.match(/<table class="govuk-table">/g) ?? []).length >= svgs.length)
      assert.match(res.body, /Demo: One Norbiton pooled fund/)
    })

    test('the API returns services with status, progress, KPIs and spend in pence by partner; counts disclosed', async () => {
      const res = await new Client(t).get(api(NORBITON))
      assert.equal(res.statusCode, 200)
      const r = res.json<AccountabilityReport>()
      assert.equal(r.ward.code, NORBITON)
      assert.equal(r.ward.active, true)
      assertDisclosed(r)
      assert.ok(r.themes.length >= 4)
      assert.equal(r.voices.byChannel.length, 6)
      assert.ok(r.reach.areas.length > 0)
      assert.ok(r.priorities.length > 0)
      assert.ok(r.fund.byPartner.length > 0)
      for (const p of r.fund.byPartner) {
        for (const k of ['pledgedPence', 'receivedPence', 'committedPence', 'paidPence'] as const)
          assert.ok(Number.isSafeInteger(p[k]), `${p.partnerName} ${k}`)
        assert.ok(p.paidPence <= p.committedPence && p.receivedPence <= p.pledgedPence)
      }
      assert.equal(
        r.fund.byPartner.reduce((s, p) => s + p.pledgedPence, 0),
        r.fund.totals.pledgedPence,
      )
      assert.ok(r.services.length > 0)
      for (const s of r.services) {
        assert.equal(typeof s.status, 'string')
        assert.ok(s.progress === null || (Number.isInteger(s.progress) && s.progress >= 0 && s.progress <= 100))
        assert.ok(Array.isArray(s.kpis))
        assert.ok(Number.isSafeInteger(s.spend.committedPence) && Number.isSafeInteger(s.spend.paidPence))
        assert.equal(s.spend.remainingPence, s.spend.committedPence - s.spend.paidPence)
        for (const b of s.spend.byPartner) assert.ok(Number.isSafeInteger(b.committedPence))
      }
      // The demo tracks services with returns: at least one has progress and a KPI.
      assert.ok(r.services.some((s) => s.tracked && s.progress !== null))
      assert.ok(r.services.some((s) => s.kpis.length > 0))
      assert.ok(r.services.some((s) => s.spend.byPartner.length > 0))
      // Nothing personal: no email address or user id anywhere in the answer.
      assert.doesNotMatch(res.body, /@demo\.example|userId|postcode/i)
    })

    test('both routes are in the OpenAPI description with a response schema; /api/v1/wards lists wards', async () => {
      const doc = (await new Client(t).get('/api/v1/openapi.json')).json<{
        paths: Record<string, { get?: { responses?: Record<string, { content?: unknown }> } }>
      }>()
      const acc = doc.paths['/api/v1/wards/{wardCode}/accountability']?.get
      assert.ok(acc?.responses?.['200']?.content, 'accountability response schema')
      assert.ok(doc.paths['/api/v1/wards']?.get?.responses?.['200'], 'wards response schema')
      const wards = (await new Client(t).get('/api/v1/wards')).json<{
        wards: { code: string; active: boolean }[]
      }>()
      assert.ok(wards.wards.length >= 19)
      assert.equal(wards.wards.find((w) => w.code === NORBITON)?.active, true)
      assert.equal(wards.wards.find((w) => w.code === CANBURY)?.active, false)
    })

    test('an unknown or inactive ward is not found (page and API)', async () => {
      assert.equal((await new Client(t).get(api(CANBURY))).statusCode, 404)
      assert.equal((await new Client(t).get(`/wards/${CANBURY}/programme`)).statusCode, 404)
      assert.equal((await new Client(t).get(api('E05999999'))).statusCode, 404)
      assert.equal((await new Client(t).get('/api/v1/wards/not-a-code/accountability')).statusCode, 404)
    })

    test('CSV download: BOM, every table, formula-safe', async () => {
      const ward = (await findWardByCode(t.testDb.db, NORBITON))!
      // A theme whose name is a spreadsheet formula (officers can name themes): it must arrive as text.
      await t.testDb.db
        .insertInto('engagement_theme')
        .values({
          ward_id: ward.id,
          slug: 'formula',
          name: '=HYPERLINK("http://evil.example","x")',
          description: '',
          created_at: new Date().toISOString(),
        })
        .execute()
      const res = await new Client(t).get(`/wards/${NORBITON}/programme/report.csv`)
      assert.equal(res.statusCode, 200)
      assert.match(String(res.headers['content-type']), /^text\/csv; charset=utf-8/)
      assert.match(
        String(res.headers['content-disposition']),
        /^attachment; filename="E05013941-programme-\d{4}-\d\d-\d\d\.csv"$/,
      )
      assert.ok(res.body.startsWith('\uFEFF'))
      assert.ok(res.body.includes(`"'=HYPERLINK(""http://evil.example"",""x"")"`))
      for (const line of res.body.slice(1).split('\r\n')) assert.doesNotMatch(line, /^[=+\-@]/)
      assert.match(res.body, /Demo: Kingston Council Public Health,Council department,/)
      assert.match(res.body, /Partner,Kind,Pledged,Received,Committed,Paid/)
      const pl = await new Client(t).get(`/wards/${NORBITON}/programme/report.csv?lang=pl`)
      assert.match(pl.body, /Tematy i co ludzie zgłaszali/)
    })

    test('PDF report renders English, Polish and Korean text (checked with pdftotext)', async () => {
      const expected: Record<string, string[]> = {
        en: ['programme report', 'Themes and what people raised', 'Demo: One Norbiton pooled fund'],
        pl: [
          'raport z programu',
          'Tematy i co ludzie zgłaszali',
          'Fundusz i wydatki według partnera',
          'Zgodnie z planem',
        ],
        ko: ['프로그램 보고서', '주제와 주민들이 제기한 것', '기금과 파트너별 지출'],
      }
      for (const [lang, phrases] of Object.entries(expected)) {
        const res = await new Client(t).get(`/wards/${NORBITON}/programme/report.pdf?lang=${lang}`)
        assert.equal(res.statusCode, 200)
        assert.equal(res.headers['content-type'], 'application/pdf')
        assert.equal(res.headers['x-content-type-options'], 'nosniff')
        const pdf = res.rawPayload
        assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-')
        const text = pdfText(pdf).replace(/\s+/g, ' ')
        for (const p of phrases) assert.ok(text.includes(p), `${lang}: "${p}" missing`)
      }
    })

    test('replication: only admins; bad input re-renders with an error summary and copies nothing', async () => {
      assert.equal((await resident.get('/admin/programme/replicate')).statusCode, 403)
      const anon = await new Client(t).get('/admin/programme/replicate')
      assert.equal(anon.statusCode, 303)
      const page = await admin.get('/admin/programme/replicate')
      assert.equal(page.statusCode, 200)
      assert.match(page.body, /Start the programme in another ward/)
      const same = await admin.post('/admin/programme/replicate', { from: NORBITON, to: NORBITON, activate: 'yes' })
      assert.equal(same.statusCode, 400)
      assert.match(same.body, /govuk-error-summary/)
      const junk = await admin.post('/admin/programme/replicate', { from: 'x', to: { a: 1 } as unknown as string })
      assert.equal(junk.statusCode, 400)
      const inactiveSource = await admin.post('/admin/programme/replicate', {
        from: CANBURY,
        to: NORBITON,
        activate: 'no',
      })
      assert.equal(inactiveSource.statusCode, 400)
      const canbury = (await findWardByCode(t.testDb.db, CANBURY))!
      assert.equal(canbury.isActive, false)
      const themes = await t.testDb.db
        .selectFrom('engagement_theme')
        .select('id')
        .where('ward_id', '=', canbury.id)
        .execute()
      assert.equal(themes.length, 0)
      // A resident's forged post is refused before anything happens.
      const forged = await resident.post('/admin/programme/replicate', { from: NORBITON, to: CANBURY, activate: 'yes' })
      assert.equal(forged.statusCode, 403)
      assert.equal((await findWardByCode(t.testDb.db, CANBURY))!.isActive, false)
    })

    test('an admin switches on a second ward, copies the template, and no data leaks between the two', async () => {
      const db = t.testDb.db
      const norbiton = (await findWardByCode(db, NORBITON))!
      // The demo seed has its own panel settings; these known ones replace them so the copy can be checked.
      const settings = {
        k: 24,
        one_per_household: 1 as const,
        quotas_json: JSON.stringify([
          { category: 'age_band', value: '16-24', min: 2, max: 6 },
          { category: 'area', value: 'E01002969', min: 1, max: 5 },
        ]),
        updated_by_user_id: null,
        updated_at: new Date().toISOString(),
      }
      await db
        .insertInto('panel_settings')
        .values({ ward_id: norbiton.id, ...settings })
        .onConflict((oc) => oc.column('ward_id').doUpdateSet(settings))
        .execute()
      const before = (await new Client(t).get(api(NORBITON))).json<AccountabilityReport>()

      await admin.get('/admin/programme/replicate')
      const res = await admin.post('/admin/programme/replicate', { from: NORBITON, to: CANBURY, activate: 'yes' })
      assert.equal(res.statusCode, 303)
      t.wards.invalidate()
      const canbury = (await findWardByCode(db, CANBURY))!
      assert.equal(canbury.isActive, true)

      // The design was copied ...
      const srcThemes = await db
        .selectFrom('engagement_theme')
        .select(['slug'])
        .where('ward_id', '=', norbiton.id)
        .execute()
      const newThemes = await db
        .selectFrom('engagement_theme')
        .select(['id', 'slug'])
        .where('ward_id', '=', canbury.id)
        .execute()
      assert.deepEqual(newThemes.map((x) => x.slug).sort(), srcThemes.map((x) => x.slug).sort())
      const consultations = await db
        .selectFrom('engagement_consultation')
        .selectAll()
        .where('ward_id', '=', canbury.id)
        .execute()
      assert.equal(consultations.length, 1)
      assert.equal(consultations[0]!.status, 'draft')
      const newThemeIds = new Set(newThemes.map((x) => Number(x.id)))
      for (const id of JSON.parse(consultations[0]!.theme_ids_json) as number[]) assert.ok(newThemeIds.has(id))
      const questions = await db
        .selectFrom('engagement_question')
        .select(['kind', 'prompt', 'ward_id', 'theme_id'])
        .where('consultation_id', '=', consultations[0]!.id)
        .execute()
      assert.ok(questions.length > 0)
      assert.ok(questions.every((q) => Number(q.ward_id) === canbury.id))
      assert.ok(questions.every((q) => q.theme_id === null || newThemeIds.has(Number(q.theme_id))))
      const frame = await db.selectFrom('understanding_theme').selectAll().where('ward_id', '=', canbury.id).execute()
      const srcFrame = await db
        .selectFrom('understanding_theme')
        .selectAll()
        .where('ward_id', '=', norbiton.id)
        .where('status', '=', 'active')
        .execute()
      assert.equal(frame.length, srcFrame.length)
      const frameIds = new Set(frame.map((f) => Number(f.id)))
      for (const f of frame) {
        assert.ok(f.parent_id === null || frameIds.has(Number(f.parent_id)), 'parent inside the new ward')
        assert.ok(f.engagement_theme_id === null || newThemeIds.has(Number(f.engagement_theme_id)))
      }
      const panel = await db
        .selectFrom('panel_settings')
        .selectAll()
        .where('ward_id', '=', canbury.id)
        .executeTakeFirst()
      assert.equal(panel?.k, 24)
      assert.deepEqual(JSON.parse(panel!.quotas_json), [{ category: 'age_band', value: '16-24', min: 2, max: 6 }])
      // ... and none of Norbiton's residents' data.
      for (const table of ['engagement_response', 'engagement_answer', 'engagement_equality', 'ideas_idea'] as const) {
        const n = await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('ward_id', '=', canbury.id)
          .executeTakeFirstOrThrow()
        assert.equal(Number(n.n), 0, table)
      }
      // Data in the second ward: an idea (through the page), responses, a partner's pledge, a published process.
      const poster = new Client(t)
      await poster.signIn(await createUser(t))
      await poster.get(`/wards/${CANBURY}/ideas/new`)
      const idea = await poster.post(`/wards/${CANBURY}/ideas`, {
        kind: 'idea',
        title: `${MARK} community garden`,
        body: 'Somewhere to grow food',
        theme: String(newThemes[0]!.id),
        postcode: 'KT2 5AA',
      })
      assert.equal(idea.statusCode, 303)
      const now = new Date().toISOString()
      for (let i = 0; i < 37; i++)
        await db
          .insertInto('engagement_response')
          .values({
            ward_id: canbury.id,
            consultation_id: Number(consultations[0]!.id),
            submission_key: `leak-test-${kind.dialect}-${i}`,
            channel: 'phone',
            postcode: null,
            area_code: null,
            respondent_user_id: null,
            entered_by_user_id: null,
            event_id: null,
            responded_on: now.slice(0, 10),
            is_demo: 0,
            created_at: now,
          })
          .execute()
      const partner = await db
        .insertInto('ledger_partner')
        .values({ ward_id: canbury.id, name: `${MARK} Trust`, kind: 'voluntary', created_at: now })
        .returning('id')
        .executeTakeFirstOrThrow()
      const fund = await db
        .insertInto('ledger_fund')
        .values({ ward_id: canbury.id, financial_year: '2026-27', name: `${MARK} fund`, created_at: now })
        .returning('id')
        .executeTakeFirstOrThrow()
      const { createLedger } = await import('../ledger/index.js')
      const ledger = createLedger({ db, dialect: kind.dialect, write: (w) => db.transaction().execute(w) })
      const pledged = await ledger.pledge(
        `leak-test-pledge-${kind.dialect}`,
        {
          wardId: canbury.id,
          fundId: Number(fund.id),
          partnerId: Number(partner.id),
          amountPence: 1_234_567,
          themes: [],
          expiresOn: null,
          approvalRequired: false,
          note: MARK,
        },
        { userId: null },
      )
      assert.ok(pledged.ok)

      const after = (await new Client(t).get(api(NORBITON))).json<AccountabilityReport>()
      const b = (await new Client(t).get(api(CANBURY))).json<AccountabilityReport>()
      // Norbiton's figures did not move; Canbury's are its own.
      assert.deepEqual({ ...after, generatedAt: '' }, { ...before, generatedAt: '' })
      assert.equal(b.ward.code, CANBURY)
      assert.equal(b.voices.responses, 35) // 37 rounded to the nearest 5
      assert.equal(b.voices.byChannel.find((c) => c.channel === 'phone')?.responses, 35)
      assert.deepEqual(
        b.fund.byPartner.map((p) => [p.partnerName, p.pledgedPence]),
        [[`${MARK} Trust`, 1_234_567]],
      )
      assert.equal(b.priorities.length, 0)
      assert.equal(b.services.length, 0)
      assertDisclosed(b)

      // No page or API of Norbiton shows anything of Canbury's.
      const anon = new Client(t)
      for (const url of [
        api(NORBITON),
        `/wards/${NORBITON}/programme`,
        `/wards/${NORBITON}/programme/report.csv`,
        `/wards/${NORBITON}/ideas`,
        `/wards/${NORBITON}/fund`,
        `/wards/${NORBITON}/commissioning`,
        `/api/v1/wards/${NORBITON}/reach`,
      ]) {
        const r = await anon.get(url)
        assert.equal(r.statusCode, 200, url)
        assert.ok(!r.body.includes(MARK), `${url} shows the other ward's data`)
      }
      const pdf = await anon.get(`/wards/${NORBITON}/programme/report.pdf`)
      assert.ok(!pdfText(pdf.rawPayload).includes(MARK))
      // And the other way round: Canbury's pages show none of Norbiton's demo content.
      for (const url of [
        api(CANBURY),
        `/wards/${CANBURY}/programme`,
        `/wards/${CANBURY}/ideas`,
        `/wards/${CANBURY}/fund`,
      ]) {
        const r = await anon.get(url)
        assert.equal(r.statusCode, 200, url)
        assert.ok(!/Demo: One Norbiton pooled fund|Demo: Kingston Council Public Health/.test(r.body), url)
      }
      const canburyPage = await anon.get(`/wards/${CANBURY}/programme`)
      assert.ok(canburyPage.body.includes(`${MARK} Trust`))

      // The copy is audited with what was copied (the route's own event is appended once its response is sent).
      const audit = await db
        .selectFrom('audit_event')
        .select(['action', 'detail'])
        .where('action', 'in', ['programme.replicate', 'programme.template.copied'])
        .execute()
      assert.ok(audit.some((a) => a.action === 'programme.replicate'))
      const copied = audit.find((a) => a.action === 'programme.template.copied')
      assert.ok(copied && JSON.parse(copied.detail).to === CANBURY)

      // The borough view compares both, side by side.
      const borough = await anon.get('/borough')
      assert.equal(borough.statusCode, 200)
      assert.match(borough.body, /href="\/wards\/E05013941\/programme">Norbiton</)
      assert.match(borough.body, /href="\/wards\/E05013930\/programme">Canbury Gardens</)
      assert.match(borough.body, /role="img"/)
    })

    test('copying again adds no duplicate themes, frame themes or panel settings', async () => {
      const db = t.testDb.db
      const canbury = (await findWardByCode(db, CANBURY))!
      const count = async (table: 'engagement_theme' | 'understanding_theme') =>
        Number(
          (
            await db
              .selectFrom(table)
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where('ward_id', '=', canbury.id)
              .executeTakeFirstOrThrow()
          ).n,
        )
      const [themes, frame] = [await count('engagement_theme'), await count('understanding_theme')]
      await admin.get('/admin/programme/replicate')
      const res = await admin.post('/admin/programme/replicate', { from: NORBITON, to: CANBURY, activate: 'no' })
      assert.equal(res.statusCode, 303)
      assert.equal(await count('engagement_theme'), themes)
      assert.equal(await count('understanding_theme'), frame)
      // Switching on is never undone by a copy with "no".
      assert.equal((await findWardByCode(db, CANBURY))!.isActive, true)
    })

    test('the kept tally of responses is worked out again as soon as a response arrives', async () => {
      const db = t.testDb.db
      const canbury = (await findWardByCode(db, CANBURY))!
      const before = (await new Client(t).get(api(CANBURY))).json<AccountabilityReport>()
      const consultation = await db
        .selectFrom('engagement_consultation')
        .select('id')
        .where('ward_id', '=', canbury.id)
        .executeTakeFirstOrThrow()
      const now = new Date().toISOString()
      for (let i = 0; i < 13; i++)
        await db
          .insertInto('engagement_response')
          .values({
            ward_id: canbury.id,
            consultation_id: Number(consultation.id),
            submission_key: `fresh-${kind.dialect}-${i}`,
            channel: 'online',
            postcode: null,
            area_code: null,
            respondent_user_id: null,
            entered_by_user_id: null,
            event_id: null,
            responded_on: now.slice(0, 10),
            is_demo: 0,
            created_at: now,
          })
          .execute()
      const after = (await new Client(t).get(api(CANBURY))).json<AccountabilityReport>()
      assert.equal(before.voices.responses, 35)
      assert.equal(after.voices.responses, 50) // 37 + 13 = 50
      assert.equal(after.voices.byChannel.find((c) => c.channel === 'online')?.responses, 15) // 13 rounds to 15
    })
  })
}
