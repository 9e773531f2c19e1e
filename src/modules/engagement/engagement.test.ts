import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { testDatabases } from '../../../test/support/databases.js'
import { needsSharedData, sharedDataPath } from '../../../test/support/shared-data.js'
import { Client, createUser, NORBITON, OTHER_WARD, startTestApp, type TestApp } from '../../../test/support/test-app.js'
import { EQUALITY_QUESTIONS } from './engagement.equality.js'
import ExcelJS from 'exceljs'
import { csvCell, parseResponsesCsv, type ImportQuestion } from './engagement.rules.js'

describe('engagement rules', () => {
  test('CSV cells that a spreadsheet would run as formulas are made text', () => {
    assert.equal(csvCell('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`)
    for (const lead of ['+', '-', '@', '\t', '\r']) assert.ok(csvCell(`${lead}1`).replace(/^"/, '').startsWith("'"))
    assert.equal(csvCell('plain'), 'plain')
  })

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
      assert.equal((await r.post(`${base}/questions/3`, { answer: 'A job club' })).headers.location, `${base}/check`)
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
      const saved = await vol.post(`${c}/entry`, body)
      assert.equal(saved.statusCode, 303)
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
      const good = await officer.post(`${c}/import`, {
        csv: 'channel,postcode,date,q1,q2,q3\npaper,KT2 7AA,2026-11-20,Financial Support,Yes,=cmd()\nphone,,2026-11-21,employment-and-skills;Place and Delivery,,',
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
