import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { Ajv } from 'ajv'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { createWriter } from '../../platform/db/index.js'
import { findWardByCode } from '../../platform/tenancy/index.js'
import { testDatabases } from '../../../test/support/databases.js'
import { Client, createUser, NORBITON, OTHER_WARD, startTestApp, type TestApp } from '../../../test/support/test-app.js'
import { commitFunds, createLedger, listFunds, listPostings, seedLedgerDemo } from '../ledger/index.js'
import { listOrganisations, seedDirectoryDemo } from '../directory/index.js'
import { checkCriteria, isConflicted, mayApproveAward, rankBids, type Criterion } from './commissioning.rules.js'
import { seedCommissioningDemo } from './commissioning.seed.js'

const CRITERIA: Criterion[] = [
  { key: 'quality', title: 'Quality', weight: 50 },
  { key: 'social-value', title: 'Social value', weight: 30 },
  { key: 'local-benefit', title: 'Local benefit', weight: 20 },
]

describe('commissioning rules', () => {
  test('weighted totals rank bids; incomplete bids last; ties to the lower price', () => {
    const ranked = rankBids(CRITERIA, [
      { bidId: 1, pricePence: 500, scores: { quality: 6, 'social-value': 6, 'local-benefit': 6 } },
      { bidId: 2, pricePence: 900, scores: { quality: 8, 'social-value': 5, 'local-benefit': 7 } },
      { bidId: 3, pricePence: 100, scores: { quality: 10, 'social-value': 10 } },
      { bidId: 4, pricePence: 400, scores: { quality: 6, 'social-value': 6, 'local-benefit': 6 } },
    ])
    assert.deepEqual(
      ranked.map((r) => [r.bidId, r.rank, r.totalTenths, r.complete]),
      [
        [2, 1, 690, true],
        [4, 2, 600, true],
        [1, 3, 600, true],
        [3, 4, 800, false],
      ],
    )
  })

  test('criteria weights sum to 100 and include social value and local benefit', () => {
    assert.equal(checkCriteria(CRITERIA), undefined)
    assert.equal(checkCriteria([{ ...CRITERIA[0]!, weight: 40 }, ...CRITERIA.slice(1)]), 'weights_sum')
    assert.equal(checkCriteria([{ ...CRITERIA[0]!, weight: 70 }, CRITERIA[1]!]), 'required_missing')
  })

  test('two-person award and conflicts', () => {
    assert.equal(mayApproveAward(5, 5), false)
    assert.equal(mayApproveAward(null, 5), false)
    assert.equal(mayApproveAward(4, 5), true)
    const org = { id: 7, name: 'Demo: Norbiton Community Kitchen' }
    assert.equal(isConflicted(org, [7], ''), true)
    assert.equal(isConflicted(org, [], 'I volunteer at Norbiton Community Kitchen'), true)
    assert.equal(isConflicted(org, [3], 'Trustee of the youth club'), false)
  })
})

const OCDS = '/work/shared/data/ocds/ocds-1.1.5'
const G360 = '/work/shared/data/360giving/schema'
const readJson = (p: string) => JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>

/** OCDS 1.1 is draft-04: ajv 8 reads it once `id` is `$id` and the draft-04 `$schema` is dropped. */
function ocdsValidator() {
  const draft4 = (s: Record<string, unknown>): Record<string, unknown> => {
    const { id, $schema: _drop, ...rest } = s
    void _drop
    return { $id: String(id), ...rest }
  }
  const ajv = new Ajv({ strict: false, allErrors: true })
  addFormats.default(ajv)
  ajv.addSchema(draft4(readJson(path.join(OCDS, 'release-schema.json'))))
  return ajv.compile(draft4(readJson(path.join(OCDS, 'release-package-schema.json'))))
}

function g360Validator() {
  const ajv = new Ajv2020({ strict: false, allErrors: true })
  addFormats.default(ajv)
  const load = (f: string) => {
    // Their `$schema` is the http:// spelling of 2020-12, which ajv does not know by that name.
    const { $schema: _drop, ...rest } = readJson(path.join(G360, f))
    void _drop
    return rest
  }
  const grant = load('360-giving-schema.json')
  // The package points at 1.4.2's grant schema; the file here is 1.4.3 (same 1.4 grant shape).
  ajv.addSchema({
    ...grant,
    $id: 'https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.2/schema/360-giving-schema.json',
  })
  return ajv.compile(load('360-giving-package-schema.json'))
}

