import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { testDatabases } from '../../../test/support/databases.js'
import { Client, createUser, NORBITON, OTHER_WARD, startTestApp, type TestApp } from '../../../test/support/test-app.js'
import { createWriter } from '../../platform/db/index.js'
import { findWardByCode } from '../../platform/tenancy/index.js'
import { createLedger, listPostings } from '../ledger/index.js'
import { listOptionsForNeeds } from './index.js'

// Options from needs and from residents' proposals, the round's money from the pooled fund, and
// explanations in the reader's language: each through the real forms, on SQLite and PostgreSQL.
for (const kind of await testDatabases()) {
  describe(`priority round options, proposals and money on ${kind.dialect}`, () => {
    let t: TestApp
    let officer: Client
    let wardId: number
    const manage = `/wards/${NORBITON}/priorities/manage`
    const pub = `/wards/${NORBITON}/priorities`

    async function clientFor(userId: number): Promise<Client> {
      const c = new Client(t)
      const { cookieValue } = await t.sessions.store.create({ userId, mfaVerified: true })
      c.cookies.set('wt_session', cookieValue)
      return c
    }

    const roundForm = (extra: Record<string, string> = {}) => ({
      title: 'Round with proposals',
      description: '',
      budget: '100',
      ballotType: 'approval',
      ruleId: 'greedy',
      minChoices: '1',
      maxChoices: '0',
      rankK: '0',
      pointsTotal: '0',
      minVotes: '',
      minAge: '0',
      ...extra,
    })

    async function createRound(extra: Record<string, string> = {}): Promise<number> {
      await officer.get(`${manage}/new`)
      const r = await officer.post(`${manage}/new`, roundForm(extra))
      assert.equal(r.statusCode, 303, r.body)
      return Number(/\/(\d+)$/.exec(r.headers.location as string)![1])
    }

    const optionRows = (roundId: number) =>
      t.testDb.db
        .selectFrom('prioritisation_option')
        .selectAll()
        .where('round_id', '=', roundId)
        .orderBy('id')
        .execute()

    async function insertNeed(wardCode: string, statement: string): Promise<number> {
      const ward = (await findWardByCode(t.testDb.db, wardCode))!
      const r = await t.testDb.db
        .insertInto('understanding_need')
        .values({
          ward_id: ward.id,
          statement,
          theme_id: null,
          created_by_user_id: null,
          created_at: new Date().toISOString(),
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      return Number(r.id)
    }

    before(async () => {
      t = await startTestApp(kind, { DEMO_MODE: 'true' })
      officer = await clientFor((await createUser(t, { role: 'officer', demo: true })).id)
      wardId = (await findWardByCode(t.testDb.db, NORBITON))!.id
    })
    after(async () => t.stop())

    test('residents propose; officers accept with cost and theme or reject with a reason the proposer sees', async () => {
      const id = await createRound({ proposalsOpen: 'yes' })
      const resident = await createUser(t)
      const rc = await clientFor(resident.id)
      // The public list offers the draft round for suggestions, though it is not yet on the ballot list.
      assert.match((await rc.get(pub)).body, new RegExp(`${pub}/${id}/propose`))
      assert.equal((await rc.get(`${pub}/${id}/propose`)).statusCode, 200)
      const bad = await rc.post(`${pub}/${id}/propose`, { title: '', description: '' })
      assert.equal(bad.statusCode, 400)
      assert.match(bad.body, /govuk-error-summary/)
      assert.equal((await optionRows(id)).length, 0)
      for (const title of ['Benches by the bus stop', 'A skate park']) {
        const r = await rc.post(`${pub}/${id}/propose`, {
          title,
          description: 'Somewhere to sit.',
          place: 'Cambridge Road',
        })
        assert.equal(r.statusCode, 303, r.body)
      }
      const [first, second] = await optionRows(id)
      assert.equal(first!.status, 'proposed')
      assert.equal(Number(first!.proposed_by_user_id), resident.id)

      // A resident of another ward cannot propose here.
      const outsider = await createUser(t)
      await t.testDb.db
        .updateTable('accounts_user')
        .set({ home_ward_id: (await findWardByCode(t.testDb.db, OTHER_WARD))!.id })
        .where('id', '=', outsider.id)
        .execute()
      const oc = await clientFor(outsider.id)
      await oc.get(pub)
      const refused = await oc.post(`${pub}/${id}/propose`, { title: 'X', description: 'Y' })
      assert.equal(refused.statusCode, 403)
      assert.equal((await optionRows(id)).length, 2)

      const page = await officer.get(`${manage}/${id}`)
      assert.match(page.body, /Benches by the bus stop/)
      const noCost = await officer.post(`${manage}/${id}/proposals/${first!.id}/accept`, {
        theme: 'place-and-delivery',
      })
      assert.equal(noCost.statusCode, 400)
      assert.match(noCost.body, new RegExp(`href="#p${first!.id}-cost"`))
      const accepted = await officer.post(`${manage}/${id}/proposals/${first!.id}/accept`, {
        theme: 'place-and-delivery',
        place: 'Cambridge Road bus stop',
        cost: '40',
      })
      assert.equal(accepted.statusCode, 303)
      const noReason = await officer.post(`${manage}/${id}/proposals/${second!.id}/reject`, { reason: ' ' })
      assert.equal(noReason.statusCode, 400)
      const rejected = await officer.post(`${manage}/${id}/proposals/${second!.id}/reject`, {
        reason: 'The council already plans one at the recreation ground.',
      })
      assert.equal(rejected.statusCode, 303)
      // Deciding twice is refused.
      assert.equal(
        (
          await officer.post(`${manage}/${id}/proposals/${second!.id}/accept`, {
            theme: 'place-and-delivery',
            cost: '1',
          })
        ).statusCode,
        409,
      )
      const [a, r] = await optionRows(id)
      assert.deepEqual([a!.status, Number(a!.cost_pence), a!.theme], ['accepted', 4000, 'place-and-delivery'])
      assert.equal(r!.status, 'rejected')

      const mine = await rc.get('/priorities/suggestions')
      assert.equal(mine.statusCode, 200)
      assert.match(mine.body, /already plans one at the recreation ground/)
      assert.match(mine.body, /On the ballot/)

      // Only the accepted option goes on the ballot once the round opens.
      assert.equal((await officer.post(`${manage}/${id}/open`)).statusCode, 303)
      const round = await rc.get(`${pub}/${id}`)
      assert.match(round.body, /Benches by the bus stop/)
      assert.doesNotMatch(round.body, /A skate park/)
      // An open round takes no more proposals.
      assert.equal((await rc.get(`${pub}/${id}/propose`)).statusCode, 404)
    })

    test('a round that does not take proposals refuses them', async () => {
      const id = await createRound()
      const rc = await clientFor((await createUser(t)).id)
      assert.equal((await rc.get(`${pub}/${id}/propose`)).statusCode, 404)
      await rc.get(pub)
      assert.equal((await rc.post(`${pub}/${id}/propose`, { title: 'X', description: 'Y' })).statusCode, 404)
    })

    test('options made from needs: only this ward’s needs, and listOptionsForNeeds follows the round', async () => {
      const need = await insertNeed(NORBITON, 'Older residents feel isolated in winter')
      const otherNeed = await insertNeed(OTHER_WARD, 'A need of another ward')
      const id = await createRound({ title: 'Needs round' })
      await officer.get(`${manage}/${id}`)
      const foreign = await officer.post(`${manage}/${id}/options`, {
        title: 'From another ward',
        theme: 'place-and-delivery',
        cost: '10',
        needId: String(otherNeed),
      })
      assert.equal(foreign.statusCode, 400)
      assert.match(foreign.body, /Choose one of the ward’s recorded needs/)
      for (const [title, cost] of [
        ['Winter lunch club', '60'],
        ['Befriending calls', '50'],
      ] as const) {
        const r = await officer.post(`${manage}/${id}/options`, {
          title,
          theme: 'place-and-delivery',
          cost,
          needId: String(need),
        })
        assert.equal(r.statusCode, 303, r.body)
      }
      const pending = await listOptionsForNeeds(t.testDb.db, [need, otherNeed])
      assert.deepEqual(
        pending.map((o) => [o.title, o.status, o.needId, o.roundTitle]),
        [
          ['Winter lunch club', 'pending', need, 'Needs round'],
          ['Befriending calls', 'pending', need, 'Needs round'],
        ],
      )
      assert.equal((await officer.post(`${manage}/${id}/open`)).statusCode, 303)
      assert.ok((await listOptionsForNeeds(t.testDb.db, [need])).every((o) => o.status === 'open'))
      const [lunch, calls] = pending
      // 10 votes for the lunch club, 2 for the calls: greedy funds the lunch club and £40 is not enough for the calls.
      for (let i = 0; i < 12; i++) {
        const c = await clientFor((await createUser(t)).id)
        await c.get(`${pub}/${id}/vote`)
        const choice = i < 10 ? lunch!.optionId : calls!.optionId
        assert.equal((await c.post(`${pub}/${id}/vote`, { options: [String(choice)] })).statusCode, 303)
      }
      await officer.get(`${manage}/${id}`)
      assert.equal((await officer.post(`${manage}/${id}/close`)).statusCode, 303)
      const counted = await listOptionsForNeeds(t.testDb.db, [need])
      assert.deepEqual(
        counted.map((o) => o.status),
        ['funded', 'not_funded'],
      )
      assert.deepEqual(await listOptionsForNeeds(t.testDb.db, []), [])

      // Explanations follow the reader's language, on the page and in the API, naming options by title.
      const en = await officer.get(`${pub}/${id}/results`)
      assert.match(en.body, /“Befriending calls” costs £50, but only £40 was left after funding 1 more popular option/)
      const pl = await officer.get(`${pub}/${id}/results?lang=pl`)
      assert.match(pl.body, /„?“Befriending calls” kosztuje £50, ale po sfinansowaniu bardziej popularnych opcji/)
      const ko = await t.app.inject({ url: `/api/v1/wards/${NORBITON}/rounds/${id}/results?lang=ko` })
      const json = ko.json<{ options: { title: string; explanation: { text: string; parts: { key: string }[] } }[] }>()
      const callsRow = json.options.find((o) => o.title === 'Befriending calls')!
      assert.match(callsRow.explanation.text, /“Befriending calls”의 비용은 £50이지만/)
      assert.deepEqual(
        callsRow.explanation.parts.map((p) => p.key),
        ['greedy.over-budget'],
      )
    })

    test('with a pooled fund: the form shows what is unallocated, the budget cannot exceed it, winners are allocated by theme', async () => {
      const ledger = createLedger({ db: t.testDb.db, dialect: t.testDb.dialect, write: createWriter(t.testDb) })
      const fund = await t.testDb.db
        .insertInto('ledger_fund')
        .values({
          ward_id: wardId,
          financial_year: '2026-27',
          name: 'Norbiton pooled fund',
          created_at: new Date().toISOString(),
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      const fundId = Number(fund.id)
      const partner = await t.testDb.db
        .insertInto('ledger_partner')
        .values({ ward_id: wardId, name: 'Test partner', kind: 'nhs', created_at: new Date().toISOString() })
        .returning('id')
        .executeTakeFirstOrThrow()
      const give = async (name: string, pence: number, themes: string[]) => {
        const p = await ledger.pledge(
          `test-pledge-${name}-${kind.dialect}`,
          {
            wardId,
            fundId,
            partnerId: Number(partner.id),
            amountPence: pence,
            themes,
            expiresOn: null,
            approvalRequired: false,
            note: '',
          },
          { userId: null },
        )
        assert.ok(p.ok && p.pledgeId)
        const r = await ledger.move(
          `test-receipt-${name}-${kind.dialect}`,
          { wardId, fundId, operation: { kind: 'receipt', pledgeId: p.pledgeId, amountPence: pence }, memo: '' },
          { userId: null },
        )
        assert.ok(r.ok)
        return p.pledgeId
      }
      const open = await give('open', 10_000, [])
      const fenced = await give('fenced', 5_000, ['financial-support'])

      const form = await officer.get(`${manage}/new`)
      assert.match(form.body, /Available to allocate: £150/)
      const over = await officer.post(`${manage}/new`, roundForm({ title: 'Funded round', budget: '151' }))
      assert.equal(over.statusCode, 400)
      assert.match(over.body, /more than the £150 the pooled fund has available/)
      const id = await createRound({ title: 'Funded round', budget: '150' })
      const row = await t.testDb.db
        .selectFrom('prioritisation_round')
        .select('fund_id')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
      assert.equal(Number(row.fund_id), fundId)
      await officer.get(`${manage}/${id}`)
      for (const [title, theme, cost] of [
        ['Debt advice', 'financial-support', '70'],
        ['Street repairs', 'place-and-delivery', '80'],
      ] as const)
        assert.equal((await officer.post(`${manage}/${id}/options`, { title, theme, cost })).statusCode, 303)
      assert.equal((await officer.post(`${manage}/${id}/open`)).statusCode, 303)
      const options = (await optionRows(id)).map((o) => Number(o.id))
      for (let i = 0; i < 3; i++) {
        const c = await clientFor((await createUser(t)).id)
        await c.get(`${pub}/${id}/vote`)
        assert.equal((await c.post(`${pub}/${id}/vote`, { options: options.map(String) })).statusCode, 303)
      }
      await officer.get(`${manage}/${id}`)
      assert.equal((await officer.post(`${manage}/${id}/close`)).statusCode, 303)
      const allocated = (await listPostings(t.testDb.db, fundId)).filter(
        (p) => p.account === 'allocated' && p.purpose?.startsWith('Funded round'),
      )
      const by = (pledgeId: number, theme: string) =>
        allocated.filter((p) => p.pledgeId === pledgeId && p.theme === theme).reduce((s, p) => s + p.amountPence, 0)
      // Debt advice takes the ring-fenced £50 first, then £20 of the open money; street repairs only open money.
      assert.equal(by(fenced, 'financial-support'), 5_000)
      assert.equal(by(open, 'financial-support'), 2_000)
      assert.equal(by(open, 'place-and-delivery'), 8_000)
      assert.equal(by(fenced, 'place-and-delivery'), 0)
      const done = await t.testDb.db
        .selectFrom('prioritisation_round')
        .select('fund_allocated_at')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
      assert.ok(done.fund_allocated_at)
      // Allocating again is refused and moves nothing.
      assert.equal((await officer.post(`${manage}/${id}/allocate`)).statusCode, 409)
      assert.equal(
        (await listPostings(t.testDb.db, fundId)).filter((p) => p.account === 'allocated').length,
        allocated.length,
      )
      // The closed round's page offers the step on to commissioning.
      assert.match((await officer.get(`${manage}/${id}`)).body, /commissioning\/manage/)
    })
  })
}
