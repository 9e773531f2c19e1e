import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import fc from 'fast-check'
import { sql } from 'kysely'
import { createWriter } from '../../platform/db/index.js'
import { findWardByCode } from '../../platform/tenancy/index.js'
import { testDatabases } from '../../../test/support/databases.js'
import { Client, createUser, NORBITON, OTHER_WARD, startTestApp, type TestApp } from '../../../test/support/test-app.js'
import {
  applyPostings,
  balancesValid,
  financialYearOf,
  formatPence,
  parsePounds,
  plan,
  sumPostings,
  type Balances,
  type Operation,
  type PledgeTerms,
} from './ledger.rules.js'
import { insertFund, insertPartner, linkPartnerUser, listPostings } from './ledger.repository.js'
import { createLedger, type Ledger } from './ledger.service.js'

const THEMES = ['employment-and-skills', 'family-and-life-chances', 'place-and-delivery', 'financial-support']

describe('ledger rules', () => {
  test('money parsing and formatting are exact', () => {
    assert.equal(parsePounds('1,234.5'), 123450)
    assert.equal(parsePounds('£0.01'), 1)
    assert.equal(parsePounds('12.345'), undefined)
    assert.equal(parsePounds('-5'), undefined)
    assert.equal(formatPence(123456789), '£1,234,567.89')
    assert.equal(financialYearOf('2026-03-31'), '2025-26')
    assert.equal(financialYearOf('2026-04-01'), '2026-27')
  })

  test('ring-fences, expiry and approval are enforced', () => {
    const pledge: PledgeTerms = {
      id: 1,
      fundId: 1,
      themes: ['place-and-delivery'],
      expiresOn: '2027-03-31',
      approvalRequired: false,
      approved: false,
    }
    let b: Balances = new Map()
    for (const op of [
      { kind: 'pledge', pledgeId: 1, amountPence: 1000 },
      { kind: 'receipt', pledgeId: 1, amountPence: 1000 },
    ] as Operation[]) {
      const r = plan(op, pledge, b, '2026-12-01')
      assert.ok(r.ok)
      b = applyPostings(b, r.postings)
    }
    const alloc = (theme: string, today = '2026-12-01', terms = pledge) =>
      plan({ kind: 'allocation', pledgeId: 1, amountPence: 500, theme, purpose: 'p' }, terms, b, today)
    assert.deepEqual(alloc('financial-support'), { ok: false, error: 'theme_not_allowed' })
    assert.deepEqual(alloc('place-and-delivery', '2027-04-01'), { ok: false, error: 'pledge_expired' })
    assert.deepEqual(alloc('place-and-delivery', '2026-12-01', { ...pledge, approvalRequired: true }), {
      ok: false,
      error: 'approval_required',
    })
    const ok = alloc('place-and-delivery')
    assert.ok(ok.ok)
    b = applyPostings(b, ok.postings)
    // Ring-fenced money allocated to one theme cannot be committed or paid under another.
    const commitOther = plan(
      {
        kind: 'commitment',
        pledgeId: 1,
        amountPence: 100,
        theme: 'financial-support',
        purpose: 'p',
        commitmentRef: 'C1',
      },
      pledge,
      b,
      '2026-12-01',
    )
    assert.deepEqual(commitOther, { ok: false, error: 'insufficient_funds' })
  })

  test('property: any sequence of operations keeps every transaction at zero and no balance negative', () => {
    const op = fc.record({
      kind: fc.constantFrom('pledge', 'receipt', 'allocation', 'release', 'commitment', 'payment', 'return'),
      pledgeId: fc.integer({ min: 1, max: 3 }),
      amountPence: fc.oneof(fc.integer({ min: 1, max: 50_000 }), fc.integer({ min: -5, max: 0 })),
      theme: fc.constantFrom(...THEMES),
      purpose: fc.constantFrom('a', 'b'),
      commitmentRef: fc.constantFrom('C1', 'C2'),
    })
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const terms = (id: number): PledgeTerms => ({
          id,
          fundId: 1,
          themes: id === 1 ? [] : [THEMES[id]!],
          expiresOn: null,
          approvalRequired: false,
          approved: false,
        })
        let b: Balances = new Map()
        for (const o of ops) {
          const r = plan(o as Operation, terms(o.pledgeId), b, '2026-12-01')
          if (!r.ok) continue
          assert.equal(sumPostings(r.postings), 0)
          b = applyPostings(b, r.postings)
          assert.ok(balancesValid(b))
          // Money ring-fenced to a theme is only ever found under that theme.
          for (const k of b.keys()) {
            const [, pledgeId, theme] = JSON.parse(k) as [string, number, string | null]
            if (pledgeId !== 1 && theme !== null) assert.equal(theme, THEMES[pledgeId])
          }
        }
        let total = 0
        for (const v of b.values()) total += v
        assert.equal(total, 0)
      }),
      { numRuns: 300, seed: 20261126 },
    )
  })

  test('no code outside the repository writes ledger tables, and the repository never updates or deletes', () => {
    const root = path.join(import.meta.dirname, '..', '..')
    const files: string[] = []
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name)
        if (e.isDirectory()) walk(p)
        else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) files.push(p)
      }
    }
    walk(root)
    for (const f of files) {
      const src = readFileSync(f, 'utf8')
      if (/(updateTable|deleteFrom)\(\s*'ledger_/.test(src)) assert.fail(`${f} updates or deletes ledger rows`)
      if (/insertInto\(\s*'ledger_/.test(src) && !f.endsWith('ledger.repository.ts'))
        assert.fail(`${f} writes ledger rows outside the repository`)
    }
  })
})

