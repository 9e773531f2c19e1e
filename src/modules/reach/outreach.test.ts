import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { testDatabases } from '../../../test/support/databases.js'
import { needsSharedData, sharedDataPath } from '../../../test/support/shared-data.js'
import { Client, createUser, NORBITON, OTHER_WARD, startTestApp, type TestApp } from '../../../test/support/test-app.js'
import { findWardByCode } from '../../platform/tenancy/index.js'
import { PROTECTED_CHARACTERISTICS, impactProblems, maySignOff } from './eia.rules.js'

test('the nine protected characteristics are the shared data file’s, in its order', needsSharedData(), () => {
  const file = JSON.parse(
    readFileSync(sharedDataPath('equality', 'protected_characteristics_equality_act_2010.json'), 'utf8'),
  ) as { characteristics: { code: string }[] }
  assert.deepEqual(
    PROTECTED_CHARACTERISTICS.map((c) => c.code),
    file.characteristics.map((c) => c.code),
  )
})

test('EIA rules: a negative impact needs a mitigation, evidence is required, and sign-off needs a second officer', () => {
  assert.deepEqual(
    impactProblems([
      { characteristic: 'age', impact: 'negative', evidence: 'x', mitigation: ' ' },
      { characteristic: 'sex', impact: 'neutral', evidence: '', mitigation: '' },
      { characteristic: 'race', impact: 'unknown', evidence: '', mitigation: '' },
    ]),
    [
      { characteristic: 'age', field: 'mitigation' },
      { characteristic: 'sex', field: 'evidence' },
    ],
  )
  assert.deepEqual(maySignOff({ status: 'draft', createdBy: 1, updatedBy: 1 }, 1), { ok: false, reason: 'sameOfficer' })
  assert.deepEqual(maySignOff({ status: 'draft', createdBy: 1, updatedBy: 2 }, 2), { ok: false, reason: 'sameOfficer' })
  assert.deepEqual(maySignOff({ status: 'draft', createdBy: 1, updatedBy: 1 }, 2), { ok: true })
  assert.deepEqual(maySignOff({ status: 'signed_off', createdBy: 1, updatedBy: 1 }, 2), {
    ok: false,
    reason: 'notDraft',
  })
})

/** KT1 3DT is 73 m inside E01002972 (Kingston upon Thames 005D) by the ONS point-in-polygon placing. */
const IN_005D = 'KT1 3DT'

