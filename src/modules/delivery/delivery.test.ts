import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { testDatabases } from '../../../test/support/databases.js'
import { Client, createUser, NORBITON, OTHER_WARD, startTestApp, type TestApp } from '../../../test/support/test-app.js'
import { DEMO_PASSWORD, seedDemo } from '../../cli/seed.js'
import { eraseDeliveryPersonalData, exportDeliveryPersonalData } from './delivery.personal-data.js'
import { buildWardDelivery, listWardDelivery, getServiceDelivery } from './delivery.service.js'

// The smallest valid PNG (1×1): real magic bytes, so the upload check must accept it.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
)

/** Posts multipart/form-data the way a browser does, with the client's cookies and CSRF token. */
async function postMultipart(
  c: Client,
  url: string,
  fields: Record<string, string | string[]>,
  files: { field: string; filename: string; type: string; bytes: Buffer }[] = [],
) {
  const boundary = `----wt${Math.random().toString(36).slice(2)}`
  const parts: Buffer[] = []
  const all: [string, string][] = [['_csrf', c.csrf ?? '']]
  for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) all.push([k, x])
  for (const [k, v] of all)
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`))
  for (const f of files) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${f.field}"; filename="${f.filename}"\r\nContent-Type: ${f.type}\r\n\r\n`,
      ),
      f.bytes,
      Buffer.from('\r\n'),
    )
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`))
  const cookie = [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  return c.t.app.inject({
    method: 'POST',
    url,
    payload: Buffer.concat(parts),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, cookie },
  })
}

for (const kind of await testDatabases()) {
  describe(`delivery on ${kind.dialect}`, () => {
    let t: TestApp
    let wardId: number
    let officer: Client
    let provider: Client
    let otherProvider: Client
    let resident: Client
    let courseId: number
    let jobsId: number
    let parentId: number
    const pub = `/wards/${NORBITON}/delivery`
    const manage = `${pub}/manage`
    const prov = `${pub}/provider`
    const demo = async (email: string) => {
      const c = new Client(t)
      await c.signIn({ id: 0, email, password: DEMO_PASSWORD })
      return c
    }
    const count = async (table: 'delivery_return' | 'delivery_rating' | 'delivery_rating_report' | 'stored_file') =>
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
      const council = await t.testDb.db.selectFrom('tenancy_council').select('id').executeTakeFirstOrThrow()
      await seedDemo(t.testDb.db, t.tenant, Number(council.id), 10)
      wardId = (await t.wards.byCode(NORBITON))!.id
      const services = await listWardDelivery(t.testDb.db, wardId)
      courseId = services.find((s) => s.title.startsWith('Demo: Cook and learn'))!.serviceId
      jobsId = services.find((s) => s.title === 'Demo: Local jobs fair')!.serviceId
      parentId = services.find((s) => s.title === 'Demo: Into work in Norbiton')!.serviceId
      officer = await demo('officer@demo.example')
      provider = await demo('provider@demo.example')
      resident = await demo('resident@demo.example')
      // A second provider in the same ward, speaking for the organisation that won the jobs-fair contract.
      const other = await createUser(t, { role: 'provider', demo: true })
      const skills = await t.testDb.db
        .selectFrom('directory_organisation')
        .select('id')
        .where('name', '=', 'Demo: Kingston Skills Partnership')
        .executeTakeFirstOrThrow()
      await t.testDb.db
        .insertInto('directory_org_user')
        .values({ organisation_id: Number(skills.id), user_id: other.id, created_at: new Date().toISOString() })
        .execute()
      otherProvider = new Client(t)
      await otherProvider.signIn(other)
    })
    after(async () => t.stop())

    test('the summary: flags from returns and KPIs, weighted roll-up, spend read from the ledger', async () => {
      const course = await getServiceDelivery(t.testDb.db, courseId)
      assert.ok(course)
      // Quarter 4 reported 7 against a target of 12: off target, so red and off track.
      assert.equal(course.rag, 'red')
      assert.equal(course.status, 'off_track')
      const completions = course.kpis.find((k) => k.name.includes('completing'))!
      assert.equal(completions.latest, 7)
      assert.equal(completions.rag, 'red')
      assert.match(String(completions.period), /^\d{4}-\d{2}-\d{2}\/\d{4}-\d{2}-\d{2}$/)
      // Milestones 1 and 2 done (weights 2+2 of 9).
      assert.equal(course.progressPercent, 44)
      assert.equal(course.ratings.count, 4)

      const jobs = (await getServiceDelivery(t.testDb.db, jobsId))!
      assert.equal(jobs.spend.committedPence, 900_000)
      assert.equal(jobs.spend.paidPence, 450_000)
      assert.equal(jobs.spend.remainingPence, 450_000)
      assert.equal(
        jobs.spend.byPartner.reduce((s, p) => s + p.paidPence, 0),
        450_000,
      )
      assert.equal(jobs.contractId, jobs.processId)
      assert.ok(jobs.themeIds.length === 1)

      const parent = (await getServiceDelivery(t.testDb.db, parentId))!
      // Weighted 9 (jobs fair) to 6 (course); the parent's flag is the worst child's and its money the sum.
      const expected = Math.round(((jobs.progressPercent * 9 + course.progressPercent * 6) / 15) * 10) / 10
      assert.equal(parent.progressPercent, expected)
      assert.equal(parent.rag, 'red')
      assert.equal(parent.spend.committedPence, 900_000)
      assert.equal(parent.providerName, '')

      // Nothing leaks into the other ward.
      const other = (await t.wards.byCode(OTHER_WARD))!
      assert.deepEqual(await listWardDelivery(t.testDb.db, other.id), [])
    })

    test('public pages: list, service with milestones, KPIs beside ratings; small counts suppressed', async () => {
      const anon = new Client(t)
      const list = await anon.get(pub)
      assert.equal(list.statusCode, 200)
      assert.match(list.body, /Demo: Into work in Norbiton/)
      const page = await anon.get(`${pub}/services/${courseId}`)
      assert.equal(page.statusCode, 200)
      assert.match(page.body, /kitchen fitted out/)
      assert.match(page.body, /Fewer than 10 people have rated/)
      assert.doesNotMatch(page.body, /hidden by a moderator to show/)
      assert.match(page.body, /friendly teachers/)
      assert.equal((await anon.get(`/wards/${OTHER_WARD}/delivery/services/${courseId}`)).statusCode, 404)
      assert.equal((await anon.get(`${pub}/services/999999`)).statusCode, 404)
      // The author of the hidden comment sees why.
      const partner = await demo('partner@demo.example')
      assert.match((await partner.get(`${pub}/services/${courseId}`)).body, /A moderator hid your comment/)
    })

    test('a provider sees and reports only on its own organisation’s services', async () => {
      const mine = await provider.get(prov)
      assert.equal(mine.statusCode, 200)
      assert.match(mine.body, /Cook and learn/)
      assert.doesNotMatch(mine.body, /Local jobs fair/)
      const d = (await buildWardDelivery(t.testDb.db, wardId)).get(jobsId)!
      const jobsPeriod = d.periods[0]!.period.index
      assert.equal((await provider.get(`${prov}/services/${jobsId}/returns/${jobsPeriod}`)).statusCode, 404)
      // The other organisation's provider cannot open or post the course's return.
      const before = await count('delivery_return')
      assert.equal((await otherProvider.get(`${prov}/services/${courseId}/returns/1`)).statusCode, 404)
      await otherProvider.get(prov)
      const post = await postMultipart(otherProvider, `${prov}/services/${courseId}/returns/5`, {
        narrative: 'x',
        action: 'draft',
      })
      assert.equal(post.statusCode, 404)
      assert.equal(await count('delivery_return'), before)
      // A resident has no provider role at all.
      assert.equal((await resident.get(prov)).statusCode, 403)
    })

    let returnId = 0
    test('the return form: errors re-render with a summary; wrong file types are refused by magic bytes', async () => {
      const d = (await buildWardDelivery(t.testDb.db, wardId)).get(courseId)!
      const due = d.periods.find((p) => !p.ret && p.lateness === 'in_grace')!
      const url = `${prov}/services/${courseId}/returns/${due.period.index}`
      const form = await provider.get(url)
      assert.equal(form.statusCode, 200)
      assert.match(form.body, /enctype="multipart\/form-data"/)
      const kpis = d.kpis.map((k) => `kpi-${k.id}`)
      const before = await count('delivery_return')

      const bad = await postMultipart(provider, url, { action: 'submit', narrative: '', [kpis[0]!]: 'lots' })
      assert.equal(bad.statusCode, 400)
      assert.match(bad.body, /govuk-error-summary/)
      assert.match(bad.body, /Say what happened in this period/)
      assert.match(bad.body, /Enter a number/)
      assert.equal(await count('delivery_return'), before)

      const files = await count('stored_file')
      const fake = await postMultipart(provider, url, { action: 'draft', narrative: 'Draft' }, [
        { field: 'evidence', filename: 'report.pdf', type: 'application/pdf', bytes: Buffer.from('not really a pdf') },
      ])
      assert.equal(fake.statusCode, 400)
      assert.match(fake.body, /must be a PDF/)
      assert.equal(await count('stored_file'), files)
      assert.equal(await count('delivery_return'), before)

      const draft = await postMultipart(
        provider,
        url,
        { action: 'draft', narrative: 'Draft so far', [kpis[0]!]: '11' },
        [{ field: 'evidence', filename: 'photo.png', type: 'image/png', bytes: PNG }],
      )
      assert.equal(draft.statusCode, 303)
      assert.equal(await count('stored_file'), files + 1)
      const row = await t.testDb.db
        .selectFrom('delivery_return')
        .selectAll()
        .where('service_id', '=', courseId)
        .where('period_index', '=', due.period.index)
        .executeTakeFirstOrThrow()
      assert.equal(row.state, 'draft')
      returnId = Number(row.id)
      // A draft is not for officers yet.
      assert.equal((await officer.get(`${manage}/returns/${returnId}`)).statusCode, 404)

      await provider.get(url)
      const milestone = d.milestones.find((m) => m.doneOn === null)!
      const submit = await postMultipart(provider, url, {
        action: 'submit',
        narrative: 'Twelve finished; the hygiene certificates are done.',
        [kpis[0]!]: '12',
        [kpis[1]!]: '44.5',
        milestones: String(milestone.id),
      })
      assert.equal(submit.statusCode, 303)
      const again = await postMultipart(provider, url, { action: 'submit', narrative: 'Changed my mind' })
      assert.equal(again.statusCode, 409)
      const saved = (await buildWardDelivery(t.testDb.db, wardId)).get(courseId)!
      assert.equal(saved.periods.find((p) => p.period.index === due.period.index)!.ret!.state, 'submitted')
      // The evidence is downloadable by its provider and the officer, never by another provider.
      const file = await t.testDb.db
        .selectFrom('stored_file')
        .select('id')
        .where('owner_kind', '=', 'delivery_return')
        .where('owner_id', '=', returnId)
        .executeTakeFirstOrThrow()
      const dl = await provider.get(`${url}/files/${file.id}`)
      assert.equal(dl.statusCode, 200)
      assert.equal(dl.headers['x-content-type-options'], 'nosniff')
      assert.match(String(dl.headers['content-disposition']), /attachment/)
      assert.equal((await officer.get(`${manage}/returns/${returnId}/files/${file.id}`)).statusCode, 200)
      assert.equal((await otherProvider.get(`${url}/files/${file.id}`)).statusCode, 404)
    })

    test('officers review: changes need a comment; accepting applies the milestones reported done', async () => {
      const page = await officer.get(`${manage}/returns/${returnId}`)
      assert.equal(page.statusCode, 200)
      assert.match(page.body, /Twelve finished/)
      const bad = await officer.post(`${manage}/returns/${returnId}/review`, { decision: 'changes_requested' })
      assert.equal(bad.statusCode, 400)
      assert.match(bad.body, /Say what the provider needs to change/)
      const changes = await officer.post(`${manage}/returns/${returnId}/review`, {
        decision: 'changes_requested',
        comment: 'Please attach the certificates list.',
      })
      assert.equal(changes.statusCode, 303)
      // The provider sees the comment and can submit again.
      const d = (await buildWardDelivery(t.testDb.db, wardId)).get(courseId)!
      const line = d.periods.find((p) => p.ret?.id === returnId)!
      const url = `${prov}/services/${courseId}/returns/${line.period.index}`
      assert.match((await provider.get(url)).body, /attach the certificates list/)
      const kpis = Object.fromEntries(d.kpis.map((k) => [`kpi-${k.id}`, '12']))
      const milestone = d.milestones.find((m) => m.doneOn === null)!
      const resubmit = await postMultipart(provider, url, {
        action: 'submit',
        narrative: 'List attached.',
        ...kpis,
        milestones: String(milestone.id),
      })
      assert.equal(resubmit.statusCode, 303)
      await officer.get(`${manage}/returns/${returnId}`)
      assert.equal(
        (await officer.post(`${manage}/returns/${returnId}/review`, { decision: 'accepted' })).statusCode,
        303,
      )
      const after = (await buildWardDelivery(t.testDb.db, wardId)).get(courseId)!
      assert.ok(after.milestones.find((m) => m.id === milestone.id)!.doneOn)
      assert.ok(after.summary.progressPercent > d.summary.progressPercent)
      // Reviewing twice is refused; every decision is kept.
      assert.equal(
        (await officer.post(`${manage}/returns/${returnId}/review`, { decision: 'accepted' })).statusCode,
        409,
      )
      const reviews = await t.testDb.db
        .selectFrom('delivery_review')
        .selectAll()
        .where('return_id', '=', returnId)
        .execute()
      assert.deepEqual(
        reviews.map((r) => r.decision),
        ['changes_requested', 'accepted'],
      )
      // A resident and another ward's officer cannot see the dashboard.
      assert.equal((await resident.get(manage)).statusCode, 403)
      const elsewhere = new Client(t)
      await elsewhere.signIn(await createUser(t, { role: 'officer', ward: OTHER_WARD, demo: true }))
      assert.equal((await elsewhere.get(manage)).statusCode, 403)
      assert.equal((await elsewhere.get(`/wards/${OTHER_WARD}/delivery/manage/returns/${returnId}`)).statusCode, 404)
    })

    test('residents rate once each (rating again replaces), report comments; moderators hide with a reason', async () => {
      const me = new Client(t)
      await me.signIn(await createUser(t))
      await me.get(`${pub}/services/${courseId}/rate`)
      const before = await count('delivery_rating')
      const bad = await me.post(`${pub}/services/${courseId}/rate`, { stars: '9', comment: 'x' })
      assert.equal(bad.statusCode, 400)
      assert.match(bad.body, /Select a rating from 1 to 5/)
      assert.equal(await count('delivery_rating'), before)
      assert.equal(
        (await me.post(`${pub}/services/${courseId}/rate`, { stars: '2', comment: 'Rude at the door.' })).statusCode,
        303,
      )
      assert.equal(
        (await me.post(`${pub}/services/${courseId}/rate`, { stars: '3', comment: 'Better now.', surveys: 'yes' }))
          .statusCode,
        303,
      )
      assert.equal(await count('delivery_rating'), before + 1)
      const mine = await t.testDb.db
        .selectFrom('delivery_rating')
        .selectAll()
        .where('comment', '=', 'Better now.')
        .executeTakeFirstOrThrow()
      assert.equal(Number(mine.stars), 3)

      await resident.get(`${pub}/services/${courseId}`)
      const empty = await resident.post(`${pub}/services/${courseId}/ratings/${mine.id}/report`, { reason: '' })
      assert.equal(empty.statusCode, 400)
      assert.match(empty.body, /govuk-error-summary/)
      const reports = await count('delivery_rating_report')
      assert.equal(
        (await resident.post(`${pub}/services/${courseId}/ratings/${mine.id}/report`, { reason: 'Not true' }))
          .statusCode,
        303,
      )
      assert.equal(await count('delivery_rating_report'), reports + 1)

      const queue = await officer.get(`${manage}/moderation`)
      assert.match(queue.body, /Better now\./)
      assert.equal((await officer.post(`${manage}/ratings/${mine.id}/hide`, { reason: '' })).statusCode, 400)
      assert.equal(
        (await officer.post(`${manage}/ratings/${mine.id}/hide`, { reason: 'Not about the service' })).statusCode,
        303,
      )
      assert.doesNotMatch((await new Client(t).get(`${pub}/services/${courseId}`)).body, /Better now\./)
      assert.match((await me.get(`${pub}/services/${courseId}`)).body, /Not about the service/)
      const audit = await t.testDb.db
        .selectFrom('audit_event')
        .selectAll()
        .where('action', '=', 'delivery.rating.hidden')
        .execute()
      assert.equal(audit.length, 1)
    })

    test('follow-up surveys go to those who asked, at most once every 28 days', async () => {
      const outbox = async () =>
        Number(
          (
            await t.testDb.db
              .selectFrom('mail_outbox')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        )
      const before = await outbox()
      await officer.get(`${manage}/services/${courseId}`)
      const sent = await officer.post(`${manage}/services/${courseId}/surveys`)
      assert.equal(sent.statusCode, 303)
      const wanted = await t.testDb.db
        .selectFrom('delivery_rating')
        .select('user_id')
        .where('service_id', '=', courseId)
        .where('wants_surveys', '=', 1)
        .execute()
      assert.ok(wanted.length >= 2)
      assert.equal(await outbox(), before + wanted.length)
      assert.equal((await officer.post(`${manage}/services/${courseId}/surveys`)).statusCode, 409)
      assert.equal(await outbox(), before + wanted.length)
    })

    test('officers add dated milestones and KPIs; bad dates and targets re-render with errors', async () => {
      const url = `${manage}/services/${courseId}`
      await officer.get(url)
      const before = (await getServiceDelivery(t.testDb.db, courseId))!
      const bad = await officer.post(`${url}/milestones`, {
        title: 'Demo: open a second kitchen',
        'due-day': '31',
        'due-month': '2',
        'due-year': '2027',
        weight: '2',
      })
      assert.equal(bad.statusCode, 400)
      assert.match(bad.body, /Enter a real due date/)
      const ok = await officer.post(`${url}/milestones`, {
        title: 'Demo: open a second kitchen',
        'due-day': '28',
        'due-month': '2',
        'due-year': '2099',
        weight: '2',
      })
      assert.equal(ok.statusCode, 303)
      const badKpi = await officer.post(`${url}/kpis`, { name: 'Meals', target: 'many', direction: 'higher' })
      assert.equal(badKpi.statusCode, 400)
      assert.match(badKpi.body, /Enter the target as a number/)
      assert.equal(
        (
          await officer.post(`${url}/kpis`, {
            name: 'Meals served',
            unit: 'a week',
            target: '300',
            direction: 'higher',
          })
        ).statusCode,
        303,
      )
      const after = (await buildWardDelivery(t.testDb.db, wardId)).get(courseId)!
      assert.ok(after.milestones.some((m) => m.title === 'Demo: open a second kitchen' && m.dueOn === '2099-02-28'))
      // One more undone milestone with weight 2: the weighted progress falls.
      assert.ok(after.summary.progressPercent < before.progressPercent)
      const meals = after.kpis.find((k) => k.name === 'Meals served')!
      assert.deepEqual([meals.target, meals.unit, meals.rag], [300, 'a week', 'grey'])
    })

    test('officers start tracking a funded priority without a contract, with lead organisation, milestones and KPIs', async () => {
      const url = `${manage}/priorities`
      const page = await officer.get(url)
      assert.equal(page.statusCode, 200)
      assert.match(page.body, /Warm hub on winter evenings/)
      // Residents and other wards' officers are refused (deny by default).
      assert.notEqual((await resident.get(url)).statusCode, 200)
      const db = t.testDb.db
      const option = await db
        .selectFrom('prioritisation_option')
        .select('id')
        .where('title', '=', 'Warm hub on winter evenings (demo)')
        .executeTakeFirstOrThrow()
      assert.match(page.body, new RegExp(`<option value="${option.id}"`))
      const kitchen = await db
        .selectFrom('directory_organisation')
        .select('id')
        .where('name', '=', 'Demo: Norbiton Community Kitchen')
        .executeTakeFirstOrThrow()
      const form = {
        optionId: String(option.id),
        organisationId: String(kitchen.id),
        parentId: '',
        weight: '3',
        periodMonths: '3',
        'start-day': '1',
        'start-month': '11',
        'start-year': '2026',
        'end-day': '31',
        'end-month': '3',
        'end-year': '2027',
        milestones: 'Demo: hub opens\nDemo: halfway review\n',
        kpis: 'Demo: visits: 400 a month\nDemo: volunteers: 12',
      }
      const bad = await officer.post(url, { ...form, 'end-year': '2025', kpis: 'no target here' })
      assert.equal(bad.statusCode, 400)
      assert.match(bad.body, /govuk-error-summary/)
      assert.match(bad.body, /The end date must be after the start date/)
      assert.match(bad.body, /Enter up to 20 measures/)
      const badOrg = await officer.post(url, { ...form, organisationId: '999999' })
      assert.equal(badOrg.statusCode, 400)
      assert.match(badOrg.body, /Select the lead organisation/)
      const ok = await officer.post(url, form)
      assert.equal(ok.statusCode, 303)
      const id = Number(/services\/(\d+)$/.exec(String(ok.headers.location))?.[1])
      const tracked = (await buildWardDelivery(db, wardId)).get(id)!
      assert.equal(tracked.service.priorityOptionId, Number(option.id))
      assert.equal(tracked.service.processId, null)
      assert.equal(tracked.service.providerOrganisationId, Number(kitchen.id))
      assert.equal(tracked.summary.title, 'Warm hub on winter evenings (demo)')
      assert.deepEqual(
        tracked.milestones.map((m) => [m.title, m.dueOn]),
        [
          ['Demo: hub opens', '2027-01-15'],
          ['Demo: halfway review', '2027-03-31'],
        ],
      )
      assert.deepEqual(
        tracked.kpis.map((k) => [k.name, k.target, k.unit]),
        [
          ['Demo: visits', 400, 'a month'],
          ['Demo: volunteers', 12, ''],
        ],
      )
      // Once only: the option leaves the list and a second post is refused.
      assert.doesNotMatch((await officer.get(url)).body, new RegExp(`<option value="${option.id}"`))
      const again = await officer.post(url, form)
      assert.equal(again.statusCode, 400)
      assert.match(again.body, /Select a funded priority that is not tracked yet/)
      // The lead organisation's provider sees it among its own services.
      assert.match((await provider.get(prov)).body, /Warm hub on winter evenings/)
      // The route's audit entry is appended once the response has gone: wait for it briefly.
      let audited = 0
      for (let i = 0; i < 50 && audited === 0; i++) {
        audited = (
          await db.selectFrom('audit_event').select('action').where('action', '=', 'delivery.priority.track').execute()
        ).length
        if (audited === 0) await new Promise((r) => setTimeout(r, 20))
      }
      assert.ok(audited >= 1)
    })

    test('officers change and remove unreported milestones and KPIs, and a child’s weight; the roll-up follows', async () => {
      const db = t.testDb.db
      const url = `${manage}/services/${courseId}`
      const d = (await buildWardDelivery(db, wardId)).get(courseId)!
      const open = d.milestones.find((m) => m.doneOn === null && m.title === 'Demo: final evaluation published')!
      const done = d.milestones.find((m) => m.doneOn !== null)!
      const edit = await officer.get(`${url}/milestones/${open.id}`)
      assert.equal(edit.statusCode, 200)
      assert.match(edit.body, /Demo: final evaluation published/)
      // A milestone already reported done is part of the record: the page says so and offers no form.
      const shown = await officer.get(`${url}/milestones/${done.id}`)
      assert.equal(shown.statusCode, 200)
      assert.match(shown.body, /part of the record/)
      assert.doesNotMatch(shown.body, new RegExp(`action="${url}/milestones/${done.id}"`))
      const refused = await officer.post(`${url}/milestones/${done.id}`, {
        title: 'Renamed',
        'due-day': '1',
        'due-month': '1',
        'due-year': '2030',
        weight: '1',
      })
      assert.equal(refused.statusCode, 409)
      assert.equal((await officer.post(`${url}/milestones/${done.id}/remove`, {})).statusCode, 409)
      const bad = await officer.post(`${url}/milestones/${open.id}`, {
        title: '',
        'due-day': '31',
        'due-month': '2',
        'due-year': '2030',
        weight: '11',
      })
      assert.equal(bad.statusCode, 400)
      assert.match(bad.body, /govuk-error-summary/)
      assert.match(bad.body, /Enter the milestone/)
      const before = (await getServiceDelivery(db, courseId))!.progressPercent
      const ok = await officer.post(`${url}/milestones/${open.id}`, {
        title: 'Demo: evaluation published',
        'due-day': '1',
        'due-month': '6',
        'due-year': '2099',
        weight: '5',
      })
      assert.equal(ok.statusCode, 303)
      let after = (await buildWardDelivery(db, wardId)).get(courseId)!
      const changed = after.milestones.find((m) => m.id === open.id)!
      assert.deepEqual([changed.title, changed.dueOn, changed.weight], ['Demo: evaluation published', '2099-06-01', 5])
      // More undone weight: progress falls.
      assert.ok(after.summary.progressPercent < before)
      assert.equal((await officer.post(`${url}/milestones/${open.id}/remove`, {})).statusCode, 303)
      after = (await buildWardDelivery(db, wardId)).get(courseId)!
      assert.ok(!after.milestones.some((m) => m.id === open.id))

      // KPIs: edit any; remove only one without reported figures.
      const reported = after.kpis.find((k) => k.history.length > 0)!
      const editKpi = await officer.post(`${url}/kpis/${reported.id}`, {
        name: reported.name,
        unit: reported.unit,
        target: '5',
        direction: 'higher',
      })
      assert.equal(editKpi.statusCode, 303)
      after = (await buildWardDelivery(db, wardId)).get(courseId)!
      assert.equal(after.kpis.find((k) => k.id === reported.id)!.target, 5)
      const badKpi = await officer.post(`${url}/kpis/${reported.id}`, { name: '', target: 'x', direction: 'up' })
      assert.equal(badKpi.statusCode, 400)
      assert.match(badKpi.body, /Enter the measure/)
      assert.equal((await officer.post(`${url}/kpis/${reported.id}/remove`, {})).statusCode, 409)
      await officer.post(`${url}/kpis`, { name: 'Demo: spare measure', unit: '', target: '3', direction: 'lower' })
      const spare = (await buildWardDelivery(db, wardId))
        .get(courseId)!
        .kpis.find((k) => k.name === 'Demo: spare measure')!
      assert.equal((await officer.post(`${url}/kpis/${spare.id}/remove`, {})).statusCode, 303)
      assert.ok(!(await buildWardDelivery(db, wardId)).get(courseId)!.kpis.some((k) => k.id === spare.id))

      // A child's weight in its parent's roll-up.
      const parentBefore = (await getServiceDelivery(db, parentId))!
      const children = [...(await buildWardDelivery(db, wardId)).values()].filter(
        (x) => x.service.parentId === parentId && x.service.state !== 'cancelled',
      )
      assert.equal((await officer.post(`${url}/weight`, { weight: '0' })).statusCode, 400)
      assert.equal((await officer.post(`${url}/weight`, { weight: '40' })).statusCode, 303)
      const all = await buildWardDelivery(db, wardId)
      const weightOf = (id: number) => (id === courseId ? 40 : all.get(id)!.service.weight)
      const total = children.reduce((s, c) => s + weightOf(c.service.id), 0)
      const expected =
        Math.round(
          (children.reduce((s, c) => s + all.get(c.service.id)!.summary.progressPercent * weightOf(c.service.id), 0) /
            total) *
            10,
        ) / 10
      assert.equal(all.get(parentId)!.summary.progressPercent, expected)
      assert.notEqual(all.get(parentId)!.summary.progressPercent, parentBefore.progressPercent)
      // A service without a parent has no weight to change.
      assert.equal((await officer.post(`${manage}/services/${parentId}/weight`, { weight: '5' })).statusCode, 404)
      // Other wards' officers cannot reach any of it.
      assert.equal((await resident.post(`${url}/weight`, { weight: '7' })).statusCode >= 400, true)
    })

    test('a person’s ratings are in their data download; erasure ends survey emails and keeps the counts', async () => {
      const db = t.testDb.db
      const user = await db
        .selectFrom('accounts_user')
        .select('id')
        .where('email', '=', 'resident@demo.example')
        .executeTakeFirstOrThrow()
      const data = (await exportDeliveryPersonalData(db, Number(user.id))) as { serviceRatings: { stars: number }[] }
      assert.deepEqual(
        data.serviceRatings.map((r) => r.stars),
        [5],
      )
      const before = (await getServiceDelivery(db, courseId))!.ratings.count
      const erased = await db.transaction().execute((trx) => eraseDeliveryPersonalData(trx, Number(user.id)))
      assert.deepEqual(erased, { ratingsAnonymised: 1, surveyRequestsEnded: 1 })
      assert.equal((await getServiceDelivery(db, courseId))!.ratings.count, before)
    })

    test('officers start tracking an awarded contract once; its milestones and KPIs are copied', async () => {
      const dash = await officer.get(manage)
      assert.equal(dash.statusCode, 200)
      assert.match(dash.body, /Every awarded contract is already being tracked/)
      const jobs = (await getServiceDelivery(t.testDb.db, jobsId))!
      const dup = await officer.post(`${manage}/services`, {
        processId: String(jobs.processId),
        parentId: '',
        weight: '1',
        periodMonths: '3',
      })
      assert.equal(dup.statusCode, 400)
      assert.match(dup.body, /Select an awarded contract that is not tracked yet/)
      // Untrack the demo copy (test-only surgery), then track it through the form.
      const db = t.testDb.db
      await db.deleteFrom('delivery_milestone').where('service_id', '=', jobsId).execute()
      await db.deleteFrom('delivery_kpi').where('service_id', '=', jobsId).execute()
      await db.deleteFrom('delivery_service').where('id', '=', jobsId).execute()
      await officer.get(manage)
      const ok = await officer.post(`${manage}/services`, {
        processId: String(jobs.processId),
        parentId: String(parentId),
        weight: '9',
        periodMonths: '1',
      })
      assert.equal(ok.statusCode, 303)
      const id = Number(/services\/(\d+)$/.exec(String(ok.headers.location))?.[1])
      const tracked = (await buildWardDelivery(db, wardId)).get(id)!
      assert.equal(tracked.service.parentId, parentId)
      assert.equal(tracked.milestones.length, 3)
      assert.deepEqual(
        tracked.kpis.map((k) => [k.target, k.unit]),
        [
          [150, 'a year'],
          [85, '%'],
        ],
      )
      assert.equal(tracked.summary.spend.paidPence, 450_000)
      assert.equal((await officer.get(`${manage}/services/${id}`)).statusCode, 200)
    })
  })
}