for (const kind of await testDatabases()) {
  describe(`pooled fund ledger on ${kind.dialect}`, () => {
    let t: TestApp
    let ledger: Ledger
    let wardId: number
    let fundId: number
    let partnerA: number
    let partnerB: number
    let officer: Client
    let partnerClient: Client
    const key = (s: string) => `test-${s}`.padEnd(20, 'x')

    async function clientFor(userId: number): Promise<Client> {
      const c = new Client(t)
      const { cookieValue } = await t.sessions.store.create({ userId, mfaVerified: true })
      c.cookies.set('wt_session', cookieValue)
      return c
    }
    const count = async (table: 'ledger_transaction' | 'ledger_posting' | 'ledger_pledge') =>
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
      ledger = createLedger({
        db: t.testDb.db,
        dialect: t.testDb.dialect,
        write: createWriter(t.testDb),
        today: () => '2026-12-01',
      })
      wardId = (await findWardByCode(t.testDb.db, NORBITON))!.id
      fundId = await insertFund(t.testDb.db, { wardId, financialYear: '2026-27', name: 'Test fund' })
      partnerA = await insertPartner(t.testDb.db, { wardId, name: 'Partner A', kind: 'nhs' })
      partnerB = await insertPartner(t.testDb.db, { wardId, name: 'Partner B', kind: 'police' })
      officer = await clientFor((await createUser(t, { role: 'officer', demo: true })).id)
      const pu = await createUser(t, { role: 'budget_partner', demo: true })
      await linkPartnerUser(t.testDb.db, partnerA, pu.id)
      partnerClient = await clientFor(pu.id)
    })
    after(async () => t.stop())

    const pledgeReq = (amountPence: number, themes: string[] = [], partnerId = partnerA) => ({
      wardId,
      fundId,
      partnerId,
      amountPence,
      themes,
      expiresOn: null,
      approvalRequired: false,
      note: '',
    })

    test('100 replays of one request record one transaction; the same key with another body is refused', async () => {
      const before = await count('ledger_transaction')
      const results = await Promise.all(
        Array.from({ length: 100 }, () => ledger.pledge(key('replay'), pledgeReq(10_000), { userId: null })),
      )
      assert.ok(results.every((r) => r.ok))
      const ids = new Set(results.map((r) => (r.ok ? `${r.transactionId}/${r.pledgeId}` : '')))
      assert.equal(ids.size, 1)
      assert.equal(results.filter((r) => r.ok && !r.replayed).length, 1)
      assert.equal(await count('ledger_transaction'), before + 1)
      const other = await ledger.pledge(key('replay'), pledgeReq(10_001), { userId: null })
      assert.deepEqual(other, { ok: false, error: 'idempotency_conflict' })
      assert.equal(await count('ledger_transaction'), before + 1)
    })

    test('conditions hold through the service, and refusals write nothing', async () => {
      const p = await ledger.pledge(key('fenced'), pledgeReq(5_000, ['place-and-delivery']), { userId: null })
      assert.ok(p.ok && p.pledgeId)
      const pledgeId = p.pledgeId
      const rec = await ledger.move(
        key('fenced-rec'),
        { wardId, fundId, operation: { kind: 'receipt', pledgeId, amountPence: 5_000 }, memo: '' },
        { userId: null },
      )
      assert.ok(rec.ok)
      const before = await count('ledger_posting')
      const wrong = await ledger.move(
        key('fenced-wrong'),
        {
          wardId,
          fundId,
          operation: { kind: 'allocation', pledgeId, amountPence: 100, theme: 'financial-support', purpose: 'x' },
          memo: '',
        },
        { userId: null },
      )
      assert.deepEqual(wrong, { ok: false, error: 'theme_not_allowed' })
      const expired = await ledger.pledge(
        key('expired'),
        { ...pledgeReq(1_000), expiresOn: '2026-11-30' },
        { userId: null },
      )
      assert.ok(expired.ok)
      const afterPledge = await count('ledger_posting')
      const late = await ledger.move(
        key('expired-alloc'),
        {
          wardId,
          fundId,
          operation: {
            kind: 'allocation',
            pledgeId: expired.pledgeId!,
            amountPence: 1,
            theme: THEMES[0]!,
            purpose: 'x',
          },
          memo: '',
        },
        { userId: null },
      )
      assert.equal(late.ok ? 'ok' : late.error, 'pledge_expired')
      assert.equal(await count('ledger_posting'), afterPledge)
      assert.equal(afterPledge, before + 2)
      // Another ward's fund is not reachable through this ward.
      const other = (await findWardByCode(t.testDb.db, OTHER_WARD))!.id
      const cross = await ledger.pledge(key('cross'), { ...pledgeReq(1), wardId: other }, { userId: null })
      assert.deepEqual(cross, { ok: false, error: 'fund_unknown' })
    })

    test('two officers allocating at once never overspend', async () => {
      const p = await ledger.pledge(key('race'), pledgeReq(10_000), { userId: null })
      assert.ok(p.ok)
      const pledgeId = p.pledgeId!
      await ledger.move(
        key('race-rec'),
        { wardId, fundId, operation: { kind: 'receipt', pledgeId, amountPence: 10_000 }, memo: '' },
        { userId: null },
      )
      // A second writer, as a second app instance would have (its own pool on PostgreSQL).
      const writers = [createWriter(t.testDb), createWriter(t.testDb)]
      const ledgers = writers.map((write) =>
        createLedger({ db: t.testDb.db, dialect: t.testDb.dialect, write, today: () => '2026-12-01' }),
      )
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          ledgers[i % 2]!.move(
            key(`race-${i}`),
            {
              wardId,
              fundId,
              operation: { kind: 'allocation', pledgeId, amountPence: 4_000, theme: THEMES[0]!, purpose: 'race' },
              memo: '',
            },
            { userId: null },
          ),
        ),
      )
      assert.equal(results.filter((r) => r.ok).length, 2)
      assert.ok(results.filter((r) => !r.ok).every((r) => !r.ok && r.error === 'insufficient_funds'))
      const mine = (await listPostings(t.testDb.db, fundId)).filter((x) => x.pledgeId === pledgeId)
      assert.equal(
        mine.filter((x) => x.account === 'available').reduce((s, x) => s + x.amountPence, 0),
        2_000,
      )
    })

    test('ledger rows cannot be changed: the database refuses an UPDATE', async () => {
      await assert.rejects(sql`update ledger_posting set amount_pence = amount_pence + 1`.execute(t.testDb.db))
      await assert.rejects(sql`update ledger_transaction set memo = 'x'`.execute(t.testDb.db))
      await assert.rejects(sql`update ledger_pledge set amount_pence = 1`.execute(t.testDb.db))
    })

    test('property: random operation sequences with replays keep the stored ledger balanced', async () => {
      const p = await ledger.pledge(key('prop-a'), pledgeReq(100_000), { userId: null })
      const q = await ledger.pledge(key('prop-b'), pledgeReq(50_000, ['financial-support'], partnerB), { userId: null })
      assert.ok(p.ok && q.ok)
      const pledges = [p.pledgeId!, q.pledgeId!]
      let n = 0
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({
              kind: fc.constantFrom('receipt', 'allocation', 'release', 'commitment', 'payment', 'return'),
              pledge: fc.integer({ min: 0, max: 1 }),
              amountPence: fc.integer({ min: 1, max: 40_000 }),
              theme: fc.constantFrom('financial-support', 'place-and-delivery'),
              replay: fc.boolean(),
            }),
            { maxLength: 12 },
          ),
          async (ops) => {
            let last: { key: string; op: Operation } | undefined
            for (const o of ops) {
              const op = {
                kind: o.kind,
                pledgeId: pledges[o.pledge]!,
                amountPence: o.amountPence,
                theme: o.theme,
                purpose: 'prop',
                commitmentRef: 'PROP-1',
              } as Exclude<Operation, { kind: 'pledge' }>
              const use = o.replay && last ? last : { key: key(`prop-${(n += 1)}`), op }
              const before = await count('ledger_transaction')
              const r = await ledger.move(
                use.key,
                { wardId, fundId, operation: use.op as Exclude<Operation, { kind: 'pledge' }>, memo: '' },
                { userId: null },
              )
              if (o.replay && last && r.ok) assert.equal(await count('ledger_transaction'), before)
              last = use as { key: string; op: Operation }
            }
            const postings = await listPostings(t.testDb.db, fundId)
            const byTx = new Map<number, number>()
            for (const x of postings) byTx.set(x.transactionId, (byTx.get(x.transactionId) ?? 0) + x.amountPence)
            for (const [tx, sum] of byTx) assert.equal(sum, 0, `transaction ${tx}`)
            assert.ok(balancesValid(applyPostings(new Map(), postings)))
          },
        ),
        { numRuns: 15, seed: 7 },
      )
    })

    test('officer pages: invalid pledges write nothing; a valid one redirects, and a resubmitted form records once', async () => {
      const page = await officer.get(`/wards/${NORBITON}/fund/manage/pledges`)
      assert.equal(page.statusCode, 200)
      const k = /name="idempotencyKey" value="([^"]+)"/.exec(page.body)?.[1]
      assert.ok(k)
      const before = await count('ledger_transaction')
      const bad = await officer.post(`/wards/${NORBITON}/fund/manage/pledges`, {
        idempotencyKey: k,
        fundId: String(fundId),
        partnerId: String(partnerB),
        amount: '12.345',
        note: 'kept',
      })
      assert.equal(bad.statusCode, 400)
      assert.match(bad.body, /govuk-error-summary/)
      assert.match(bad.body, /value="12.345"/)
      assert.equal(await count('ledger_transaction'), before)
      const form = {
        idempotencyKey: k,
        fundId: String(fundId),
        partnerId: String(partnerB),
        amount: '2,500.50',
        themes: ['place-and-delivery'],
      }
      const ok = await officer.post(`/wards/${NORBITON}/fund/manage/pledges`, form)
      assert.equal(ok.statusCode, 303)
      const again = await officer.post(`/wards/${NORBITON}/fund/manage/pledges`, form)
      assert.equal(again.statusCode, 303)
      assert.equal(await count('ledger_transaction'), before + 1)
      const changed = await officer.post(`/wards/${NORBITON}/fund/manage/pledges`, { ...form, amount: '9' })
      assert.equal(changed.statusCode, 409)
      const dash = await officer.get(`/wards/${NORBITON}/fund/manage`)
      assert.match(dash.body, /£2,500.50/)
      const alloc = await officer.get(`/wards/${NORBITON}/fund/manage/movements`)
      assert.equal(alloc.statusCode, 200)
      const over = await officer.post(`/wards/${NORBITON}/fund/manage/movements`, {
        idempotencyKey: key('page-over'),
        fundId: String(fundId),
        kind: 'receipt',
        pledgeId: String(
          (
            await t.testDb.db
              .selectFrom('ledger_pledge')
              .select((eb) => eb.fn.max('id').as('m'))
              .executeTakeFirstOrThrow()
          ).m,
        ),
        amount: '2600',
      })
      assert.equal(over.statusCode, 409)
      assert.match(over.body, /not enough money/)
    })

    test('a budget partner sees its own money only; the public page shows the summary', async () => {
      const mine = await partnerClient.get(`/wards/${NORBITON}/fund/partner`)
      assert.equal(mine.statusCode, 200)
      assert.match(mine.body, /Partner A/)
      assert.doesNotMatch(mine.body, /Partner B/)
      const pub = await new Client(t).get(`/wards/${NORBITON}/fund`)
      assert.equal(pub.statusCode, 200)
      assert.match(pub.body, /Partner B/)
      const denied = await partnerClient.get(`/wards/${NORBITON}/fund/manage`)
      assert.equal(denied.statusCode, 403)
    })
  })
}
