import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { Ajv } from 'ajv'
import { Ajv2020 } from 'ajv/dist/2020.js'
import ExcelJS from 'exceljs'
import addFormats from 'ajv-formats'
import { createWriter } from '../../platform/db/index.js'
import { findWardByCode } from '../../platform/tenancy/index.js'
import { testDatabases } from '../../../test/support/databases.js'
import { Client, createUser, NORBITON, OTHER_WARD, startTestApp, type TestApp } from '../../../test/support/test-app.js'
import { commitFunds, createLedger, listFunds, listPostings, seedLedgerDemo } from '../ledger/index.js'
import { listOrganisations, seedDirectoryDemo } from '../directory/index.js'
import {
  checkCriteria,
  isConflicted,
  mayApproveAward,
  mayEvaluate,
  rankBids,
  stageOf,
  type Criterion,
} from './commissioning.rules.js'
import { seedCommissioningDemo } from './commissioning.seed.js'
import {
  approveAward,
  insertProcess,
  listBids,
  proposeAward,
  publishOpportunity,
  saveBid,
} from './commissioning.repository.js'

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

  test('only officers and accepted panel members evaluate', () => {
    assert.equal(mayEvaluate(true, undefined), true)
    assert.equal(mayEvaluate(false, 'accepted'), true)
    assert.equal(mayEvaluate(false, 'invited'), false)
    assert.equal(mayEvaluate(false, 'declined'), false)
    assert.equal(mayEvaluate(false, undefined), false)
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
    /** A seat on the ward's community panel (drawn by lot, then answered); the role alone is not a seat. */
    async function panelSeat(userId: number, status: 'accepted' | 'invited' | 'declined') {
      const db = t.testDb.db
      const at = new Date().toISOString()
      const v = await db
        .insertInto('panel_volunteer')
        .values({
          ward_id: wardId,
          pseudonym: `P-${userId}-${Math.random().toString(36).slice(2, 8)}`,
          user_id: userId,
          source: 'self',
          external_ref: null,
          age_band: '',
          sex: '',
          ethnic_group: '',
          disability: '',
          tenure: '',
          area: '',
          household: null,
          status: 'active',
          consent_at: at,
          created_at: at,
          updated_at: at,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      const run = await db
        .insertInto('panel_run')
        .values({
          ward_id: wardId,
          kind: 'initial',
          method: 'leximin',
          k: 1,
          n: 1,
          instance_json: '{}',
          one_per_household: 0,
          distribution_json: '[]',
          probabilities_json: '[]',
          probabilities_hash: 'test',
          min_probability: 1,
          leximin_ms: 0,
          drawn_at: at,
          created_at: at,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      await db
        .insertInto('panel_member')
        .values({
          ward_id: wardId,
          volunteer_id: Number(v.id),
          run_id: Number(run.id),
          status,
          interests: '',
          responded_at: status === 'invited' ? null : at,
          created_at: at,
        })
        .execute()
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
      await panelSeat(panel.user.id, 'accepted')
      await panelSeat(conflicted.user.id, 'accepted')
      // Holds the panel role but only an unanswered invitation: no seat, so no bids.
      const invitedOnly = await signedIn('panel_member')
      await panelSeat(invitedOnly.user.id, 'invited')
      const noSeat = await signedIn('panel_member')

      // Before any grant exists the 360Giving file is refused with its reason (the schema needs one grant).
      const empty360 = await new Client(t).get('/api/v1/open-data/360giving.json')
      assert.equal(empty360.statusCode, 404)
      assert.match(empty360.body, /at least one grant/)
      const emptyOcds = await new Client(t).get('/api/v1/open-data/ocds/release-package.json')
      assert.equal(emptyOcds.statusCode, 404)
      assert.match(emptyOcds.body, /at least one release/)

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
        deadlineDate: '2099-07-01',
        deadlineTime: '12:00',
        c1Title: 'Quality',
        c1Weight: '50',
        weightSocialValue: '30',
        weightLocalBenefit: '20',
      }
      assert.equal((await panel.c.post(`${P}/opportunity`, opp)).statusCode, 403)
      assert.equal((await o1.c.post(`${P}/opportunity`, { ...opp, c1Weight: '10' })).statusCode, 400)
      assert.equal((await o1.c.post(`${P}/opportunity`, opp)).statusCode, 303)
      // The officer wrote the deadline in UK time: noon in July is 11:00 UTC, and everyone reads it as noon.
      const stored = await t.testDb.db
        .selectFrom('commissioning_process')
        .select('deadline')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
      assert.equal(stored.deadline, '2099-07-01T11:00:00.000Z')
      const published = await new Client(t).get(`${W}/${id}`)
      assert.equal(published.statusCode, 200)
      assert.match(published.body, /1 Jul 2099, 12:00 \(UK time\)/)
      assert.match((await new Client(t).get(`${W}/${id}?lang=pl`)).body, /1 lip 2099, 12:00 \(czas brytyjski\)/)

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
      // A rival writes a spreadsheet formula into its method statement: exports must keep it as text.
      const formula = '=HYPERLINK("http://evil.example","click")'
      assert.equal(
        (await provB.c.post(`${W}/${id}/bid`, { ...bid('9200'), 'answer-quality': formula })).statusCode,
        303,
      )
      assert.equal(await count('commissioning_bid'), 2)

      // Supporting documents: checked by their bytes and size, kept with the bid, sealed like it.
      const PDF = Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n')
      const EXE = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(64), Buffer.from('This program cannot be run')])
      const upload = (who: typeof provA, filename: string, content: Buffer) =>
        who.c.postMultipart(`${W}/${id}/bid/documents`, {}, [{ field: 'document', filename, content }])
      await provA.c.get(`${W}/${id}/bid`)
      assert.equal((await upload(provA, 'method.pdf', PDF)).statusCode, 303)
      const exe = await upload(provA, 'method.pdf', EXE)
      assert.equal(exe.statusCode, 400)
      assert.match(exe.body, /govuk-error-summary[\s\S]*must be a PDF/)
      const big = await upload(provA, 'huge.pdf', Buffer.concat([PDF, Buffer.alloc(10 * 1024 * 1024, 0x20)]))
      assert.equal(big.statusCode, 400)
      assert.match(big.body, /must be smaller than 10 MB/)
      assert.equal((await upload(provA, 'old.pdf', PDF)).statusCode, 303)
      const docs = await t.testDb.db.selectFrom('commissioning_bid_document').selectAll().orderBy('file_id').execute()
      assert.equal(docs.length, 2)
      const [docId, oldId] = docs.map((d) => Number(d.file_id))
      const own = await provA.c.get(`${W}/${id}/bid`)
      assert.match(own.body, /method\.pdf/)
      assert.equal((await provA.c.post(`${W}/${id}/bid/documents/${oldId}/remove`)).statusCode, 303)
      assert.doesNotMatch((await provA.c.get(`${W}/${id}/bid`)).body, /old\.pdf/)
      const mine = await provA.c.get(`${W}/${id}/bid/documents/${docId}`)
      assert.equal(mine.statusCode, 200)
      assert.equal(mine.headers['x-content-type-options'], 'nosniff')
      assert.deepEqual(mine.rawPayload, PDF)
      // A rival cannot fetch it through its own bid, nor remove it; a withdrawn document is gone for everyone.
      assert.equal((await provB.c.get(`${W}/${id}/bid/documents/${docId}`)).statusCode, 404)
      assert.equal((await provA.c.get(`${W}/${id}/bid/documents/${oldId}`)).statusCode, 404)
      await provB.c.get(`${W}/${id}/bid`)
      assert.equal((await provB.c.post(`${W}/${id}/bid/documents/${docId}/remove`)).statusCode, 404)
      const bids = await t.testDb.db.selectFrom('commissioning_bid').selectAll().orderBy('id').execute()
      const [bidA, bidB] = [Number(bids[0]!.id), Number(bids[1]!.id)]
      assert.equal(Number(bids[0]!.price_pence), 880_000)
      // A provider's page shows only its own bid, never a rival's.
      const aPage = await provA.c.get(`${W}/${id}/bid`)
      assert.doesNotMatch(aPage.body, /9200/)
      assert.equal((await o1.c.get(`${P}/bids/${bidA}`)).statusCode, 404)
      assert.equal((await o1.c.get(`${P}/bids/${bidA}/documents/${docId}`)).statusCode, 404)
      assert.match((await o1.c.get(P)).body, /sealed/)
      // Sealed bids are not in the officers' downloads either.
      const sealedCsv = await o1.c.get(`${M}/export.csv?sheet=bids`)
      assert.equal(sealedCsv.statusCode, 200)
      assert.equal(sealedCsv.body.trim().split('\r\n').length, 1)

      // The deadline passes: bids freeze and become readable to evaluators without a conflict.
      await t.testDb.db
        .updateTable('commissioning_process')
        .set({ deadline: new Date(Date.now() - 1000).toISOString() })
        .where('id', '=', id)
        .execute()
      assert.equal((await provA.c.post(`${W}/${id}/bid`, bid('1'))).statusCode, 409)
      await provA.c.get(`${W}/${id}/bid`)
      assert.equal((await upload(provA, 'late.pdf', PDF)).statusCode, 409)
      assert.equal((await provA.c.post(`${W}/${id}/bid/documents/${docId}/remove`)).statusCode, 409)
      // After the deadline a seated panel member reads it; rivals, the conflicted and the unseated do not.
      const read = await panel.c.get(`${P}/bids/${bidA}/documents/${docId}`)
      assert.equal(read.statusCode, 200)
      assert.deepEqual(read.rawPayload, PDF)
      assert.match((await panel.c.get(`${P}/bids/${bidA}`)).body, /method\.pdf/)
      assert.equal((await provB.c.get(`${P}/bids/${bidA}/documents/${docId}`)).statusCode, 403)
      assert.equal((await panel.c.get(`${P}/bids/${bidB}/documents/${docId}`)).statusCode, 404)
      await conflicted.c.get(P)
      await conflicted.c.post(`${P}/conflicts`, { organisationId: String(kitchen.id), reason: 'Trustee' })
      assert.equal((await conflicted.c.get(`${P}/bids/${bidA}`)).statusCode, 404)
      assert.equal((await conflicted.c.get(`${P}/bids/${bidA}/documents/${docId}`)).statusCode, 404)
      // Panel role without an accepted seat: no bid can be read or scored, and the page says why.
      for (const who of [invitedOnly, noSeat]) {
        assert.equal((await who.c.get(`${P}/bids/${bidB}`)).statusCode, 404)
        assert.equal((await who.c.get(`${P}/bids/${bidA}/documents/${docId}`)).statusCode, 404)
        const page = await who.c.get(P)
        assert.match(page.body, /accepted a place on this ward/)
        assert.equal((await who.c.post(`${P}/bids/${bidB}/scores`, {})).statusCode, 404)
      }
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

      // Officers' downloads: bids, scores and contracts as CSV and XLSX, formulas kept as text.
      const csv = await o1.c.get(`${M}/export.csv?sheet=bids`)
      assert.equal(csv.statusCode, 200)
      assert.match(String(csv.headers['content-type']), /text\/csv/)
      assert.match(String(csv.headers['content-disposition']), /attachment/)
      assert.match(csv.body, /Demo: Norbiton Community Kitchen/)
      const answersCsv = await o1.c.get(`${M}/export.csv?sheet=answers`)
      assert.match(answersCsv.body, /Quality,50,"'=HYPERLINK\(""http/)
      assert.doesNotMatch(answersCsv.body, /[,"]=HYPERLINK/)
      const scoresCsv = await o1.c.get(`${M}/export.csv?sheet=scores`)
      assert.match(scoresCsv.body, /independent,E1,8,r/)
      assert.match(scoresCsv.body, /moderated,,8,r/)
      assert.doesNotMatch(scoresCsv.body, new RegExp(String(panel.user.id) + ',8'))
      const contractsCsv = await o1.c.get(`${M}/export.csv?sheet=contracts`)
      assert.match(contractsCsv.body, new RegExp(`WT-${id},2,4400,4400,`))
      assert.equal((await o1.c.get(`${M}/export.csv?sheet=people`)).statusCode, 400)
      const xlsx = await o1.c.get(`${M}/export.xlsx`)
      assert.equal(xlsx.statusCode, 200)
      const book = new ExcelJS.Workbook()
      await book.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer)
      assert.deepEqual(
        book.worksheets.map((w) => w.name),
        ['Bids', 'Answers', 'Scores', 'Contracts'],
      )
      let formulas = 0
      let quoted = false
      for (const sheet of book.worksheets)
        sheet.eachRow((row) =>
          row.eachCell((cell) => {
            if (cell.formula !== undefined) formulas++
            if (typeof cell.value === 'string' && cell.value.startsWith("'=HYPERLINK")) quoted = true
          }),
        )
      assert.equal(formulas, 0)
      assert.ok(quoted)
      // An officer conflicted with an organisation does not get its bid in the download; panel members get none.
      const o3 = await signedIn('officer')
      await o3.c.get(P)
      await o3.c.post(`${P}/conflicts`, { organisationId: String(kitchen.id), reason: 'Former employee' })
      const o3csv = await o3.c.get(`${M}/export.csv?sheet=bids`)
      assert.doesNotMatch(o3csv.body, /Community Kitchen/)
      assert.match(o3csv.body, /Kingston Skills Partnership/)
      assert.equal((await panel.c.get(`${M}/export.csv`)).statusCode, 403)
      assert.equal((await provA.c.get(`${M}/export.xlsx`)).statusCode, 403)

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

    test('two officers recording contracts on one envelope at once never overspend it (through the app)', async () => {
      const db = t.testDb.db
      const o1 = await signedIn('officer')
      const o2 = await signedIn('officer')
      const fund = (await listFunds(db, wardId))[0]!
      const source = (await listPostings(db, fund.id)).find(
        (p) => p.account === 'allocated' && p.purpose === 'Demo: after-school clubs',
      )!
      // A fresh £5,000 line, so the race is about this envelope alone.
      const purpose = `Race line ${kind.dialect}`
      const ledger = createLedger({ db, dialect: t.testDb.dialect, write: createWriter(t.testDb) })
      const allocated = await ledger.move(
        `test-race-allocation-${kind.dialect}`,
        {
          wardId,
          fundId: fund.id,
          operation: {
            kind: 'allocation',
            pledgeId: source.pledgeId,
            amountPence: 5_000_00,
            theme: source.theme!,
            purpose,
          },
          memo: 'race',
        },
        { userId: null },
      )
      assert.ok(allocated.ok, JSON.stringify(allocated))
      const orgs = await listOrganisations(db, [wardId])
      const ids: number[] = []
      for (const n of [1, 2]) {
        const pid = await insertProcess(db, {
          wardId,
          title: `Race ${n}`,
          sourceKind: 'need',
          sourceText: 'race',
          priorityOptionId: null,
          fundId: fund.id,
          pledgeId: source.pledgeId,
          theme: source.theme!,
          purpose,
          createdBy: o1.user.id,
        })
        await publishOpportunity(db, pid, {
          kind: 'contract',
          procedure: 'open',
          invited: [],
          deadline: new Date(Date.now() + 60_000).toISOString(),
          criteria: CRITERIA,
        })
        await saveBid(db, {
          processId: pid,
          organisationId: orgs[0]!.id,
          answers: {},
          pricePence: 4_000_00,
          userId: null,
        })
        await db
          .updateTable('commissioning_process')
          .set({ deadline: new Date(Date.now() - 1000).toISOString() })
          .where('id', '=', pid)
          .execute()
        const bidId = (await listBids(db, pid))[0]!.id
        assert.ok(await proposeAward(db, pid, bidId, 'race', o1.user.id))
        assert.ok(await approveAward(db, pid, o2.user.id))
        ids.push(pid)
      }
      await o1.c.get(`${M}/${ids[0]}`)
      await o2.c.get(`${M}/${ids[1]}`)
      const contract = {
        startDate: '2027-01-01',
        endDate: '2027-12-31',
        milestones: 'Start',
        schedule: '2027-01-31 | 4000 | All',
      }
      const results = await Promise.all([
        o1.c.post(`${M}/${ids[0]}/contract`, contract),
        o2.c.post(`${M}/${ids[1]}/contract`, contract),
      ])
      assert.deepEqual(results.map((r) => r.statusCode).sort(), [303, 409])
      assert.match(results.find((r) => r.statusCode === 409)!.body, /govuk-error-summary/)
      const committed = (await listPostings(db, fund.id))
        .filter((p) => p.account === 'committed' && p.purpose === purpose)
        .reduce((sum, p) => sum + p.amountPence, 0)
      assert.equal(committed, 4_000_00)
      const contracts = await db
        .selectFrom('commissioning_contract')
        .selectAll()
        .where('process_id', 'in', ids)
        .execute()
      assert.equal(contracts.length, 1)
    })

    test('lots: one opportunity divided into lots, each bid for, scored, ranked and awarded on its own', async () => {
      const orgs = await listOrganisations(t.testDb.db, [wardId])
      const kitchen = orgs.find((o) => o.name === 'Demo: Norbiton Community Kitchen')!
      const skills = orgs.find((o) => o.name === 'Demo: Kingston Skills Partnership')!
      const o1 = await signedIn('officer')
      const o2 = await signedIn('officer')
      const seated = await signedIn('panel_member')
      await panelSeat(seated.user.id, 'accepted')
      const provA = await signedIn('provider')
      const provB = await signedIn('provider')
      await linkOrg(provA.user.id, kitchen.id)
      await linkOrg(provB.user.id, skills.id)

      const before = await count('commissioning_process')
      const page = await o1.c.get(M)
      const envelope = /<option value="([A-Za-z0-9_-]+)">[^<]*Demo: after-school clubs/.exec(page.body)![1]!
      const created = await o1.c.post(M, { title: 'Holiday clubs', sourceKind: 'need', need: 'Summer', envelope })
      const P = created.headers.location as string
      const id = Number(P.split('/').pop())
      await o1.c.get(P)
      const spec = {
        title: 'Holiday clubs',
        outcomes: 'Children active all summer',
        kpi1Name: 'Children attending',
        kpi1Target: '80',
        budget: '3500',
        durationMonths: '3',
        equalityImpact: 'Positive for lone parents',
      }
      assert.equal((await o1.c.post(`${P}/spec`, spec)).statusCode, 303)
      const opp = {
        kind: 'grant',
        procedure: 'open',
        deadlineDate: '2099-01-01',
        deadlineTime: '12:00',
        c1Title: 'Quality',
        c1Weight: '60',
        weightSocialValue: '20',
        weightLocalBenefit: '20',
      }
      const lots = { lot1Title: 'Primary age', lot1Budget: '1500', lot2Title: 'Secondary age', lot2Budget: '2000' }
      for (const bad of [
        { lot1Title: 'Only one', lot1Budget: '1500' },
        { ...lots, lot2Budget: '2500' },
        { ...lots, lot3Budget: '100' },
      ]) {
        const r = await o1.c.post(`${P}/opportunity`, { ...opp, ...bad })
        assert.equal(r.statusCode, 400)
        assert.match(r.body, /govuk-error-summary/)
      }
      assert.equal(await count('commissioning_process'), before + 1)
      assert.equal((await o1.c.post(`${P}/opportunity`, { ...opp, ...lots })).statusCode, 303)
      const children = await t.testDb.db
        .selectFrom('commissioning_process')
        .selectAll()
        .where('parent_id', '=', id)
        .orderBy('lot_number')
        .execute()
      assert.deepEqual(
        children.map((c) => [Number(c.lot_number), c.published_at !== null, c.deadline]),
        [
          [1, true, '2099-01-01T12:00:00.000Z'],
          [2, true, '2099-01-01T12:00:00.000Z'],
        ],
      )
      const [lot1, lot2] = children.map((c) => Number(c.id)) as [number, number]
      const budgets = await t.testDb.db
        .selectFrom('commissioning_spec_version')
        .select(['process_id', 'budget_pence'])
        .where('process_id', 'in', [lot1, lot2])
        .orderBy('process_id')
        .execute()
      assert.deepEqual(
        budgets.map((b) => Number(b.budget_pence)),
        [150_000, 200_000],
      )
      // The public opportunity lists its lots; the lots are not separate entries in the public list.
      const anon = new Client(t)
      assert.match((await anon.get(`${W}/${id}`)).body, /Secondary age/)
      assert.doesNotMatch((await anon.get(W)).body, new RegExp(`href="${W}/${lot1}"`))

      // Bids go to lots, never to the whole; one organisation may bid for several lots.
      const bid = (price: string) => ({
        price,
        'answer-quality': 'Plan',
        'answer-social-value': 'Local staff',
        'answer-local-benefit': 'Norbiton venue',
      })
      const parentBidPage = await provA.c.get(`${W}/${id}/bid`)
      assert.match(parentBidPage.body, new RegExp(`${W}/${lot1}/bid`))
      assert.equal((await provA.c.post(`${W}/${id}/bid`, bid('1000'))).statusCode, 404)
      await provA.c.get(`${W}/${lot1}/bid`)
      assert.equal((await provA.c.post(`${W}/${lot1}/bid`, bid('1400'))).statusCode, 303)
      assert.equal((await provA.c.post(`${W}/${lot2}/bid`, bid('1900'))).statusCode, 303)
      await provB.c.get(`${W}/${lot1}/bid`)
      assert.equal((await provB.c.post(`${W}/${lot1}/bid`, bid('1300'))).statusCode, 303)

      await t.testDb.db
        .updateTable('commissioning_process')
        .set({ deadline: new Date(Date.now() - 1000).toISOString() })
        .where((eb) => eb.or([eb('id', '=', id), eb('parent_id', '=', id)]))
        .execute()
      const lotBids = async (lot: number) =>
        (await t.testDb.db.selectFrom('commissioning_bid').selectAll().where('process_id', '=', lot).execute()).map(
          (b) => ({ id: Number(b.id), org: Number(b.organisation_id) }),
        )
      const l1 = await lotBids(lot1)
      const l2 = await lotBids(lot2)
      assert.equal(l1.length, 2)
      assert.equal(l2.length, 1)
      const l1Kitchen = l1.find((b) => b.org === kitchen.id)!.id
      const l1Skills = l1.find((b) => b.org === skills.id)!.id

      // A conflict declared on the opportunity covers every lot of it.
      await seated.c.get(`${M}/${id}`)
      await seated.c.post(`${M}/${id}/conflicts`, { organisationId: String(kitchen.id), reason: 'Volunteer there' })
      assert.equal((await seated.c.get(`${M}/${lot1}/bids/${l1Kitchen}`)).statusCode, 404)
      assert.equal((await seated.c.get(`${M}/${lot2}/bids/${l2[0]!.id}`)).statusCode, 404)
      assert.equal((await seated.c.get(`${M}/${lot1}/bids/${l1Skills}`)).statusCode, 200)

      // Ranked and awarded per lot.
      const agreed = (q: string) => ({
        'score-quality': q,
        'reason-quality': 'r',
        'score-social-value': '5',
        'reason-social-value': 'r',
        'score-local-benefit': '5',
        'reason-local-benefit': 'r',
      })
      await o1.c.get(`${M}/${lot1}/bids/${l1Kitchen}`)
      await o1.c.post(`${M}/${lot1}/bids/${l1Kitchen}/moderation`, agreed('6'))
      await o1.c.post(`${M}/${lot1}/bids/${l1Skills}/moderation`, agreed('9'))
      await o1.c.post(`${M}/${lot2}/bids/${l2[0]!.id}/moderation`, agreed('7'))
      const lot1Page = await o1.c.get(`${M}/${lot1}`)
      assert.match(lot1Page.body, /Kingston Skills Partnership<\/a><\/td>\s*<td[^>]*>[^<]*<\/td>\s*<td[^>]*>1</)
      assert.match((await o1.c.get(`${M}/${id}`)).body, /Primary age[\s\S]*Secondary age/)
      for (const [lot, winner] of [
        [lot1, l1Skills],
        [lot2, l2[0]!.id],
      ] as const) {
        await o1.c.get(`${M}/${lot}`)
        assert.equal(
          (await o1.c.post(`${M}/${lot}/award/propose`, { bidId: String(winner), reason: 'Top' })).statusCode,
          303,
        )
        await o2.c.get(`${M}/${lot}`)
        assert.equal((await o2.c.post(`${M}/${lot}/award/approve`)).statusCode, 303)
      }
      // The parent has no bids of its own, so nothing can be awarded on it.
      await o1.c.get(`${M}/${id}`)
      assert.equal(
        (await o1.c.post(`${M}/${id}/award/propose`, { bidId: String(l1Skills), reason: 'x' })).statusCode,
        400,
      )
      // Each bidder's feedback is about its own lot bid.
      assert.match((await provA.c.get(`${W}/${lot1}/bid`)).body, /not successful/)
      assert.doesNotMatch((await provA.c.get(`${W}/${lot2}/bid`)).body, /not successful/)

      // A lot's contract commits its own money in the ledger.
      await o1.c.get(`${M}/${lot1}`)
      const made = await o1.c.post(`${M}/${lot1}/contract`, {
        startDate: '2027-07-01',
        endDate: '2027-09-30',
        milestones: 'Open',
        schedule: '2027-07-01 | 1300 | All',
      })
      assert.equal(made.statusCode, 303, /govuk-error-summary__list">([\s\S]*?)<\/ul>/.exec(made.body)?.[1])
      const fund = (await listFunds(t.testDb.db, wardId))[0]!
      const committed = (await listPostings(t.testDb.db, fund.id)).filter(
        (p) => p.account === 'committed' && p.commitmentRef === `WT-${lot1}`,
      )
      assert.equal(
        committed.reduce((sum, p) => sum + p.amountPence, 0),
        130_000,
      )

      // Open data: each lot is its own contracting process that points back to the opportunity.
      const ocds = (await anon.get('/api/v1/open-data/ocds/release-package.json')).json() as {
        releases: { ocid: string; relatedProcesses?: { identifier: string }[] }[]
      }
      const lotRelease = ocds.releases.find((r) => r.ocid.endsWith(`-${lot1}`))!
      assert.ok(lotRelease.relatedProcesses?.[0]?.identifier.endsWith(`-${id}`))
      const validate = ocdsValidator()
      assert.ok(validate(ocds), JSON.stringify(validate.errors?.slice(0, 5)))
    })

    test('the demo seeds and the open data validate against OCDS 1.1 and 360Giving 1.4', async () => {
      const people = [await createUser(t, { role: 'officer' }), await createUser(t, { role: 'officer' })]
      const opts = {
        wardId,
        dialect: t.testDb.dialect,
        officerEmail: people[0]!.email,
        secondOfficerEmail: people[1]!.email,
      }
      await seedCommissioningDemo(t.testDb.db, opts)
      await seedCommissioningDemo(t.testDb.db, opts)
      const all = await t.testDb.db.selectFrom('commissioning_process').selectAll().where('is_demo', '=', 1).execute()
      // Six opportunities, one of them divided into two lots.
      const demo = all.filter((p) => p.parent_id === null)
      assert.equal(demo.length, 6)
      assert.equal(all.length, 8)
      // One process at each stage, and every person on an award is a real, different account.
      const stages = demo.map((p) =>
        stageOf(
          {
            publishedAt: p.published_at,
            deadline: p.deadline,
            awardProposedAt: p.award_proposed_at,
            awardApprovedAt: p.award_approved_at,
          },
          p.title === 'Demo: Local jobs fair',
          new Date(),
        ),
      )
      assert.deepEqual([...stages].sort(), [
        'award_proposed',
        'awarded',
        'contract',
        'evaluation',
        'specification',
        'tender',
      ])
      const ids = new Set(people.map((u) => u.id))
      for (const p of demo.filter((x) => x.award_proposed_by !== null)) {
        assert.ok(ids.has(Number(p.award_proposed_by)))
        if (p.award_approved_by !== null) {
          assert.ok(ids.has(Number(p.award_approved_by)))
          assert.notEqual(Number(p.award_approved_by), Number(p.award_proposed_by))
        }
      }
      const anon = new Client(t)
      const ocds = await anon.get('/api/v1/open-data/ocds/release-package.json')
      assert.equal(ocds.statusCode, 200)
      const pkg = ocds.json() as { releases: { tag: string[]; planning: { budget: unknown } }[] }
      const validate = ocdsValidator()
      assert.ok(validate(pkg), JSON.stringify(validate.errors?.slice(0, 5)))
      // Identifiers come from the tenant's openData configuration.
      assert.ok(
        (pkg as unknown as { releases: { ocid: string }[] }).releases.every((r) => r.ocid.startsWith('ocds-wtnorb-')),
      )
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
