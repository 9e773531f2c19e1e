import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
// ajv 8 comes with Fastify and resolves from the project root; it is used only here, to check our
// Open Referral responses against the published schemas.
import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { findWardByCode } from '../../platform/tenancy/index.js'
import { testDatabases } from '../../../test/support/databases.js'
import { needsSharedData, sharedDataPath } from '../../../test/support/shared-data.js'
import { Client, createUser, NORBITON, startTestApp, type TestApp } from '../../../test/support/test-app.js'
import { matches, orgIdentifiers, stableUuid, type Service } from './directory.rules.js'
import { seedDirectoryDemo } from './directory.seed.js'

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv

describe('directory rules', () => {
  test('org-id identifiers and stable UUIDs', () => {
    assert.deepEqual(
      orgIdentifiers({ charityNumber: '1234567', companyNumber: '01234567' }).map((i) => i.orgId),
      ['GB-CHC-1234567', 'GB-COH-01234567'],
    )
    assert.equal(stableUuid('a'), stableUuid('a'))
    assert.match(stableUuid('a'), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  })

  test('search by theme, place, age and day', () => {
    const s = {
      status: 'active',
      name: 'Club',
      description: '',
      themes: ['family-and-life-chances'],
      locationName: 'Hall',
      address: '1 Cambridge Road',
      postcode: 'KT1 3DQ',
      minAge: 8,
      maxAge: 16,
      days: ['MO'],
    } as unknown as Service
    assert.ok(matches(s, undefined, { theme: 'family-and-life-chances', place: 'kt1 3', age: 10, day: 'MO' }))
    assert.ok(matches(s, undefined, { place: 'cambridge' }))
    assert.ok(!matches(s, undefined, { age: 17 }))
    assert.ok(!matches(s, undefined, { day: 'TU' }))
    assert.ok(!matches(s, undefined, { theme: 'financial-support' }))
  })
})

const ORUK = (...p: string[]) => sharedDataPath('oruk', 'oruk-3.0-uk-profile', 'schema', ...p)

for (const kind of await testDatabases()) {
  describe(`provider and service directory on ${kind.dialect}`, () => {
    let t: TestApp
    let providerA: Client
    let providerB: Client
    const base = `/wards/${NORBITON}/directory/manage`

    async function clientFor(userId: number): Promise<Client> {
      const c = new Client(t)
      const { cookieValue } = await t.sessions.store.create({ userId, mfaVerified: true })
      c.cookies.set('wt_session', cookieValue)
      return c
    }
    const count = async () =>
      Number(
        (
          await t.testDb.db
            .selectFrom('directory_service')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      )

    before(async () => {
      t = await startTestApp(kind, { DEMO_MODE: 'true' })
      const ward = (await findWardByCode(t.testDb.db, NORBITON))!
      await seedDirectoryDemo(t.testDb.db, { wardId: ward.id })
      await seedDirectoryDemo(t.testDb.db, { wardId: ward.id })
      providerA = await clientFor((await createUser(t, { role: 'provider', demo: true })).id)
      providerB = await clientFor((await createUser(t, { role: 'provider', demo: true })).id)
    })
    after(async () => t.stop())

    const service = {
      name: 'Test lunch club',
      description: 'Lunch for older neighbours',
      status: 'active',
      themes: ['family-and-life-chances'],
      days: ['WE'],
      opensAt: '12:00',
      closesAt: '14:00',
      minAge: '60',
      languages: ['en', 'pl'],
      address: '5 Test Road',
      postcode: 'kt2 7aa',
      cost: '2.50',
    }

    test('a provider registers its organisation and lists a service; bad input writes nothing', async () => {
      await providerA.get(base)
      const bad = await providerA.post(`${base}/organisation`, { name: 'Org A', kind: 'charity', charityNumber: '12' })
      assert.equal(bad.statusCode, 400)
      assert.match(bad.body, /govuk-error-summary/)
      assert.match(bad.body, /value="Org A"/)
      const ok = await providerA.post(`${base}/organisation`, {
        name: 'Org A',
        kind: 'charity',
        description: 'A test charity',
        charityNumber: '1234567',
      })
      assert.equal(ok.statusCode, 303)
      await providerA.get(`${base}/services/new`)
      const before = await count()
      const invalid = await providerA.post(`${base}/services`, {
        ...service,
        opensAt: '25:00',
        minAge: '70',
        maxAge: '10',
      })
      assert.equal(invalid.statusCode, 400)
      assert.equal(await count(), before)
      assert.equal((await providerA.post(`${base}/services`, service)).statusCode, 303)
      assert.equal(await count(), before + 1)
    })

    test('a provider never edits another organisation’s service', async () => {
      const row = await t.testDb.db
        .selectFrom('directory_service')
        .select('uuid')
        .where('name', '=', 'Test lunch club')
        .executeTakeFirstOrThrow()
      await providerB.get(base)
      await providerB.post(`${base}/organisation`, {
        name: 'Org B',
        kind: 'company',
        description: 'B',
        companyNumber: '01234567',
      })
      const peek = await providerB.get(`${base}/services/${row.uuid}`)
      assert.equal(peek.statusCode, 404)
      const edit = await providerB.post(`${base}/services/${row.uuid}`, { ...service, name: 'Hijacked' })
      assert.equal(edit.statusCode, 404)
      const after = await t.testDb.db
        .selectFrom('directory_service')
        .select('name')
        .where('uuid', '=', row.uuid)
        .executeTakeFirstOrThrow()
      assert.equal(after.name, 'Test lunch club')
      // Its owner can.
      await providerA.get(`${base}/services/${row.uuid}`)
      assert.equal((await providerA.post(`${base}/services/${row.uuid}`, { ...service, cost: '3' })).statusCode, 303)
    })

    test('the public directory searches by theme, place, age and day', async () => {
      const c = new Client(t)
      const all = await c.get(`/wards/${NORBITON}/directory`)
      assert.equal(all.statusCode, 200)
      assert.match(all.body, /Test lunch club/)
      const young = await c.get(`/wards/${NORBITON}/directory?age=10&theme=family-and-life-chances`)
      assert.doesNotMatch(young.body, /Test lunch club/)
      assert.match(young.body, /After-school club/)
      const wed = await c.get(`/wards/${NORBITON}/directory?day=WE&place=KT2`)
      assert.match(wed.body, /Test lunch club/)
      assert.doesNotMatch(wed.body, /After-school club/)
    })

    test('Open Referral UK responses validate against the ORUK 3.0 schemas', needsSharedData(), async () => {
      const ajv = new Ajv({ strict: false, allErrors: true })
      addFormats(ajv)
      const load = (...p: string[]) => JSON.parse(readFileSync(ORUK(...p), 'utf8')) as Record<string, unknown>
      const openapi = load('openapi.json') as { components: { schemas: { Page: object } } }
      ajv.addSchema({ ...load('taxonomy_term.json'), $id: 'https://oruk.test/taxonomy_term.json' })
      const taxonomy = ajv.compile({ ...load('taxonomy.json'), $id: 'https://oruk.test/taxonomy.json' })
      const term = ajv.getSchema('https://oruk.test/taxonomy_term.json')!
      const paged = (items: object): ValidateFunction =>
        ajv.compile({
          allOf: [openapi.components.schemas.Page],
          properties: { contents: { type: 'array', items } },
          required: ['contents', 'total_items', 'page_number'],
        })
      const serviceList = paged(load('compiled', 'service_list.json'))
      const serviceFull = ajv.compile(load('compiled', 'service.json'))
      const organisation = paged(load('compiled', 'organization.json'))
      const check = (v: ValidateFunction, body: unknown, what: string) =>
        assert.ok(v(body), `${what}: ${ajv.errorsText(v.errors)}`)

      const list = await t.app.inject({ url: '/api/v1/oruk/services?per_page=2&page=1' })
      assert.equal(list.headers['access-control-allow-origin'], '*')
      const listed = list.json<{ contents: { id: string }[]; total_items: number }>()
      check(serviceList, listed, 'services')
      assert.equal(listed.contents.length, 2)
      assert.ok(listed.total_items >= 5)
      for (const s of (await t.app.inject({ url: '/api/v1/oruk/services?per_page=50' })).json<{
        contents: { id: string }[]
      }>().contents) {
        const one = await t.app.inject({ url: `/api/v1/oruk/services/${s.id}` })
        assert.equal(one.statusCode, 200)
        check(serviceFull, one.json(), `service ${s.id}`)
      }
      const full = (await t.app.inject({ url: '/api/v1/oruk/services?search=lunch' })).json<{
        contents: { id: string }[]
      }>()
      const lunch = (await t.app.inject({ url: `/api/v1/oruk/services/${full.contents[0]!.id}` })).json<{
        organization: { organization_identifiers: { identifier_scheme: string; identifier: string }[] }
        cost_options: { amount: number }[]
      }>()
      assert.deepEqual(lunch.organization.organization_identifiers[0], {
        ...lunch.organization.organization_identifiers[0],
        identifier_scheme: 'GB-CHC',
        identifier: '1234567',
      })
      assert.equal(lunch.cost_options[0]!.amount, 3)
      const taxonomies = (await t.app.inject({ url: '/api/v1/oruk/taxonomies' })).json<{ contents: { id: string }[] }>()
      check(paged({ $ref: 'https://oruk.test/taxonomy.json' }), taxonomies, 'taxonomies')
      const tx = await t.app.inject({ url: `/api/v1/oruk/taxonomies/${taxonomies.contents[0]!.id}` })
      check(taxonomy, tx.json(), 'taxonomy')
      const terms = (await t.app.inject({ url: '/api/v1/oruk/taxonomy_terms' })).json<{ contents: { id: string }[] }>()
      check(paged({ $ref: 'https://oruk.test/taxonomy_term.json' }), terms, 'taxonomy terms')
      assert.ok(term(terms.contents[0]))
      check(organisation, (await t.app.inject({ url: '/api/v1/oruk/organizations' })).json(), 'organizations')
      const byTerm = (
        await t.app.inject({ url: `/api/v1/oruk/services?taxonomy_term_id=${terms.contents[0]!.id}` })
      ).json<{ contents: { name: string }[] }>()
      assert.ok(byTerm.contents.every((s) => !/lunch/i.test(s.name)))
      assert.equal((await t.app.inject({ url: '/api/v1/oruk/services/nope' })).statusCode, 404)
    })
  })
}
