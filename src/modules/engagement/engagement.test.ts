import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { testDatabases } from '../../../test/support/databases.js'
import { needsSharedData, sharedDataPath } from '../../../test/support/shared-data.js'
import { Client, createUser, NORBITON, OTHER_WARD, startTestApp, type TestApp } from '../../../test/support/test-app.js'
import { EQUALITY_QUESTIONS } from './engagement.equality.js'
import ExcelJS from 'exceljs'
import fc from 'fast-check'
import { centroidOf, listWardBoundaries, type AreaGeometry } from '../geography/index.js'
import { fromPixel, placeMap, toPixel } from './engagement.place.js'
import {
  checkAnswer,
  IMPORT_MAX_ROWS,
  parseResponsesCsv,
  type ImportQuestion,
  type QuestionSpec,
} from './engagement.rules.js'

describe('engagement rules', () => {
  test('a paper-form CSV reports every bad row and keeps none', () => {
    const qs: ImportQuestion[] = [
      { id: 1, position: 1, kind: 'single', required: true, options: ['Yes', 'No'] },
      { id: 2, position: 2, kind: 'short_text', required: false, options: [] },
    ]
    const csv = [
      'channel,postcode,date,q1,q2',
      'paper,KT2 7AA,2026-11-20,Yes,ok',
      'fax,KT2,2026-13-01,Maybe,x',
      'paper,,2026-11-20',
    ].join('\n')
    const { rows, errors } = parseResponsesCsv(csv, qs, [], '2026-11-26')
    assert.equal(rows.length, 0)
    assert.deepEqual([...new Set(errors.map((e) => e.line))], [3, 4])
    assert.equal(parseResponsesCsv('a,b\n1,2', qs, [], '2026-11-26').errors[0]?.key, 'engagement.import.errors.header')
    assert.equal(parseResponsesCsv('x\uFFFD', qs, [], '2026-11-26').errors[0]?.key, 'engagement.import.errors.encoding')
  })

  test('a ranking needs every option placed exactly once', () => {
    const q: QuestionSpec = { id: 9, kind: 'ranking', required: true, options: ['Jobs', 'Childcare', 'Safety'] }
    assert.deepEqual(checkAnswer(q, ['Safety', 'Jobs', 'Childcare'], []), {
      ok: true,
      value: '["Safety","Jobs","Childcare"]',
    })
    assert.deepEqual(checkAnswer(q, ['', '', ''], []), { ok: false, error: 'engagement.errors.required.ranking' })
    assert.deepEqual(checkAnswer({ ...q, required: false }, ['', '', ''], []), { ok: true, value: null })
    assert.deepEqual(checkAnswer(q, ['Jobs', 'Jobs', 'Safety'], []), {
      ok: false,
      error: 'engagement.errors.rankingRepeated',
    })
    assert.deepEqual(checkAnswer(q, ['Jobs', '', 'Safety'], []), {
      ok: false,
      error: 'engagement.errors.rankingIncomplete',
    })
    assert.deepEqual(checkAnswer(q, ['Jobs', 'Safety'], []), {
      ok: false,
      error: 'engagement.errors.rankingIncomplete',
    })
    assert.deepEqual(checkAnswer(q, ['Jobs', 'Bins', 'Safety'], []), { ok: false, error: 'engagement.errors.option' })
    // A stored draft (JSON) checks the same way as the form.
    assert.equal(checkAnswer(q, '["Childcare","Safety","Jobs"]', []).ok, true)
    fc.assert(
      fc.property(
        // Options are stored trimmed and non-blank (readOptions), so the generator makes only such labels.
        fc.uniqueArray(
          fc.string({ minLength: 1, maxLength: 8 }).filter((x) => x.trim() === x && x !== ''),
          { minLength: 2, maxLength: 8 },
        ),
        fc.nat(),
        (options, seed) => {
          const spec: QuestionSpec = { id: 1, kind: 'ranking', required: true, options }
          const order = [...options].sort((a, b) => ((a.length * 31 + seed) % 7) - ((b.length * 31 + seed) % 7))
          const good = checkAnswer(spec, order, [])
          const repeated = checkAnswer(spec, [order[0]!, ...order.slice(0, -1)], [])
          return good.ok && good.value === JSON.stringify(order) && !repeated.ok
        },
      ),
    )
  })

  test('a place answer is a pin, a postcode or an area, and the map projection inverts exactly', () => {
    const q: QuestionSpec = { id: 3, kind: 'place', required: true, options: [] }
    assert.deepEqual(checkAnswer(q, 'kt2 7aa', []), { ok: true, value: 'postcode:KT2 7AA' })
    assert.deepEqual(checkAnswer(q, 'E01002964', []), { ok: true, value: 'area:E01002964' })
    assert.deepEqual(checkAnswer(q, '51.41,-0.28', []), { ok: true, value: 'pin:51.41000,-0.28000' })
    assert.deepEqual(checkAnswer(q, 'pin:51.41,-0.28|E01002964', []), {
      ok: true,
      value: 'pin:51.41000,-0.28000|E01002964',
    })
    assert.deepEqual(checkAnswer(q, '', []), { ok: false, error: 'engagement.errors.required.place' })
    assert.deepEqual(checkAnswer(q, 'somewhere nice', []), { ok: false, error: 'engagement.errors.place' })
    assert.deepEqual(checkAnswer(q, '95,0', []), { ok: false, error: 'engagement.errors.place' })
    const square: AreaGeometry = {
      type: 'Polygon',
      coordinates: [
        [
          [-0.29, 51.4],
          [-0.27, 51.4],
          [-0.27, 51.42],
          [-0.29, 51.42],
          [-0.29, 51.4],
        ],
      ],
    }
    const m = placeMap([square])!
    fc.assert(
      fc.property(
        fc.double({ min: 51.4, max: 51.42, noNaN: true }),
        fc.double({ min: -0.29, max: -0.27, noNaN: true }),
        (lat, lon) => {
          const px = toPixel(m, lat, lon)
          const back = fromPixel(m, px.x, px.y)
          return Math.abs(back.lat - lat) < 1e-9 && Math.abs(back.lon - lon) < 1e-9 && px.x >= 0 && px.x <= m.width
        },
      ),
    )
  })

  const importQs: ImportQuestion[] = [
    { id: 1, position: 1, kind: 'single', required: true, options: ['Yes', 'No'] },
    { id: 2, position: 2, kind: 'short_text', required: false, options: [] },
  ]

  test('a 100,000-row file is refused with a clear error, quickly and whole', () => {
    const lines = ['channel,postcode,date,q1,q2']
    for (let i = 0; i < 100_000; i++) lines.push(`paper,KT2 7AA,2026-11-20,Yes,row ${i}`)
    const started = performance.now()
    const { rows, errors } = parseResponsesCsv(lines.join('\n'), importQs, [], '2026-11-26')
    assert.equal(rows.length, 0)
    assert.deepEqual(errors, [{ line: null, key: 'engagement.import.errors.tooMany', vars: { max: IMPORT_MAX_ROWS } }])
    assert.ok(performance.now() - started < 2000)
    // One row over the cap is refused too (the parsed count decides, not only the line count).
    const over = ['channel,postcode,date,q1,q2', ...lines.slice(1, IMPORT_MAX_ROWS + 2)].join('\n')
    assert.equal(parseResponsesCsv(over, importQs, [], '2026-11-26').errors[0]?.key, 'engagement.import.errors.tooMany')
    const atCap = ['channel,postcode,date,q1,q2', ...lines.slice(1, IMPORT_MAX_ROWS + 1)].join('\n')
    assert.equal(parseResponsesCsv(atCap, importQs, [], '2026-11-26').rows.length, IMPORT_MAX_ROWS)
  })

  test('files in the wrong encoding are refused: UTF-16, Latin-1 and double-encoded UTF-8', () => {
    const csv = 'channel,postcode,date,q1,q2\npaper,KT2 7AA,2026-11-20,Yes,Café près de la gare\n'
    const key = (text: string) => parseResponsesCsv(text, importQs, [], '2026-11-26').errors[0]?.key
    assert.equal(key(csv), undefined, 'UTF-8 is read as it is')
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csv, 'utf16le')]).toString('utf8')
    assert.equal(key(utf16), 'engagement.import.errors.encoding')
    assert.equal(key(Buffer.from(csv, 'latin1').toString('utf8')), 'engagement.import.errors.encoding')
    // UTF-8 bytes read as Latin-1 and saved again ("CafÃ©").
    assert.equal(key(Buffer.from(csv, 'utf8').toString('latin1')), 'engagement.import.errors.encoding')
    assert.equal(key(csv.replace('Café', 'Itâ€™s')), 'engagement.import.errors.encoding')
  })

  test('formula cells are refused; our own exported text (with a leading quote) reads back as text', () => {
    const head = 'channel,postcode,date,q1,q2\n'
    for (const cell of ['=HYPERLINK("http://x")', '@SUM(A1)', '+cmd(1)', '-IMPORTXML(a)']) {
      const r = parseResponsesCsv(
        `${head}paper,,2026-11-20,Yes,"${cell.replace(/"/g, '""')}"`,
        importQs,
        [],
        '2026-11-26',
      )
      assert.equal(r.errors[0]?.key, 'engagement.import.errors.formula', cell)
      assert.equal(r.rows.length, 0)
    }
    const ok = parseResponsesCsv(
      `${head}paper,,2026-11-20,Yes,'=1+1\npaper,,2026-11-20,No,- more bins`,
      importQs,
      [],
      '2026-11-26',
    )
    assert.deepEqual(ok.errors, [])
    assert.deepEqual(
      ok.rows.map((r) => r.answers.find((a) => a.questionId === 2)?.value),
      ['=1+1', '- more bins'],
    )
  })

  test('equality codes follow the shared GSS category files', needsSharedData(), () => {
    const read = (f: string) =>
      JSON.parse(readFileSync(sharedDataPath('equality', f), 'utf8')) as Record<string, unknown>
    const codes = (xs: unknown) =>
      (xs as { code: string }[]).map((x) => x.code).filter((c) => c !== 'prefer-not-to-say')
    const age = read('age.json') as { bands: { census2021_6category: { code: string }[] } }
    assert.deepEqual(codes(age.bands.census2021_6category), [...EQUALITY_QUESTIONS.age_band])
    const sex = read('sex_and_gender_identity.json') as {
      sex: { options: unknown }
      genderIdentity: { options: unknown }
    }
    assert.deepEqual(codes(sex.sex.options), [...EQUALITY_QUESTIONS.sex])
    assert.deepEqual(codes(sex.genderIdentity.options), [...EQUALITY_QUESTIONS.gender_identity])
    assert.deepEqual(codes(read('sexual_orientation.json').options), [...EQUALITY_QUESTIONS.sexual_orientation])
    assert.deepEqual(codes(read('religion_england.json').options), [...EQUALITY_QUESTIONS.religion])
    assert.deepEqual(codes(read('ethnic_group_england.json').groups), [...EQUALITY_QUESTIONS.ethnic_group])
  })
})