for (const kind of await testDatabases()) {
  describe(`joint commissioning on ${kind.dialect}`, () => {
    let t: TestApp
    let wardId: number
    const W = `/wards/${NORBITON}/commissioning`
    const M = `${W}/manage`

    before(async () => {
      t = await startTestApp(kind)
      const ward = (await findWardByCode(t.testDb.db, NORBITON))!
      wardId = ward.id
      await seedLedgerDemo(t.testDb.db, { wardId, wardName: ward.name, dialect: t.testDb.dialect })
      await seedDirectoryDemo(t.testDb.db, { wardId })
    })
    after(async () => t.stop())

    async function signedIn(role: 'officer' | 'panel_member' | 'provider', ward = NORBITON) {
      const user = await createUser(t, { role, ward })
      const c = new Client(t)
      // Staff use a second factor; the session is created as if it had been checked.
      const { cookieValue } = await t.sessions.store.create({ userId: user.id, mfaVerified: true })
      c.cookies.set('wt_session', cookieValue)
      return { user, c }
    }
    const linkOrg = async (userId: number, organisationId: number) =>
      t.testDb.db
        .insertInto('directory_org_user')
        .values({ organisation_id: organisationId, user_id: userId, created_at: new Date().toISOString() })
        .execute()
    const count = async (table: 'commissioning_process' | 'commissioning_bid' | 'commissioning_spec_version') =>
      Number(
        (
          await t.testDb.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      )

    test('the whole cycle: spec, opportunity, sealed bids, conflicts, scoring, two-person award, contract, ledger', async () => {
      const orgs = await listOrganisations(t.testDb.db, [wardId])
      const kitchen = orgs.find((o) => o.name === 'Demo: Norbiton Community Kitchen')!
      const skills = orgs.find((o) => o.name === 'Demo: Kingston Skills Partnership')!
      const o1 = await signedIn('officer')
      const o2 = await signedIn('officer')
      const panel = await signedIn('panel_member')
      const conflicted = await signedIn('panel_member')
      const provA = await signedIn('provider')
      const provB = await signedIn('provider')
      await linkOrg(provA.user.id, kitchen.id)
      await linkOrg(provB.user.id, skills.id)

      // Invalid input writes nothing and shows the GOV.UK error summary.
      await o1.c.get(M)
      const bad = await o1.c.post(M, { title: '', sourceKind: 'need', need: '', envelope: '' })
      assert.equal(bad.statusCode, 400)
      assert.match(bad.body, /govuk-error-summary/)
      assert.equal(await count('commissioning_process'), 0)

      const page = await o1.c.get(M)
      const envelope = /<option value="([A-Za-z0-9_-]+)">[^<]*Demo: debt advice drop-in/.exec(page.body)![1]!
      const created = await o1.c.post(M, { title: 'Debt advice', sourceKind: 'need', need: 'Arrears rising', envelope })
      assert.equal(created.statusCode, 303)
      const P = created.headers.location as string
      const id = Number(P.split('/').pop())

      // Co-written: a panel member and an officer each save a version; comments attach to the latest.
      const spec = {
        title: 'Debt advice drop-in',
        outcomes: 'Fewer evictions',
        kpi1Name: 'Residents helped',
        kpi1Target: '150',
        budget: '9000',
        durationMonths: '12',
        equalityImpact: 'Positive for carers',
      }
      await panel.c.get(P)
      assert.equal((await panel.c.post(`${P}/spec`, spec)).statusCode, 303)
      await o1.c.get(P)
      assert.equal((await o1.c.post(`${P}/spec`, { ...spec, budget: '9500' })).statusCode, 303)
      assert.equal((await o1.c.post(`${P}/spec`, { ...spec, kpi1Target: '' })).statusCode, 400)
      assert.equal(await count('commissioning_spec_version'), 2)
      assert.equal((await panel.c.post(`${P}/comments`, { body: 'Add a Saturday session' })).statusCode, 303)
      assert.match((await o1.c.get(P)).body, /Version 2/)

      // Panel members cannot publish; weights must sum to 100.
      const opp = {
        kind: 'grant',
        procedure: 'open',
        deadlineDate: '2099-01-01',
        deadlineTime: '12:00',
        c1Title: 'Quality',
        c1Weight: '50',
        weightSocialValue: '30',
        weightLocalBenefit: '20',
      }
      assert.equal((await panel.c.post(`${P}/opportunity`, opp)).statusCode, 403)
      assert.equal((await o1.c.post(`${P}/opportunity`, { ...opp, c1Weight: '10' })).statusCode, 400)
      assert.equal((await o1.c.post(`${P}/opportunity`, opp)).statusCode, 303)
      assert.equal((await new Client(t).get(`${W}/${id}`)).statusCode, 200)

      // Clarification asked by one provider, answered, published to everyone.
      await provA.c.get(`${W}/${id}/bid`)
      assert.equal((await provA.c.post(`${W}/${id}/questions`, { question: 'Saturdays allowed?' })).statusCode, 303)
      const q = await t.testDb.db.selectFrom('commissioning_clarification').select('id').executeTakeFirstOrThrow()
      await o1.c.get(P)
      await o1.c.post(`${P}/answers`, { clarificationId: String(q.id), answer: 'Yes, weekly.' })
      assert.match((await new Client(t).get(`${W}/${id}`)).body, /Yes, weekly\./)

      // Bids: editable until the deadline; sealed from officers and panel until then.
      const bid = (price: string) => ({
        price,
        'answer-quality': 'We will…',
        'answer-social-value': 'Local hires',
        'answer-local-benefit': 'Norbiton venue',
      })
      assert.equal((await provA.c.post(`${W}/${id}/bid`, bid('9000'))).statusCode, 303)
      assert.equal((await provA.c.post(`${W}/${id}/bid`, bid('8800'))).statusCode, 303)
      await provB.c.get(`${W}/${id}/bid`)
      assert.equal((await provB.c.post(`${W}/${id}/bid`, bid('9200'))).statusCode, 303)
      assert.equal(await count('commissioning_bid'), 2)
      const bids = await t.testDb.db.selectFrom('commissioning_bid').selectAll().orderBy('id').execute()
      const [bidA, bidB] = [Number(bids[0]!.id), Number(bids[1]!.id)]
      assert.equal(Number(bids[0]!.price_pence), 880_000)
      // A provider's page shows only its own bid, never a rival's.
      const aPage = await provA.c.get(`${W}/${id}/bid`)
      assert.doesNotMatch(aPage.body, /9200/)
      assert.equal((await o1.c.get(`${P}/bids/${bidA}`)).statusCode, 404)
      assert.match((await o1.c.get(P)).body, /sealed/)

      // The deadline passes: bids freeze and become readable to evaluators without a conflict.
      await t.testDb.db
        .updateTable('commissioning_process')
        .set({ deadline: new Date(Date.now() - 1000).toISOString() })
        .where('id', '=', id)
        .execute()
      assert.equal((await provA.c.post(`${W}/${id}/bid`, bid('1'))).statusCode, 409)
      await conflicted.c.get(P)
      await conflicted.c.post(`${P}/conflicts`, { organisationId: String(kitchen.id), reason: 'Trustee' })
      assert.equal((await conflicted.c.get(`${P}/bids/${bidA}`)).statusCode, 404)
      assert.equal((await conflicted.c.get(`${P}/bids/${bidB}`)).statusCode, 200)
      assert.doesNotMatch((await conflicted.c.get(P)).body, /Community Kitchen<\/a>/)
      await conflicted.c.get(`${P}/bids/${bidB}`)
      assert.equal((await conflicted.c.post(`${P}/bids/${bidA}/scores`, {})).statusCode, 404)
      // Providers never reach evaluators' pages.
      assert.equal((await provA.c.get(`${P}/bids/${bidB}`)).statusCode, 403)
      assert.equal((await provA.c.get(P)).statusCode, 403)

      const scores = (q1: string, s: string, l: string) => ({
        'score-quality': q1,
        'reason-quality': 'r',
        'score-social-value': s,
        'reason-social-value': 'r',
        'score-local-benefit': l,
        'reason-local-benefit': 'r',
      })
      await panel.c.get(`${P}/bids/${bidA}`)
      assert.equal((await panel.c.post(`${P}/bids/${bidA}/scores`, scores('11', '5', '5'))).statusCode, 400)
      assert.equal((await panel.c.post(`${P}/bids/${bidA}/scores`, scores('8', '7', '9'))).statusCode, 303)
      assert.equal((await panel.c.post(`${P}/bids/${bidA}/moderation`, scores('8', '7', '9'))).statusCode, 403)
      await o1.c.get(`${P}/bids/${bidA}`)
      assert.equal((await o1.c.post(`${P}/bids/${bidA}/moderation`, scores('8', '7', '9'))).statusCode, 303)
      await o1.c.post(`${P}/bids/${bidB}/moderation`, scores('6', '6', '6'))

      // Award: proposed by one officer; the same officer cannot approve; a second can.
      await o1.c.get(P)
      assert.equal(
        (await o1.c.post(`${P}/award/propose`, { bidId: String(bidA), reason: 'Highest total' })).statusCode,
        303,
      )
      assert.equal((await o1.c.post(`${P}/award/approve`)).statusCode, 409)
      await o2.c.get(P)
      assert.equal((await o2.c.post(`${P}/award/approve`)).statusCode, 303)

      // The unsuccessful bidder sees its own agreed scores and reasons.
      const fb = await provB.c.get(`${W}/${id}/bid`)
      assert.match(fb.body, /not successful/)
      assert.match(fb.body, /placed 2 of 2/)

      // Contract: commitment through the ledger; a schedule that does not add up is refused.
      const contract = {
        startDate: '2027-01-01',
        endDate: '2027-12-31',
        milestones: 'Open\nReview',
        schedule: '2027-01-31 | 4400 | First half\n2027-06-30 | 4400 | Second half',
      }
      assert.equal((await o1.c.post(`${P}/contract`, { ...contract, schedule: '2027-01-31 | 1 | x' })).statusCode, 400)
      const made = await o1.c.post(`${P}/contract`, contract)
      assert.equal(made.statusCode, 303, /govuk-error-summary__list">([\s\S]*?)<\/ul>/.exec(made.body)?.[1])
      // Two officers pay the same instalment at once: it is paid once.
      await o2.c.get(P)
      const [r1, r2] = await Promise.all([
        o1.c.post(`${P}/payments`, { instalment: '1' }),
        o2.c.post(`${P}/payments`, { instalment: '1' }),
      ])
      assert.equal(r1.statusCode, 303)
      assert.equal(r2.statusCode, 303)
      const fund = (await listFunds(t.testDb.db, wardId))[0]!
      const paid = (await listPostings(t.testDb.db, fund.id)).filter(
        (p) => p.account === 'paid' && p.commitmentRef === `WT-${id}`,
      )
      assert.equal(
        paid.reduce((s, p) => s + p.amountPence, 0),
        440_000,
      )

      // Cross-ward: an officer of another ward is refused.
      const other = await signedIn('officer', OTHER_WARD)
      assert.equal((await other.c.get(P)).statusCode, 403)
    })

    test('two contracts committing from one envelope at once never overspend', async () => {
      const fund = (await listFunds(t.testDb.db, wardId))[0]!
      const line = (await listPostings(t.testDb.db, fund.id)).find(
        (p) => p.account === 'allocated' && p.purpose === 'Demo: safer walking routes',
      )!
      const ledgers = [createWriter(t.testDb), createWriter(t.testDb)].map((write) =>
        createLedger({ db: t.testDb.db, dialect: t.testDb.dialect, write }),
      )
      const results = await Promise.all(
        [0, 1].map((i) =>
          commitFunds(
            ledgers[i]!,
            `test-commit-race-${kind.dialect}-${i}`,
            {
              wardId,
              fundId: fund.id,
              pledgeId: line.pledgeId,
              amountPence: 6_000_00,
              theme: line.theme!,
              purpose: line.purpose!,
              commitmentRef: `RACE-${i}`,
              memo: 'race',
            },
            { userId: null },
          ),
        ),
      )
      assert.equal(results.filter((r) => r.ok).length, 1)
      assert.ok(results.some((r) => !r.ok && r.error === 'insufficient_funds'))
    })

    test('the demo seeds and the open data validate against OCDS 1.1 and 360Giving 1.4', async () => {
      await seedCommissioningDemo(t.testDb.db, { wardId, dialect: t.testDb.dialect })
      await seedCommissioningDemo(t.testDb.db, { wardId, dialect: t.testDb.dialect })
      const demo = await t.testDb.db.selectFrom('commissioning_process').selectAll().where('is_demo', '=', 1).execute()
      assert.equal(demo.length, 3)
      const anon = new Client(t)
      const ocds = await anon.get('/api/v1/open-data/ocds/release-package.json')
      assert.equal(ocds.statusCode, 200)
      const pkg = ocds.json() as { releases: { tag: string[]; planning: { budget: unknown } }[] }
      const validate = ocdsValidator()
      assert.ok(validate(pkg), JSON.stringify(validate.errors?.slice(0, 5)))
      const tags = new Set(pkg.releases.flatMap((r) => r.tag))
      for (const tag of ['planning', 'tender', 'award', 'contract', 'implementation']) assert.ok(tags.has(tag), tag)
      assert.ok(pkg.releases.every((r) => r.planning.budget))
      // Sealed bids are not published: no tenderers before the deadline, no method statements ever.
      assert.doesNotMatch(ocds.body, /Demo answer on/)
      const g = await anon.get('/api/v1/open-data/360giving.json')
      const grants = g.json() as { grants: { beneficiaryLocation: { geographicCode: string }[] }[] }
      const validate360 = g360Validator()
      assert.ok(validate360(grants), JSON.stringify(validate360.errors?.slice(0, 5)))
      assert.ok(grants.grants.every((x) => x.beneficiaryLocation[0]!.geographicCode === NORBITON))
      assert.equal((await anon.get(W)).statusCode, 200)
      assert.equal((await anon.get(M)).statusCode, 303)
    })
  })
}
