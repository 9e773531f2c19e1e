import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { Ajv } from 'ajv'
import { findWardByCode } from '../../platform/tenancy/index.js'
import { testDatabases } from '../../../test/support/databases.js'
import { Client, createUser, NORBITON, startTestApp, type TestApp } from '../../../test/support/test-app.js'
import { consultationsOf, needGroupTables } from './understanding.groups.js'
import { addEvidence, insertNeed } from './understanding.repository.js'

/** Every published count is hidden (null) or a multiple of 5 of at least 10: never 1 to 9. */
function assertDisclosed(v: number | null, where: string): void {
  assert.ok(v === null || (v >= 10 && v % 5 === 0), `${where}: ${String(v)}`)
}

for (const kind of await testDatabases()) {
  describe(`a need's groups on ${kind.dialect}`, () => {
    let t: TestApp
    let wardId: number
    let officer: Client
    let needId: number
    const base = `/wards/${NORBITON}/understanding`

    before(async () => {
      t = await startTestApp(kind, { DEMO_MODE: 'true' })
      const db = t.testDb.db
      wardId = (await findWardByCode(db, NORBITON))!.id
      const o = await createUser(t, { role: 'officer', demo: true })
      const { cookieValue } = await t.sessions.store.create({ userId: o.id, mfaVerified: true })
      officer = new Client(t)
      officer.cookies.set('wt_session', cookieValue)
      const at = new Date().toISOString()
      const consultation = async (title: string) =>
        Number(
          (
            await db
              .insertInto('engagement_consultation')
              .values({
                ward_id: wardId,
                title,
                summary: '',
                status: 'closed',
                allow_anonymous: 1,
                theme_ids_json: '[]',
                is_demo: 0,
                created_by_user_id: null,
                created_at: at,
                opened_at: at,
                closed_at: at,
              })
              .returning('id')
              .executeTakeFirstOrThrow()
          ).id,
        )
      const used = await consultation('Groups test: used')
      const other = await consultation('Groups test: not in the evidence')
      const question = Number(
        (
          await db
            .insertInto('engagement_question')
            .values({
              ward_id: wardId,
              consultation_id: used,
              position: 1,
              kind: 'long_text',
              prompt: 'What would help?',
              hint: '',
              required: 0,
              options_json: '[]',
              theme_id: null,
            })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id,
      )
      const refs: string[] = []
      for (let i = 0; i < 12; i++) {
        const r = await db
          .insertInto('engagement_response')
          .values({
            ward_id: wardId,
            consultation_id: used,
            submission_key: `groups-test-${kind.dialect}-${i}`,
            channel: 'online',
            postcode: null,
            area_code: null,
            respondent_user_id: null,
            entered_by_user_id: null,
            event_id: null,
            responded_on: at.slice(0, 10),
            is_demo: 0,
            created_at: at,
          })
          .returning('id')
          .executeTakeFirstOrThrow()
        const a = await db
          .insertInto('engagement_answer')
          .values({ ward_id: wardId, response_id: Number(r.id), question_id: question, value: `A nursery nearby ${i}` })
          .returning('id')
          .executeTakeFirstOrThrow()
        refs.push(`answer:${Number(a.id)}`)
      }
      // 23 equality records in the used consultation: 16 aged 25-34, 4 aged 65+ (a small count), 3 not answered;
      // 12 female, 11 male. 40 more in the other consultation, all 65+, which must not be counted.
      const equality = (consultationId: number, k: number, age: string | null, sex: string) => ({
        ward_id: wardId,
        consultation_id: consultationId,
        pseudonym: `groups-${kind.dialect}-${consultationId}-${k}`,
        submission_key: `groups-eq-${kind.dialect}-${consultationId}-${k}`,
        age_band: age,
        sex,
        gender_identity: null,
        sexual_orientation: null,
        ethnic_group: null,
        religion: null,
        disability: null,
        carer: null,
        is_demo: 0 as const,
        consented_on: at.slice(0, 10),
      })
      const rows = []
      for (let k = 0; k < 23; k++)
        rows.push(equality(used, k, k < 16 ? '25-34' : k < 20 ? '65+' : null, k < 12 ? 'female' : 'male'))
      for (let k = 0; k < 40; k++) rows.push(equality(other, k, '65+', 'male'))
      await db.insertInto('engagement_equality').values(rows).execute()
      needId = await insertNeed(db, wardId, {
        statement: 'A nursery within walking distance',
        themeId: null,
        byUserId: o.id,
      })
      await addEvidence(db, wardId, needId, refs, o.id)
    })
    after(async () => t.stop())

    test('the page shows the group table, labelled as everyone who took part, with small counts hidden', async () => {
      const page = await officer.get(`${base}/needs/${needId}`)
      assert.equal(page.statusCode, 200)
      assert.match(page.body, /Who took part in these consultations/)
      assert.match(page.body, /not only those who said this/)
      const age = /<table class="govuk-table" data-field="age_band">([\s\S]*?)<\/table>/.exec(page.body)?.[1]
      assert.ok(age, 'an age table')
      // 16 aged 25-34 published as 15; 4 aged 65+ hidden; the other consultation's 40 are not counted.
      assert.match(age, /25 to 34<\/th>\s*<td[^>]*>15</)
      assert.match(age, /65 or over<\/th>\s*<td[^>]*>Hidden</)
      for (const m of page.body.matchAll(/govuk-table__cell--numeric">(\d+)</g)) assertDisclosed(Number(m[1]), 'page')
      assert.match(page.body, /data-field="sex"/)
    })

    test('the public API does not carry group profiles (profiles of different consultation sets could be differenced)', async () => {
      const res = await new Client(t).get(`/api/v1/wards/${NORBITON}/themes`)
      assert.equal(res.statusCode, 200)
      const body = JSON.parse(res.body) as { needs: Record<string, unknown>[] }
      assert.ok(body.needs.some((x) => x.id === needId))
      for (const n of body.needs) assert.equal('groups' in n, false)
      assert.doesNotMatch(res.body, /age_band|participantShare/)
      const doc = JSON.parse((await new Client(t).get('/api/v1/openapi.json')).body) as {
        paths: Record<string, { get: { responses: Record<string, { content: Record<string, { schema: object }> }> } }>
      }
      const schema =
        doc.paths['/api/v1/wards/{wardCode}/themes']?.get.responses['200']?.content['application/json']?.schema
      assert.ok(schema, 'the 200 response schema is in the OpenAPI description')
      assert.doesNotMatch(JSON.stringify(schema), /"groups"/)
      const validate = new Ajv({ strict: false, allErrors: true }).compile(schema)
      assert.ok(validate(body), JSON.stringify(validate.errors))
    })
  })
}

describe("a need's group tables (pure)", () => {
  test('the consultations of the evidence; compared questions take the census comparison, others counts only', () => {
    const item = (consultationId: number | null) =>
      ({ consultationId }) as unknown as Parameters<typeof consultationsOf>[0][number]
    assert.deepEqual(consultationsOf([item(3), item(null), item(1), item(3)]), [1, 3])
    const tables = needGroupTables({
      consultations: 1,
      total: 40,
      fields: [
        {
          field: 'sex',
          rows: [
            { value: 'female', count: 25 },
            { value: 'male', count: 15 },
            { value: 'prefer-not-to-say', count: null },
            { value: 'not-answered', count: null },
          ],
        },
        { field: 'carer', rows: [{ value: 'yes', count: 10 }] },
      ],
      census: [
        {
          field: 'sex',
          characteristic: 'sex',
          dataset: 'TS008',
          source: 'ONS',
          missing: false,
          base: 40,
          anyHidden: false,
          rows: [
            { ...groupRow('Female', 25, 0.625, 0.5), code: 'female' },
            { ...groupRow('Male', 15, 0.375, 0.5), code: 'male' },
          ],
        },
      ],
    })
    assert.deepEqual(tables[0], {
      field: 'sex',
      compared: true,
      rows: [
        { value: 'female', count: 25, participantShare: 0.625, residentShare: 0.5 },
        { value: 'male', count: 15, participantShare: 0.375, residentShare: 0.5 },
        { value: 'prefer-not-to-say', count: null, participantShare: null, residentShare: null },
        { value: 'not-answered', count: null, participantShare: null, residentShare: null },
      ],
    })
    assert.deepEqual(tables[1], {
      field: 'carer',
      compared: false,
      rows: [{ value: 'yes', count: 10, participantShare: null, residentShare: null }],
    })
  })
})

function groupRow(category: string, participants: number, participantShare: number, residentShare: number) {
  return {
    category,
    participants,
    residents: 100,
    participantShare,
    residentShare,
    ratio: participantShare / residentShare,
    interval: null,
    ratioInterval: null,
    flagged: false,
    clearlyUnder: false,
    gap: 0,
  }
}