for (const kind of await testDatabases()) {
  describe(`engagement on ${kind.dialect}`, () => {
    let t: TestApp
    let officer: Client
    let consultationId: number
    const staff = `/wards/${NORBITON}/engagement`

    const count = async (table: 'engagement_response' | 'engagement_equality' | 'engagement_consultation') =>
      Number(
        (
          await t.testDb.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      )
    const keyOf = (body: string) => /name="submissionKey" value="([^"]+)"/.exec(body)?.[1] ?? ''

    before(async () => {
      t = await startTestApp(kind, { DEMO_MODE: 'true' })
      officer = new Client(t)
      await officer.signIn(await createUser(t, { role: 'officer', demo: true }))
      await officer.get(`${staff}/new`)
      const bad = await officer.post(`${staff}/new`, { title: '', summary: 'x', allowAnonymous: 'yes' })
      assert.equal(bad.statusCode, 400)
      assert.match(bad.body, /govuk-error-summary/)
      assert.equal(await count('engagement_consultation'), 0, 'nothing written on invalid input')
      const created = await officer.post(`${staff}/new`, {
        title: 'Test conversation',
        summary: 'About the ward',
        allowAnonymous: 'yes',
        themes: ['1', '2'],
      })
      assert.equal(created.statusCode, 303)
      consultationId = Number(/consultations\/(\d+)/.exec(created.headers.location as string)![1])
      const c = `${staff}/consultations/${consultationId}`
      await officer.get(c)
      const questions: Record<string, string>[] = [
        { kind: 'themes', prompt: 'Which themes matter most?', required: 'yes' },
        { kind: 'single', prompt: 'Do you work locally?', options: 'Yes\nNo', required: 'no' },
        { kind: 'long_text', prompt: 'What would help?', required: 'no' },
      ]
      for (const q of questions) assert.equal((await officer.post(`${c}/questions`, q)).statusCode, 303)
      assert.equal((await officer.post(`${c}/status`, { status: 'open' })).statusCode, 303)
    })
    after(async () => t.stop())

    test('a resident answers without an account, one question per page, and a double submit stores one response', async () => {
      const r = new Client(t)
      const base = `/wards/${NORBITON}/consultations/${consultationId}`
      assert.match((await r.get(`/wards/${NORBITON}/consultations`)).body, /Test conversation/)
      assert.equal((await r.get(base)).statusCode, 200)
      await r.get(`${base}/where`)
      assert.equal((await r.post(`${base}/where`, { postcode: 'nope' })).statusCode, 400)
      assert.equal((await r.post(`${base}/where`, { postcode: 'kt2 7aa' })).statusCode, 303)
      await r.get(`${base}/questions/1`)
      const missing = await r.post(`${base}/questions/1`, {})
      assert.equal(missing.statusCode, 400)
      assert.match(missing.body, /Select at least one theme/)
      const q1 = await r.post(`${base}/questions/1`, { answer: ['employment-and-skills', 'financial-support'] })
      assert.equal(q1.headers.location, `${base}/questions/2`)
      await r.post(`${base}/questions/2`, { answer: 'Yes' })
      // After the last question, the optional "hear what happens" page, then check answers.
      assert.equal((await r.post(`${base}/questions/3`, { answer: 'A job club' })).headers.location, `${base}/updates`)
      const check = await r.get(`${base}/check`)
      assert.match(check.body, /Financial Support/)
      assert.match(check.body, /KT2 7AA/)
      const key = keyOf(check.body)
      const before = await count('engagement_response')
      const first = await r.post(`${base}/submit`, { submissionKey: key })
      const second = await r.post(`${base}/submit`, { submissionKey: key })
      assert.equal(first.statusCode, 303)
      assert.equal(second.headers.location, first.headers.location)
      assert.equal(await count('engagement_response'), before + 1)
      const done = await r.get(first.headers.location as string)
      assert.match(done.body, /R\d{6}/)
      // Answered without an account: nobody to email.
      const mails = await t.testDb.db
        .selectFrom('mail_outbox')
        .select(['subject', 'body'])
        .where('subject', 'like', 'Thank you for your response%')
        .execute()
      assert.equal(mails.length, 0, 'no address to write to')
    })

    test('a signed-in resident can save and come back in a new session', async () => {
      const user = await createUser(t)
      const base = `/wards/${NORBITON}/consultations/${consultationId}`
      const a = new Client(t)
      await a.signIn(user)
      await a.get(`${base}/where`)
      await a.post(`${base}/where`, { postcode: 'KT2 7AA' })
      await a.get(`${base}/questions/1`)
      const saved = await a.post(`${base}/questions/1`, { answer: 'place-and-delivery', action: 'save' })
      assert.equal(saved.headers.location, base)
      const b = new Client(t)
      await b.signIn(user)
      assert.match((await b.get(base)).body, /Continue where you left off/)
      const check = await b.get(`${base}/check`)
      assert.match(check.body, /Place and Delivery/)
      // Submitting (twice) sends one confirmation email to the signed-in resident.
      const key = keyOf(check.body)
      assert.equal((await b.post(`${base}/submit`, { submissionKey: key })).statusCode, 303)
      await b.post(`${base}/submit`, { submissionKey: key })
      const mails = await t.testDb.db
        .selectFrom('mail_outbox')
        .selectAll()
        .where('to_address', '=', user.email)
        .execute()
      assert.equal(mails.length, 1)
      assert.match(mails[0]!.subject, /Thank you for your response to Test conversation/)
      assert.match(mails[0]!.body, /R\d{6}/)
    })

    test('equality answers need consent, are stored apart, and no route returns them row by row', async () => {
      const r = new Client(t)
      const base = `/wards/${NORBITON}/consultations/${consultationId}`
      const page = await r.get(`${base}/equality`)
      const before = await count('engagement_equality')
      const refused = await r.post(`${base}/equality`, { submissionKey: keyOf(page.body), sex: 'female' })
      assert.equal(refused.statusCode, 400)
      assert.equal(await count('engagement_equality'), before)
      const ok = await r.post(`${base}/equality`, {
        submissionKey: keyOf(page.body),
        sex: 'female',
        consent: 'yes',
        religion: 'sikh',
      })
      assert.equal(ok.statusCode, 303)
      assert.equal(await count('engagement_equality'), before + 1)
      const cols = Object.keys(
        (await t.testDb.db.selectFrom('engagement_equality').selectAll().executeTakeFirstOrThrow()) as object,
      )
      for (const linking of ['user_id', 'response_id', 'respondent_user_id', 'created_at'])
        assert.ok(!cols.includes(linking))
      const pseudonyms = (await t.testDb.db.selectFrom('engagement_equality').select('pseudonym').execute()).map(
        (x) => x.pseudonym,
      )
      // Every GET route, as the most privileged interactive roles, never shows a pseudonym or an individual count.
      const admin = new Client(t)
      await admin.signIn(await createUser(t, { role: 'admin', demo: true }))
      for (const route of t.routes.filter((x) => x.method === 'GET' && !x.url.includes('*'))) {
        const url = route.url
          .replace(':wardCode', NORBITON)
          .replace(':consultationId', String(consultationId))
          .replace(':position', '1')
        for (const who of [officer, admin]) {
          const res = await who.get(url)
          for (const p of pseudonyms) assert.ok(!res.body.includes(p), `${url} shows a pseudonym`)
        }
      }
      const counts = await officer.get(`${staff}/counts`)
      assert.equal(counts.statusCode, 200)
      assert.match(counts.body, /fewer than 10/)
      const csv = await officer.get(`${staff}/consultations/${consultationId}/export.csv`)
      assert.doesNotMatch(csv.body, /sikh|Female/i)
    })

    test('staff enter a paper response with channel, place, date and who entered it', async () => {
      const vol = new Client(t)
      const volunteer = await createUser(t, { role: 'volunteer', demo: true })
      await vol.signIn(volunteer)
      const c = `${staff}/consultations/${consultationId}`
      await vol.get(`${staff}/events`)
      assert.equal(
        (
          await vol.post(`${staff}/events`, {
            name: 'Stall',
            place: 'Station',
            heldOn: '2026-11-20',
            runBy: 'Vic',
            peopleSpokenTo: '12',
          })
        ).statusCode,
        303,
      )
      const event = await t.testDb.db.selectFrom('engagement_event').select('id').executeTakeFirstOrThrow()
      const form = await vol.get(`${c}/entry`)
      const bad = await vol.post(`${c}/entry`, {
        submissionKey: keyOf(form.body),
        channel: 'paper',
        respondedOn: '2026-11-20',
      })
      assert.equal(bad.statusCode, 400)
      const body: Record<string, string> = {
        submissionKey: keyOf(form.body),
        channel: 'event',
        respondedOn: '2026-11-20',
        postcode: 'KT2 7AA',
        event: String(event.id),
        [`q${1}`]: 'x',
      }
      const qs = await t.testDb.db
        .selectFrom('engagement_question')
        .select(['id', 'position'])
        .where('consultation_id', '=', consultationId)
        .orderBy('position')
        .execute()
      delete body.q1
      body[`q${qs[0]!.id}`] = 'family-and-life-chances'
      const entryEvents = async () =>
        (
          await t.testDb.db
            .selectFrom('audit_event')
            .select(['outcome'])
            .where('action', '=', 'engagement.entry.create')
            .orderBy('seq')
            .execute()
        ).map((e) => e.outcome)
      const auditedBefore = await entryEvents()
      const saved = await vol.post(`${c}/entry`, body)
      assert.equal(saved.statusCode, 303)
      // The audit entry commits with the response (one unit), once, and the chain still verifies.
      assert.deepEqual((await entryEvents()).slice(auditedBefore.length), ['success'])
      assert.equal((await t.audit.verify()).ok, true)
      assert.equal((await vol.post(`${c}/entry`, body)).statusCode, 303, 'a replay is harmless')
      const rows = await t.testDb.db
        .selectFrom('engagement_response')
        .selectAll()
        .where('channel', '=', 'event')
        .execute()
      assert.equal(rows.length, 1)
      assert.equal(Number(rows[0]!.entered_by_user_id), volunteer.id)
      assert.equal(Number(rows[0]!.event_id), Number(event.id))
      assert.equal(rows[0]!.responded_on, '2026-11-20')
    })

    test('a CSV import with one bad row imports nothing and lists the row', async () => {
      const c = `${staff}/consultations/${consultationId}`
      await officer.get(`${c}/import`)
      const before = await count('engagement_response')
      const bad = await officer.post(`${c}/import`, {
        csv: 'channel,postcode,date,q1,q2,q3\npaper,KT2 7AA,2026-11-20,Financial Support,Yes,=cmd()\npaper,KT2 7AA,2099-01-01,,Maybe,',
      })
      assert.equal(bad.statusCode, 400)
      assert.match(bad.body, /Line 3/)
      assert.equal(await count('engagement_response'), before)
      const formula = await officer.post(`${c}/import`, {
        csv: 'channel,postcode,date,q1,q2,q3\npaper,KT2 7AA,2026-11-20,Financial Support,Yes,=cmd()',
      })
      assert.equal(formula.statusCode, 400)
      assert.match(formula.body, /looks like a spreadsheet formula/)
      assert.equal(await count('engagement_response'), before)
      // Text that only looks like a formula is imported when written as a spreadsheet writes text: with a '.
      const good = await officer.post(`${c}/import`, {
        csv: "channel,postcode,date,q1,q2,q3\npaper,KT2 7AA,2026-11-20,Financial Support,Yes,'=cmd()\nphone,,2026-11-21,employment-and-skills;Place and Delivery,,",
      })
      assert.equal(good.statusCode, 303)
      assert.equal(await count('engagement_response'), before + 2)
      const csv = await officer.get(`${c}/export.csv`)
      assert.match(csv.body, /'=cmd\(\)/)
      assert.doesNotMatch(csv.body, /,=cmd/)
      // The XLSX export has the same rows, as text cells, with the same formula protection and no equality data.
      const cookie = [...officer.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
      const res = await t.app.inject({ method: 'GET', url: `${c}/export.xlsx`, headers: { cookie } })
      assert.equal(res.statusCode, 200)
      assert.match(String(res.headers['content-type']), /spreadsheetml/)
      const book = new ExcelJS.Workbook()
      await book.xlsx.load(res.rawPayload as unknown as ArrayBuffer)
      const sheet = book.getWorksheet('Responses')!
      const cells: string[] = []
      sheet.eachRow((row) => row.eachCell((cell) => cells.push(String(cell.value))))
      assert.equal(sheet.rowCount, csv.body.trim().split('\r\n').length)
      assert.ok(cells.includes("'=cmd()"))
      assert.ok(!cells.includes('=cmd()'))
      sheet.eachRow((row) => row.eachCell((cell) => assert.equal(cell.formula, undefined)))
      assert.ok(!cells.some((v) => /sikh|Female/i.test(v)))
      assert.notEqual((await new Client(t).get(`${c}/export.xlsx`)).statusCode, 200)
    })

    test('a 100,000-row paste gets a clear error page and imports nothing', async () => {
      const c = `${staff}/consultations/${consultationId}`
      await officer.get(`${c}/import`)
      const before = await count('engagement_response')
      const lines = ['channel,postcode,date,q1,q2,q3']
      for (let i = 0; i < 100_000; i++) lines.push(`paper,KT2 7AA,2026-11-20,Financial Support,Yes,row ${i}`)
      const res = await officer.post(`${c}/import`, { csv: lines.join('\r\n') })
      assert.equal(res.statusCode, 400)
      assert.match(res.body, /govuk-error-summary/)
      assert.match(res.body, /more than 5000 rows, so nothing was imported/)
      assert.equal(await count('engagement_response'), before)
      const wrong = await officer.post(`${c}/import`, { csv: 'channel,date,postcode,q1\npaper,2026-11-20,,x' })
      assert.equal(wrong.statusCode, 400)
      assert.match(wrong.body, /The first line must be exactly: channel,postcode,date,q1,q2,q3/)
    })

    test('a ranking question is answered with one select per place, each option once', async () => {
      const created = await officer.post(`${staff}/new`, {
        title: 'Ranking test',
        summary: 'Order things',
        allowAnonymous: 'yes',
      })
      const id = Number(/consultations\/(\d+)/.exec(created.headers.location as string)![1])
      const c = `${staff}/consultations/${id}`
      await officer.get(c)
      const few = await officer.post(`${c}/questions`, {
        kind: 'ranking',
        prompt: 'Order',
        options: 'Only',
        required: 'yes',
      })
      assert.equal(few.statusCode, 400)
      assert.match(few.body, /between 2 and 10 options/)
      const q = { kind: 'ranking', prompt: 'Put these in order', options: 'Jobs\nChildcare\nSafety', required: 'yes' }
      assert.equal((await officer.post(`${c}/questions`, q)).statusCode, 303)
      assert.equal((await officer.post(`${c}/status`, { status: 'open' })).statusCode, 303)
      const r = new Client(t)
      const base = `/wards/${NORBITON}/consultations/${id}`
      await r.get(`${base}/where`)
      await r.post(`${base}/where`, { postcode: 'KT2 7AA' })
      const page = await r.get(`${base}/questions/1`)
      assert.equal((page.body.match(/<select /g) ?? []).length, 3)
      assert.match(page.body, /<label class="govuk-label" for="answer">Place 1<\/label>/)
      const repeated = await r.post(`${base}/questions/1`, { answer: ['Jobs', 'Jobs', 'Safety'] })
      assert.equal(repeated.statusCode, 400)
      assert.match(repeated.body, /Use each option only once/)
      assert.match(repeated.body, /href="#answer"/)
      const ok = await r.post(`${base}/questions/1`, { answer: ['Safety', 'Jobs', 'Childcare'] })
      // The last question leads to the optional "hear what happens" page, then check answers.
      assert.equal(ok.headers.location, `${base}/updates`)
      const check = await r.get(`${base}/check`)
      assert.match(check.body, /1\. Safety/)
      assert.equal((await r.post(`${base}/submit`, { submissionKey: keyOf(check.body) })).statusCode, 303)
      const stored = await t.testDb.db
        .selectFrom('engagement_answer as a')
        .innerJoin('engagement_question as q', 'q.id', 'a.question_id')
        .select('a.value')
        .where('q.consultation_id', '=', id)
        .executeTakeFirstOrThrow()
      assert.equal(stored.value, '["Safety","Jobs","Childcare"]')
      // The paper-form CSV takes a ranking as options separated by ;
      await officer.get(`${c}/import`)
      const imported = await officer.post(`${c}/import`, {
        csv: 'channel,postcode,date,q1\npaper,,2026-11-20,Jobs;Safety;Childcare',
      })
      assert.equal(imported.statusCode, 303)
    })

    test('a place question takes a pin on the ward map without JavaScript, or a postcode, or an area', async () => {
      const created = await officer.post(`${staff}/new`, {
        title: 'Place test',
        summary: 'Where',
        allowAnonymous: 'yes',
      })
      const id = Number(/consultations\/(\d+)/.exec(created.headers.location as string)![1])
      const c = `${staff}/consultations/${id}`
      await officer.get(c)
      const q = { kind: 'place', prompt: 'Where should the new bench go?', required: 'yes' }
      assert.equal((await officer.post(`${c}/questions`, q)).statusCode, 303)
      assert.equal((await officer.post(`${c}/status`, { status: 'open' })).statusCode, 303)
      const ward = (await t.wards.byCode(NORBITON))!
      const shapes = (await listWardBoundaries(t.testDb.db, ward.id, 'lsoa')).flatMap((b) =>
        b.boundaryGeojson ? [{ code: b.code, geometry: JSON.parse(b.boundaryGeojson) as AreaGeometry }] : [],
      )
      assert.ok(shapes.length > 0, 'the test geography has LSOA boundaries')
      const m = placeMap(shapes.map((x) => x.geometry))!
      const target = shapes[0]!
      const inside = toPixel(m, centroidOf(target.geometry).lat, centroidOf(target.geometry).lon)

      const r = new Client(t)
      const base = `/wards/${NORBITON}/consultations/${id}`
      await r.get(`${base}/where`)
      await r.post(`${base}/where`, { postcode: 'KT2 7AA' })
      const page = await r.get(`${base}/questions/1`)
      assert.match(page.body, /<input type="image" class="app-place-map" name="pin"/)
      assert.match(page.body, /<select class="govuk-select" id="answer-area" name="area">/)
      const svg = await r.get(`${base}/questions/1/map.svg`)
      assert.equal(svg.statusCode, 200)
      assert.match(String(svg.headers['content-type']), /image\/svg\+xml/)
      assert.doesNotMatch(svg.body, /<circle/, 'no pin yet')
      // A click outside the ward's areas (the map's corner) is refused with an error the person can act on.
      const outside = await r.post(`${base}/questions/1`, { 'pin.x': '0', 'pin.y': '0' })
      assert.equal(outside.statusCode, 400)
      assert.match(outside.body, /Place the pin inside the ward boundary/)
      const pinned = await r.post(`${base}/questions/1`, {
        'pin.x': String(Math.round(inside.x)),
        'pin.y': String(Math.round(inside.y)),
      })
      assert.equal(pinned.headers.location, `${base}/questions/1`, 'the page shows again with the pin')
      assert.match((await r.get(`${base}/questions/1`)).body, /Pin placed at/)
      assert.match((await r.get(`${base}/questions/1/map.svg`)).body, /<circle/)
      // Continue keeps the pin; the answer is placed in the LSOA the pin fell in.
      assert.equal((await r.post(`${base}/questions/1`, {})).headers.location, `${base}/updates`)
      const check = await r.get(`${base}/check`)
      assert.match(check.body, new RegExp(`\\(${target.code}\\)`))
      assert.equal((await r.post(`${base}/submit`, { submissionKey: keyOf(check.body) })).statusCode, 303)
      const stored = async () =>
        (
          await t.testDb.db
            .selectFrom('engagement_answer as a')
            .innerJoin('engagement_question as q', 'q.id', 'a.question_id')
            .select('a.value')
            .where('q.consultation_id', '=', id)
            .orderBy('a.id')
            .execute()
        ).map((x) => x.value)
      assert.match((await stored())[0]!, new RegExp(`^pin:51\\.\\d{5},-0\\.\\d{5}\\|${target.code}$`))

      // Without the map: an area from the list, or a postcode (placed in its small area like the "where" postcode).
      const s2 = new Client(t)
      await s2.get(`${base}/where`)
      await s2.post(`${base}/where`, { postcode: 'KT2 7AA' })
      await s2.get(`${base}/questions/1`)
      assert.equal((await s2.post(`${base}/questions/1`, { area: 'E09999999' })).statusCode, 400)
      assert.equal((await s2.post(`${base}/questions/1`, { area: target.code })).headers.location, `${base}/updates`)
      await s2.post(`${base}/submit`, { submissionKey: keyOf((await s2.get(`${base}/check`)).body) })
      const s3 = new Client(t)
      await s3.get(`${base}/where`)
      await s3.post(`${base}/where`, { postcode: 'KT2 7AA' })
      await s3.get(`${base}/questions/1`)
      assert.equal((await s3.post(`${base}/questions/1`, { answer: 'not a postcode' })).statusCode, 400)
      await s3.post(`${base}/questions/1`, { answer: 'kt2 7aa' })
      await s3.post(`${base}/submit`, { submissionKey: keyOf((await s3.get(`${base}/check`)).body) })
      const values = await stored()
      assert.equal(values[1], `area:${target.code}`)
      assert.match(values[2]!, /^postcode:KT2 7AA(\|E0\d{7})?$/)
      // A question of another kind has no map.
      assert.equal(
        (await s3.get(`/wards/${NORBITON}/consultations/${consultationId}/questions/1/map.svg`)).statusCode,
        404,
      )
    })

    test('officers add translations and an easy-read wording; answers still count against the original', async () => {
      const c = `${staff}/consultations/${consultationId}`
      const qs = await t.testDb.db
        .selectFrom('engagement_question')
        .select(['id', 'position'])
        .where('consultation_id', '=', consultationId)
        .orderBy('position')
        .execute()
      const single = Number(qs[1]!.id)
      assert.match((await officer.get(c)).body, /wording\/pl/)
      await officer.get(`${c}/wording/pl`)
      assert.equal((await officer.get(`${c}/wording/xx`)).statusCode, 404)
      const wrong = await officer.post(`${c}/wording/pl`, {
        [`prompt_${single}`]: 'Czy pracujesz lokalnie?',
        [`options_${single}`]: 'Tak\nNie\nMoże',
      })
      assert.equal(wrong.statusCode, 400)
      assert.match(wrong.body, /Give 2 options/)
      const saved = await officer.post(`${c}/wording/pl`, {
        [`prompt_${single}`]: 'Czy pracujesz lokalnie?',
        [`options_${single}`]: 'Tak\nNie',
      })
      assert.equal(saved.statusCode, 303)
      await officer.get(`${c}/wording/easy`)
      await officer.post(`${c}/wording/easy`, { [`prompt_${single}`]: 'Is your job near here?' })

      const r = new Client(t)
      const base = `/wards/${NORBITON}/consultations/${consultationId}`
      await r.get(`${base}/where`)
      await r.post(`${base}/where`, { postcode: 'KT2 7AA' })
      const pl = await r.get(`${base}/questions/2?lang=pl`)
      assert.match(pl.body, /Czy pracujesz lokalnie\?/)
      assert.match(pl.body, /value="Yes"[^>]*>\s*<label[^>]*>\s*Tak/)
      const en = await r.get(`${base}/questions/2`)
      assert.match(en.body, /Do you work locally\?/)
      // Easy read, chosen on the start page, replaces the wording for this person only.
      const start = await r.get(base)
      assert.match(start.body, /Use easy read/)
      assert.equal((await r.post(`${base}/easy-read`, { easyRead: 'yes' })).statusCode, 303)
      assert.match((await r.get(`${base}/questions/2`)).body, /Is your job near here\?/)
      const someoneElse = new Client(t)
      await someoneElse.get(`${base}/where`)
      await someoneElse.post(`${base}/where`, { postcode: 'KT2 7AA' })
      assert.match((await someoneElse.get(`${base}/questions/2`)).body, /Do you work locally\?/)
      await r.post(`${base}/questions/1`, { answer: 'financial-support' })
      await r.post(`${base}/questions/2?lang=pl`, { answer: 'Yes' })
      const check = await r.get(`${base}/check`)
      assert.match(check.body, /Is your job near here\?/)
      await r.post(`${base}/submit`, { submissionKey: keyOf(check.body) })
      const stored = await t.testDb.db
        .selectFrom('engagement_answer')
        .select('value')
        .where('question_id', '=', single)
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow()
      assert.equal(stored.value, 'Yes', 'stored against the original option')
      // Staff from another ward cannot touch the wording.
      const other = new Client(t)
      await other.signIn(await createUser(t, { role: 'officer', ward: OTHER_WARD, demo: true }))
      assert.equal((await other.get(`${c}/wording/pl`)).statusCode, 403)
    })

    test('another ward’s staff cannot see or change this ward’s consultation', async () => {
      const other = new Client(t)
      await other.signIn(await createUser(t, { role: 'officer', ward: OTHER_WARD, demo: true }))
      assert.equal((await other.get(`${staff}/consultations/${consultationId}`)).statusCode, 403)
      await other.get(`/wards/${OTHER_WARD}/engagement`)
      const res = await other.get(`/wards/${OTHER_WARD}/engagement/consultations/${consultationId}`)
      assert.equal(res.statusCode, 404, 'the id does not belong to their ward')
      assert.equal((await other.get(`/wards/${OTHER_WARD}/consultations/${consultationId}`)).statusCode, 404)
      const before = await count('engagement_response')
      const post = await other.post(`/wards/${OTHER_WARD}/engagement/consultations/${consultationId}/import`, {
        csv: 'x',
      })
      assert.equal(post.statusCode, 404)
      assert.equal(await count('engagement_response'), before)
    })
  })
}
