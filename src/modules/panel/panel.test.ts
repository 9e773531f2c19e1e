import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { testDatabases } from '../../../test/support/databases.js'
import { Client, createUser, NORBITON, OTHER_WARD, startTestApp, type TestApp } from '../../../test/support/test-app.js'
import { parsePoolCsv, residualInstance, suggestQuotas, type PoolMember, type WardFigure } from './panel.rules.js'
import type { Quota } from './selection/index.js'

const AGES = ['16-24', '25-34', '35-49', '50-64', '65+']
const SEXES = ['female', 'male']
const ETHNIC = ['white', 'mixed', 'asian', 'black', 'other']
const TENURES = ['owned', 'social-rented', 'private-rented', 'other']

describe('panel rules', () => {
  test('suggested quotas follow the Census shares with the tolerance, and leave unknowns open', () => {
    const figures: WardFigure[] = [
      { characteristic: 'sex', category: 'Female', count: 600, universe: 'persons' },
      { characteristic: 'sex', category: 'Male', count: 400, universe: 'persons' },
      { characteristic: 'age', category: 'Aged 15 years and under', count: 500, universe: 'persons' },
      { characteristic: 'age', category: 'Aged 16 to 24 years', count: 250, universe: 'persons' },
      { characteristic: 'age', category: 'Aged 65 years and over', count: 250, universe: 'persons' },
      { characteristic: 'tenure', category: 'Owned: Owns outright', count: 30, universe: 'households' },
      { characteristic: 'tenure', category: 'Social rented: Other social rented', count: 70, universe: 'households' },
    ]
    const q = suggestQuotas({ k: 10, tolerance: 1, figures, areas: [{ code: 'E01000001', population: 100 }] })
    const get = (c: string, v: string) => q.find((x) => x.category === c && x.value === v)!
    assert.deepEqual([get('sex', 'female').min, get('sex', 'female').max], [5, 7])
    assert.deepEqual([get('sex', 'male').min, get('sex', 'male').max], [3, 5])
    assert.deepEqual([get('sex', 'prefer-not-to-say').min, get('sex', 'prefer-not-to-say').max], [0, 10])
    // Children are outside the panel: the adult bands share the whole panel.
    assert.deepEqual([get('age_band', '16-24').min, get('age_band', '16-24').max], [4, 6])
    assert.deepEqual([get('age_band', '25-34').min, get('age_band', '25-34').max], [0, 1])
    assert.deepEqual([get('tenure', 'social-rented').min, get('tenure', 'social-rented').max], [6, 8])
    assert.deepEqual([get('ethnic_group', 'white').min, get('ethnic_group', 'white').max], [0, 10])
    assert.deepEqual([get('area', 'E01000001').min, get('area', 'E01000001').max], [9, 10])
  })

  test('the pool CSV reports every bad row and keeps none of them', () => {
    const csv = [
      'id,age_band,sex,ethnic_group,disability,tenure,area',
      'a,16-24,female,white,disabled,owned,unknown',
      'b,17,female,white,disabled,owned,unknown',
      'c,25-34,MALE,asian,not-disabled,owned,E0999',
      'a,25-34,male,asian,not-disabled,owned,unknown',
    ].join('\n')
    const { rows, errors } = parsePoolCsv(csv, ['E01000001'])
    assert.equal(rows.length, 1)
    assert.deepEqual(
      errors.map((e) => [e.line, e.key]),
      [
        [3, 'badValue'],
        [4, 'badValue'],
        [5, 'idTwice'],
      ],
    )
    assert.deepEqual(errors[0]!.vars, {
      column: 'age_band',
      value: '17',
      allowed: '16-24, 25-34, 35-49, 50-64, 65+, prefer-not-to-say',
    })
  })

  test('a pool file that cannot be read names the line and the reason, as translation keys', () => {
    const header = 'id,age_band,sex,ethnic_group,disability,tenure,area'
    const keys = (csv: string) => parsePoolCsv(csv, ['E01000001']).errors.map((e) => [e.line, e.key])
    assert.deepEqual(keys(''), [[0, 'empty']])
    assert.deepEqual(keys(header), [[0, 'noRows']])
    assert.deepEqual(keys(`${header}\na,16-24,"female`), [[2, 'quotes']])
    assert.deepEqual(keys('id,age_band,sex,colour'), [
      [1, 'unknownColumn'],
      [1, 'missingColumn'],
      [1, 'missingColumn'],
      [1, 'missingColumn'],
      [1, 'missingColumn'],
    ])
    assert.deepEqual(keys(`${header}\na,16-24`), [[2, 'fieldCount']])
    assert.deepEqual(keys(`${header}\n${'x'.repeat(65)},16-24,female,white,disabled,owned,unknown`), [[2, 'idTooLong']])
  })

  test('the residual problem shifts the quotas by what the kept members cover', () => {
    const member = (id: string, sex: string): PoolMember => ({
      pseudonym: id,
      household: null,
      values: { age_band: '16-24', sex, ethnic_group: 'white', disability: 'disabled', tenure: 'owned', area: 'x' },
    })
    const quotas: Quota[] = [
      { category: 'sex', value: 'female', min: 2, max: 3 },
      { category: 'sex', value: 'male', min: 1, max: 2 },
    ]
    const pool = ['a', 'b', 'c', 'd', 'e'].map((id, i) => member(id, i % 2 ? 'male' : 'female'))
    const { instance, seats } = residualInstance({
      pool,
      kept: [pool[0]!, pool[1]!],
      excluded: new Set(['c']),
      quotas,
      k: 4,
      onePerHousehold: false,
    })
    assert.equal(seats, 2)
    assert.deepEqual(
      instance.respondents.map((r) => r.id),
      ['d', 'e'],
    )
    assert.deepEqual(
      instance.quotas.map((q) => [q.min, q.max]),
      [
        [1, 2],
        [0, 1],
      ],
    )
  })
})