for (const kind of await testDatabases()) {
  describe(`outreach and equality impact on ${kind.dialect}`, () => {
    let t: TestApp
    let officer: Client
    let officer2: Client
    let volunteer: Client
    let otherVolunteer: Client
    let volunteerId: number
    let wardId: number
    let consultationId: number
    const base = `/wards/${NORBITON}/reach`

    before(async () => {
      t = await startTestApp(kind, { DEMO_MODE: 'true' })
      officer = new Client(t)
      await officer.signIn(await createUser(t, { role: 'officer', demo: true }))
      officer2 = new Client(t)
      await officer2.signIn(await createUser(t, { role: 'officer', demo: true }))
      volunteer = new Client(t)
      const v = await createUser(t, { role: 'volunteer', demo: true })
      volunteerId = v.id
      await volunteer.signIn(v)
      otherVolunteer = new Client(t)
      await otherVolunteer.signIn(await createUser(t, { role: 'volunteer', demo: true }))
      wardId = (await findWardByCode(t.testDb.db, NORBITON))!.id
      const db = t.testDb.db
      const now = new Date().toISOString()
      const c = await db
        .insertInto('engagement_consultation')
        .values({
          ward_id: wardId,
          title: 'Outreach test consultation',
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
      consultationId = Number(c.id)
      // Twelve responses from one LSOA only, so every other LSOA is a gap; an event already held in 005D.
      for (let i = 0; i < 12; i++)
        await db
          .insertInto('engagement_response')
          .values({
            ward_id: wardId,
            consultation_id: consultationId,
            submission_key: `outreach-test-${i}`.padEnd(20, 'x'),
            channel: 'paper',
            postcode: 'KT1 3FJ',
            area_code: null,
            respondent_user_id: null,
            entered_by_user_id: null,
            event_id: null,
            responded_on: '2026-11-20',
            is_demo: 0,
            created_at: now,
          })
          .execute()
      await db
        .insertInto('engagement_event')
        .values({
          ward_id: wardId,
          name: 'Tenants’ coffee morning',
          place: 'Estate community room',
          postcode: IN_005D,
          held_on: '2026-11-12',
          run_by: 'Outreach team',
          people_spoken_to: 20,
          is_demo: 0,
          created_by_user_id: null,
          created_at: now,
        })
        .execute()
    })
    after(async () => t.stop())

    test('an officer keeps venues, placed from their postcode; bad input is refused with reasons', async () => {
      assert.equal((await volunteer.get(`${base}/venues`)).statusCode, 403)
      const page = await officer.get(`${base}/venues`)
      assert.equal(page.statusCode, 200)
      const bad = await officer.post(`${base}/venues`, { name: '', address: 'x', postcode: 'nope', accessibility: '' })
      assert.equal(bad.statusCode, 400)
      assert.match(bad.body, /govuk-error-summary/)
      assert.match(bad.body, /href="#postcode"/)
      const ok = await officer.post(`${base}/venues`, {
        name: 'Estate community room',
        address: '1 Test Road',
        postcode: 'kt13dt',
        accessibility: 'Step-free',
        notes: '',
      })
      assert.equal(ok.statusCode, 303)
      const v = await t.testDb.db.selectFrom('reach_venue').selectAll().executeTakeFirstOrThrow()
      assert.equal(v.postcode, IN_005D)
      assert.equal(v.lsoa_code, 'E01002972')
      assert.ok(v.oa_code?.startsWith('E00'))
      // A venue outside the ward is kept, not placed.
      await officer.get(`${base}/venues`)
      await officer.post(`${base}/venues`, { name: 'Town hall', address: 'x', postcode: 'KT1 1AA', accessibility: 'x' })
      const outside = await t.testDb.db
        .selectFrom('reach_venue')
        .selectAll()
        .where('name', '=', 'Town hall')
        .executeTakeFirstOrThrow()
      assert.equal(outside.lsoa_code, null)
      const edit = await officer.get(`${base}/venues/${Number(v.id)}`)
      assert.equal(edit.statusCode, 200)
      assert.equal((await officer.get(`${base}/venues/999999`)).statusCode, 404)
    })

    test('where to go next suggests the venue in the gap area and the event already held there', async () => {
      const page = await volunteer.get(`${base}/next`)
      assert.equal(page.statusCode, 200)
      const row = /Kingston upon Thames 005D[\s\S]*?<\/tr>/.exec(page.body)?.[0] ?? ''
      assert.match(row, /Estate community room \(in the area\): Step-free/)
      assert.match(row, /Tenants’ coffee morning \(12 November 2026\)/)
      // Another gap area has no venue of its own: the nearest one is suggested with its distance.
      const other = /Kingston upon Thames 005B[\s\S]*?<\/tr>/.exec(page.body)?.[0] ?? ''
      assert.match(other, /Estate community room \(\d+\.\d km away\)/)
    })

    test('a plan is assigned to a volunteer, who sees it, prints it and records the result', async () => {
      const venue = await t.testDb.db
        .selectFrom('reach_venue')
        .select('id')
        .where('name', '=', 'Estate community room')
        .executeTakeFirstOrThrow()
      const form = await officer.get(`${base}/next`)
      assert.match(form.body, /name="venueId"/)
      const plan0 = {
        target: 'area|E01002972',
        venueId: String(venue.id),
        place: 'Estate community room',
        plannedOn: '2026-12-14',
        assignedTo: 'Outreach team',
        notes: '',
      }
      const notADay = await officer.post(`${base}/next/plans`, { ...plan0, plannedOn: '2026-02-30' })
      assert.equal(notADay.statusCode, 400)
      assert.match(notADay.body, /href="#plannedOn"/)
      const forgedVenue = await officer.post(`${base}/next/plans`, { ...plan0, venueId: '999999' })
      assert.equal(forgedVenue.statusCode, 400, 'only the ward’s own venues')
      const made = await officer.post(`${base}/next/plans`, plan0)
      assert.equal(made.statusCode, 303)
      const plan = await t.testDb.db.selectFrom('reach_outreach_plan').selectAll().executeTakeFirstOrThrow()
      assert.equal(Number(plan.venue_id), Number(venue.id))
      const url = `${base}/next/plans/${Number(plan.id)}`
      await officer.get(url)
      const forged = await officer.post(`${url}/assign`, { venueId: String(venue.id), assignees: ['999999'] })
      assert.equal(forged.statusCode, 400, 'only the ward team can be assigned')
      const assigned = await officer.post(`${url}/assign`, {
        venueId: String(venue.id),
        assignees: [String(volunteerId)],
      })
      assert.equal(assigned.statusCode, 303)
      assert.equal((await volunteer.post(`${url}/assign`, { assignees: [] })).statusCode, 403)

      const mine = await volunteer.get(`${base}/assignments`)
      assert.match(mine.body, new RegExp(`href="${url}"`))
      assert.doesNotMatch((await otherVolunteer.get(`${base}/assignments`)).body, new RegExp(`href="${url}"`))

      const pdf = await volunteer.get(`${url}/plan.pdf`)
      assert.equal(pdf.statusCode, 200)
      assert.equal(pdf.headers['content-type'], 'application/pdf')
      assert.equal(pdf.rawPayload.subarray(0, 5).toString(), '%PDF-')

      await otherVolunteer.get(url)
      const notMine = await otherVolunteer.post(`${url}/result`, { status: 'done', peopleReached: '3' })
      assert.equal(notMine.statusCode, 403, 'a volunteer not assigned cannot record the result')
      await volunteer.get(url)
      const bad = await volunteer.post(`${url}/result`, { status: 'maybe', peopleReached: 'lots' })
      assert.equal(bad.statusCode, 400)
      assert.match(bad.body, /govuk-error-summary/)
      const done = await volunteer.post(`${url}/result`, {
        status: 'done',
        peopleReached: '18',
        responsesCollected: '11',
        resultNotes: 'Good turnout',
      })
      assert.equal(done.statusCode, 303)
      const after = await t.testDb.db.selectFrom('reach_outreach_plan').selectAll().executeTakeFirstOrThrow()
      assert.equal(after.status, 'done')
      assert.equal(Number(after.people_reached), 18)
      assert.equal(Number(after.result_by_user_id), volunteerId)
    })

    test('an EIA covers the nine characteristics with reach evidence, and only a second officer signs it off', async () => {
      assert.equal((await volunteer.get(`${base}/eia`)).statusCode, 403)
      const other = new Client(t)
      await other.signIn(await createUser(t, { role: 'officer', ward: OTHER_WARD, demo: true }))
      assert.equal((await other.get(`${base}/eia`)).statusCode, 403)

      const form = await officer.get(`${base}/eia/new`)
      assert.equal(form.statusCode, 200)
      for (const c of PROTECTED_CHARACTERISTICS) assert.match(form.body, new RegExp(`name="impact_${c.code}"`))
      const fields: Record<string, string> = { subject: `consultation:${consultationId}`, summary: 'Open to all' }
      for (const c of PROTECTED_CHARACTERISTICS) fields[`impact_${c.code}`] = 'unknown'
      fields.impact_age = 'negative'
      fields.evidence_age = 'Only one neighbourhood heard'
      const bad = await officer.post(`${base}/eia`, fields)
      assert.equal(bad.statusCode, 400, 'a negative impact without a mitigation is refused')
      assert.match(bad.body, /href="#mitigation_age"/)
      const forged = await officer.post(`${base}/eia`, {
        ...fields,
        subject: 'consultation:999999',
        mitigation_age: 'x',
      })
      assert.equal(forged.statusCode, 400, 'only this ward’s own subjects')
      const ok = await officer.post(`${base}/eia`, { ...fields, mitigation_age: 'Outreach at the youth club' })
      assert.equal(ok.statusCode, 303)
      const eia = await t.testDb.db.selectFrom('reach_eia').selectAll().executeTakeFirstOrThrow()
      assert.equal(eia.status, 'draft')
      const impacts = await t.testDb.db
        .selectFrom('reach_eia_impact')
        .selectAll()
        .where('eia_id', '=', eia.id)
        .execute()
      assert.equal(impacts.length, 9)
      // Age has Census figures, so the reach figures are kept with it: shares only, never a count of people.
      const age = impacts.find((i) => i.characteristic === 'age')!
      const evidence = JSON.parse(age.reach_evidence_json!) as { rows: Record<string, unknown>[] }
      assert.equal(evidence.rows.length, 6)
      assert.ok(evidence.rows.every((r) => !('participants' in r)))
      assert.equal(impacts.find((i) => i.characteristic === 'pregnancy-maternity')!.reach_evidence_json, null)

      const url = `${base}/eia/${Number(eia.id)}`
      const own = await officer.get(url)
      assert.doesNotMatch(own.body, /sign-off" novalidate/)
      assert.equal((await officer.post(`${url}/sign-off`)).statusCode, 303)
      const still = await t.testDb.db.selectFrom('reach_eia').select('status').executeTakeFirstOrThrow()
      assert.equal(still.status, 'draft', 'the author cannot sign their own assessment off')
      await officer2.get(url)
      assert.equal((await officer2.post(`${url}/sign-off`)).statusCode, 303)
      const signed = await t.testDb.db.selectFrom('reach_eia').selectAll().executeTakeFirstOrThrow()
      assert.equal(signed.status, 'signed_off')
      // A change after sign-off puts it back to draft; the trail keeps every step.
      await officer2.get(`${url}/edit`)
      assert.equal(
        (await officer2.post(url, { ...fields, mitigation_age: 'Outreach at the youth club and college' })).statusCode,
        303,
      )
      const changed = await t.testDb.db.selectFrom('reach_eia').selectAll().executeTakeFirstOrThrow()
      assert.equal(changed.status, 'draft')
      assert.equal(changed.signed_off_by_user_id, null)
      const trail = await t.testDb.db.selectFrom('reach_eia_event').select('action').orderBy('id').execute()
      assert.deepEqual(
        trail.map((e) => e.action),
        ['created', 'signed_off', 'updated'],
      )
      const audited = await t.testDb.db
        .selectFrom('audit_event')
        .select('action')
        .where('action', 'in', ['reach.eia.create', 'reach.eia.sign_off', 'reach.eia.update'])
        .execute()
      assert.ok(audited.length >= 3)
    })
  })
}