for (const kind of await testDatabases()) {
  describe(`community panel on ${kind.dialect}`, () => {
    let t: TestApp
    let officer: Client
    const residents: { id: number; client: Client }[] = []
    const base = `/wards/${NORBITON}/panel/manage`

    async function clientFor(userId: number): Promise<Client> {
      const c = new Client(t)
      const { cookieValue } = await t.sessions.store.create({ userId, mfaVerified: true })
      c.cookies.set('wt_session', cookieValue)
      return c
    }
    const count = async (table: 'panel_volunteer' | 'panel_settings' | 'panel_run' | 'panel_member') =>
      Number(
        (
          await t.testDb.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      )

    before(async () => {
      t = await startTestApp(kind, { DEMO_MODE: 'true' })
      officer = await clientFor((await createUser(t, { role: 'officer', demo: true })).id)
      for (let i = 0; i < 30; i++) {
        const u = await createUser(t, { postcode: `KT2 7A${String.fromCharCode(65 + (i % 26))}` })
        residents.push({ id: u.id, client: await clientFor(u.id) })
      }
    })
    after(async () => t.stop())

    test('bad volunteer answers re-render with the error summary and store nothing', async () => {
      const c = residents[0]!.client
      const page = await c.get('/account/panel')
      assert.equal(page.statusCode, 200)
      assert.match(page.body, /name="consent"/)
      const res = await c.post('/account/panel/volunteer', { age_band: '16-24', sex: 'female' })
      assert.equal(res.statusCode, 400)
      assert.match(res.body, /govuk-error-summary/)
      assert.match(res.body, /Agree that your answers can be used/)
      assert.equal(await count('panel_volunteer'), 0)
    })

    test('residents volunteer through the form and can withdraw', async () => {
      for (const [i, r] of residents.entries()) {
        await r.client.get('/account/panel')
        const res = await r.client.post('/account/panel/volunteer', {
          consent: 'yes',
          age_band: AGES[i % AGES.length]!,
          sex: i % 7 === 6 ? 'prefer-not-to-say' : SEXES[i % 2]!,
          ethnic_group: ETHNIC[i % ETHNIC.length]!,
          disability: i % 4 === 0 ? 'yes' : 'no',
          tenure: TENURES[i % TENURES.length]!,
          area: 'unknown',
        })
        assert.equal(res.statusCode, 303, res.body.slice(0, 500))
      }
      assert.equal(await count('panel_volunteer'), 30)
      const last = residents[29]!.client
      await last.get('/account/panel')
      assert.equal((await last.post('/account/panel/withdraw')).statusCode, 303)
      const row = await t.testDb.db
        .selectFrom('panel_volunteer')
        .selectAll()
        .where('user_id', '=', residents[29]!.id)
        .executeTakeFirstOrThrow()
      assert.equal(row.status, 'withdrawn')
      assert.equal(row.sex, '', 'withdrawal erases the answers')
    })

    test('CSV import is all or nothing, with an error per bad row', async () => {
      await officer.get(`${base}/import`)
      const header = 'id,age_band,sex,ethnic_group,disability,tenure,area,household'
      const good = Array.from(
        { length: 12 },
        (_, i) =>
          `ext-${i},${AGES[(i + 2) % 5]},${SEXES[i % 2]},${ETHNIC[(i + 1) % 5]},not-disabled,${TENURES[i % 4]},unknown,h${i}`,
      )
      const bad = [header, ...good, 'ext-x,12-15,female,white,no,owned,unknown,h', 'ext-y,16-24,female']
      const res = await officer.post(`${base}/import`, { csv: bad.join('\n'), consent: 'yes' })
      assert.equal(res.statusCode, 400)
      assert.match(res.body, /govuk-error-summary/)
      assert.match(res.body, /Line 14: In age_band, “12-15” is not one of the codes: 16-24, 25-34/)
      assert.match(res.body, /Line 15: This row has 3 values, but the first row names 8 columns\./)
      // The officer reads the problems in their language.
      const inPolish = await officer.post(`${base}/import?lang=pl`, { csv: bad.join('\n'), consent: 'yes' })
      assert.match(inPolish.body, /Wiersz 15: Ten wiersz ma 3 wartości, a pierwszy wiersz podaje 8 kolumn\./)
      assert.equal(await count('panel_volunteer'), 30, 'nothing imported')
      const noConsent = await officer.post(`${base}/import`, { csv: [header, ...good].join('\n') })
      assert.equal(noConsent.statusCode, 400)
      assert.equal(await count('panel_volunteer'), 30)
      const ok = await officer.post(`${base}/import`, { csv: [header, ...good].join('\n'), consent: 'yes' })
      assert.equal(ok.statusCode, 303)
      assert.equal(await count('panel_volunteer'), 42)
    })

    function quotaForm(page: string, overrides: Record<string, [number, number]>, k: number): Record<string, string> {
      // Rows are rendered in order with visually hidden labels "Minimum for <feature>: <label>"; read the ids from the page.
      const form: Record<string, string> = { k: String(k), tolerance: '1', action: 'save' }
      for (const m of page.matchAll(/name="(min|max)_(\d+)" type="text" value="(\d+)"/g))
        form[`${m[1]}_${m[2]}`] = String(Math.min(Number(m[3]), k))
      for (const [label, [min, max]] of Object.entries(overrides)) {
        const re = new RegExp(`for="min_(\\d+)">\\s*Minimum for ${label}\\s*<`)
        const i = re.exec(page)?.[1]
        assert.ok(i !== undefined, `row ${label}`)
        form[`min_${i}`] = String(min)
        form[`max_${i}`] = String(max)
      }
      return form
    }

    test('quotas: bad bounds are refused, infeasible ones explained with a relaxation, good ones saved', async () => {
      const page = (await officer.get(`${base}/quotas`)).body
      assert.match(page, /Suggest quotas from the Census/)
      const bad = quotaForm(page, { 'Sex: Female': [5, 2] }, 8)
      const refused = await officer.post(`${base}/quotas`, bad)
      assert.equal(refused.statusCode, 400)
      assert.match(refused.body, /govuk-error-summary/)
      // The error names the row as the table does: several features have a "Prefer not to say".
      assert.match(refused.body, /The minimum for Sex: Female must not be more than its maximum/)
      const tooBig = await officer.post(`${base}/quotas`, quotaForm(page, { 'Age: Prefer not to say': [0, 9] }, 8))
      assert.equal(tooBig.statusCode, 400)
      assert.match(tooBig.body, /Enter a maximum from 0 to 8 for Age: Prefer not to say/)
      assert.equal(await count('panel_settings'), 0)
      const suggest = await officer.post(`${base}/quotas`, { k: '8', tolerance: '1', action: 'suggest' })
      assert.equal(suggest.statusCode, 200)
      const impossible = quotaForm(page, { 'Sex: Female': [7, 8], 'Sex: Male': [7, 8] }, 8)
      const check = await officer.post(`${base}/quotas`, { ...impossible, action: 'check' })
      assert.equal(check.statusCode, 200)
      assert.match(check.body, /id="feasibility-issues"/)
      assert.match(check.body, /The minimums for Sex add up to 14, more than the panel size of 8\./)
      assert.match(check.body, /id="relaxation"/)
      // The reasons are in the officer's language, as the rest of the page.
      const inPolish = await officer.post(`${base}/quotas?lang=pl`, { ...impossible, action: 'check' })
      assert.match(inPolish.body, /Minima dla cechy Płeć sumują się do 14, czyli więcej niż liczebność panelu \(8\)\./)
      assert.equal(await count('panel_settings'), 0, 'checking saves nothing')
      const form = quotaForm(
        page,
        { 'Sex: Female': [3, 5], 'Sex: Male': [3, 5], 'Age: 16 to 24': [1, 3], 'Age: 65 and over': [1, 3] },
        8,
      )
      const saved = await officer.post(`${base}/quotas`, form)
      assert.equal(saved.statusCode, 303, saved.body.slice(0, 2000))
      assert.equal(await count('panel_settings'), 1)
    })

    let seed = ''
    test('selection shows every probability and the draw meets the quotas; the audit log holds the seed', async () => {
      const started = performance.now()
      const sel = await officer.post(`${base}/select`)
      assert.equal(sel.statusCode, 303, sel.body.slice(0, 2000))
      const ms = performance.now() - started
      const page = await officer.get(`${base}/selection`)
      assert.equal(page.statusCode, 200)
      const rows = [...page.body.matchAll(/<td class="govuk-table__cell"><code>(V-[0-9A-F]{8})<\/code><\/td>/g)]
      assert.equal(rows.length, 41)
      const run = await t.testDb.db.selectFrom('panel_run').selectAll().executeTakeFirstOrThrow()
      const probs = JSON.parse(run.probabilities_json) as [string, number][]
      assert.ok(Math.abs(probs.reduce((s, [, p]) => s + p, 0) - 8) < 1e-6)
      assert.ok(Number(run.min_probability) > 0)
      console.log(`  ${kind.dialect}: selection (LEXIMIN ${run.leximin_ms} ms, n=41, k=8) took ${ms.toFixed(0)} ms`)
      seed = /name="seed" type="text" value="([0-9a-f]{32})"/.exec(page.body)?.[1] ?? ''
      assert.ok(seed, 'a random seed is offered before the draw')
      const badSeed = await officer.post(`${base}/draw`, { seed: 'no!' })
      assert.equal(badSeed.statusCode, 400)
      assert.equal(await count('panel_member'), 0)
      const drawn = await officer.post(`${base}/draw`, { seed })
      assert.equal(drawn.statusCode, 303)
      assert.equal(await count('panel_member'), 8)
      await assertQuotasMet()
      const events = await t.audit.list({ wardIds: 'all', limit: 50 })
      const draw = events.find((e) => e.action === 'panel.draw.recorded')
      assert.ok(draw)
      const detail = JSON.parse(draw.detail) as { seed: string; probabilitiesHash: string; drawn: string[] }
      assert.equal(detail.seed, seed)
      assert.equal(detail.probabilitiesHash, run.probabilities_hash)
      assert.equal(detail.drawn.length, 8)
      assert.ok(
        events.some((e) => e.action === 'panel.selection.read'),
        'officer reads are audited',
      )
    })

    async function assertQuotasMet(): Promise<void> {
      const settings = await t.testDb.db.selectFrom('panel_settings').selectAll().executeTakeFirstOrThrow()
      const quotas = JSON.parse(settings.quotas_json) as Quota[]
      const live = await t.testDb.db
        .selectFrom('panel_member as m')
        .innerJoin('panel_volunteer as v', 'v.id', 'm.volunteer_id')
        .selectAll('v')
        .where('m.status', '!=', 'declined')
        .execute()
      assert.equal(live.length, settings.k)
      for (const q of quotas) {
        const n = live.filter((v) => (v as Record<string, unknown>)[q.category] === q.value).length
        assert.ok(n >= q.min && n <= q.max, `${q.category}=${q.value}: ${n} not in ${q.min}..${q.max}`)
      }
    }

    test('the public page shows the draw and nothing about any person', async () => {
      const res = await new Client(t).get(`/wards/${NORBITON}/panel`)
      assert.equal(res.statusCode, 200)
      assert.ok(res.body.includes(seed))
      assert.match(res.body, /together panel select/)
      assert.doesNotMatch(res.body, /V-[0-9A-F]{8}/, 'no pseudonyms')
      assert.doesNotMatch(res.body, /Test Person|ext-\d/, 'no names or references')
      assert.doesNotMatch(res.body, /Prefer not to say|Disabled/, 'no features')
    })

    test('invited residents accept (and become panel members) or decline (and are replaced within the quotas)', async () => {
      const members = await t.testDb.db
        .selectFrom('panel_member as m')
        .innerJoin('panel_volunteer as v', 'v.id', 'm.volunteer_id')
        .select(['m.id', 'v.user_id'])
        .where('v.user_id', 'is not', null)
        .execute()
      assert.ok(members.length >= 2, 'at least two residents with accounts were drawn')
      const accepter = residents.find((r) => r.id === Number(members[0]!.user_id))!
      const decliner = residents.find((r) => r.id === Number(members[1]!.user_id))!
      let page = await accepter.client.get('/account/panel')
      assert.match(page.body, /You have been selected/)
      const bad = await accepter.client.post('/account/panel/respond', { answer: 'maybe' })
      assert.equal(bad.statusCode, 400)
      assert.match(bad.body, /govuk-error-summary/)
      assert.equal((await accepter.client.post('/account/panel/respond', { answer: 'accept' })).statusCode, 303)
      const grant = await t.testDb.db
        .selectFrom('accounts_role_grant')
        .selectAll()
        .where('user_id', '=', accepter.id)
        .executeTakeFirst()
      assert.equal(grant?.role, 'panel_member')
      page = await accepter.client.get('/account/panel')
      assert.match(page.body, /Interests to declare/)
      assert.equal(
        (await accepter.client.post('/account/panel/interests', { interests: 'Trustee of Norbiton Youth Club' }))
          .statusCode,
        303,
      )
      const dash = await officer.get(base)
      assert.match(dash.body, /Trustee of Norbiton Youth Club/)

      await decliner.client.get('/account/panel')
      assert.equal((await decliner.client.post('/account/panel/respond', { answer: 'decline' })).statusCode, 303)
      assert.equal(await count('panel_member'), 9, 'one replacement invited')
      await assertQuotasMet()
      const replacement = (await t.audit.list({ wardIds: 'all', limit: 30 })).find(
        (e) => e.action === 'panel.replacement.drawn',
      )
      assert.ok(replacement && /"seed":"[0-9a-f]{32}"/.test(replacement.detail))
      const pub = await new Client(t).get(`/wards/${NORBITON}/panel`)
      assert.match(pub.body, /Replacement/)
    })

    test('officers of another ward, and residents, cannot reach the selection screens', async () => {
      const other = await clientFor((await createUser(t, { role: 'officer', ward: OTHER_WARD, demo: true })).id)
      for (const path of ['', '/pool', '/quotas', '/selection', '/import']) {
        assert.equal((await other.get(`${base}${path}`)).statusCode, 403, path)
        assert.equal((await residents[2]!.client.get(`${base}${path}`)).statusCode, 403, path)
      }
      const before = await count('panel_run')
      await other.get(`/wards/${OTHER_WARD}/panel/manage`)
      assert.equal((await other.post(`${base}/select`)).statusCode, 403)
      assert.equal(await count('panel_run'), before)
    })
  })
}
