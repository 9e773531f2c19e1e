import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { testDatabases } from '../../../test/support/databases.js'
import { Client, createUser, NORBITON, OTHER_WARD, startTestApp, type TestApp } from '../../../test/support/test-app.js'
import { createWriter } from '../../platform/db/index.js'
import { findWardByCode } from '../../platform/tenancy/index.js'
import { allocateFromPool, createLedger, listPostings, PoolAllocationRefused } from '../ledger/index.js'
import { RULE_IDS } from './rules/index.js'

type Strings = { [key: string]: string | Strings }
const locale = (lang: string) =>
  JSON.parse(readFileSync(new URL(`../../../locales/${lang}/prioritisation.json`, import.meta.url), 'utf8')) as Strings

/** Every string of the namespace, by dotted key. */
function flatten(s: Strings, prefix = ''): Map<string, string> {
  const out = new Map<string, string>()
  for (const [k, v] of Object.entries(s)) {
    if (typeof v === 'string') out.set(`${prefix}${k}`, v)
    else for (const [kk, vv] of flatten(v, `${prefix}${k}.`)) out.set(kk, vv)
  }
  return out
}

const EN = flatten(locale('en'))

/**
 * English text of this module that a Polish or Korean page still shows: each English string (its fixed
 * parts, between `{{…}}` placeholders) whose translation differs, checked in the page's HTML.
 */
function englishLeft(body: string, lang: string): string[] {
  const other = flatten(locale(lang))
  const text = body.replaceAll('&#39;', "'").replaceAll('&quot;', '"').replaceAll('&amp;', '&')
  const left: string[] = []
  for (const [key, en] of EN) {
    if (other.get(key) === en) continue
    for (const piece of en.split(/\{\{[^}]+\}\}/)) {
      const p = piece.trim()
      if (p.length >= 16 && text.includes(p)) left.push(`${key}: ${p}`)
    }
  }
  return left
}

test('every counting rule has a name and a description in English, Polish and Korean', () => {
  for (const lang of ['en', 'pl', 'ko']) {
    const strings = flatten(locale(lang))
    for (const id of RULE_IDS)
      for (const part of ['title', 'summary']) {
        const v = strings.get(`rules.${id}.${part}`)
        assert.ok(v && v.length > 0, `${lang}: rules.${id}.${part}`)
        if (lang !== 'en') assert.notEqual(v, EN.get(`rules.${id}.${part}`), `${lang}: rules.${id}.${part}`)
      }
  }
})

// The rule's name and description, and the rest of the module's pages, in the reader's language; and the
// round's winners allocated from the pooled fund all or nothing, once. On SQLite and PostgreSQL.
for (const kind of await testDatabases()) {
  describe(`deciding a priority round on ${kind.dialect}`, () => {
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
      title: 'Decide round',
      description: '',
      budget: '150',
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

    /** A round with three £50 options, each voted for by `voters` residents, closed and counted. */
    async function closedRound(extra: Record<string, string>, voters: number, beforeClose?: () => Promise<void>) {
      await officer.get(`${manage}/new`)
      const r = await officer.post(`${manage}/new`, roundForm(extra))
      assert.equal(r.statusCode, 303, r.body)
      const id = Number(/\/(\d+)$/.exec(r.headers.location as string)![1])
      await officer.get(`${manage}/${id}`)
      for (const title of ['Bench repairs', 'Youth club nights', 'Street trees'])
        assert.equal(
          (await officer.post(`${manage}/${id}/options`, { title, theme: 'place-and-delivery', cost: '50' }))
            .statusCode,
          303,
        )
      assert.equal((await officer.post(`${manage}/${id}/open`)).statusCode, 303)
      const options = (
        await t.testDb.db.selectFrom('prioritisation_option').select('id').where('round_id', '=', id).execute()
      ).map((o) => String(o.id))
      for (let i = 0; i < voters; i++) {
        const c = await clientFor((await createUser(t)).id)
        await c.get(`${pub}/${id}/vote`)
        assert.equal((await c.post(`${pub}/${id}/vote`, { options })).statusCode, 303)
      }
      if (beforeClose) await beforeClose()
      await officer.get(`${manage}/${id}`)
      const closed = await officer.post(`${manage}/${id}/close`)
      assert.equal(closed.statusCode, 303)
      return id
    }

    before(async () => {
      t = await startTestApp(kind, { DEMO_MODE: 'true' })
      officer = await clientFor((await createUser(t, { role: 'officer', demo: true })).id)
      wardId = (await findWardByCode(t.testDb.db, NORBITON))!.id
    })
    after(async () => t.stop())

    test('the rule is named and explained in Polish and Korean on every page and in the API; no English is left', async () => {
      const id = await closedRound({ title: 'Runda testowa', ruleId: 'mes' }, 10)
      const form = await officer.get(`${manage}/new?lang=pl`)
      assert.match(form.body, /Najpierw najwięcej głosów/)
      assert.match(form.body, /Metoda równych udziałów/)
      assert.doesNotMatch(form.body, /Most votes first|Method of Equal Shares/)
      const results = await officer.get(`${pub}/${id}/results?lang=pl`)
      assert.equal(results.statusCode, 200)
      assert.match(results.body, /Metoda równych udziałów/)
      assert.match(results.body, /Każdy głosujący dysponuje równą częścią budżetu/)
      assert.doesNotMatch(results.body, /Method of Equal Shares|Each voter controls/)
      assert.match((await officer.get(`${pub}/${id}/results?lang=ko`)).body, /균등 배분 방식/)

      const api = await t.app.inject({ url: `/api/v1/wards/${NORBITON}/rounds/${id}/results?lang=ko` })
      const rule = api.json<{ rule: { id: string; title: string; summary: string } }>().rule
      assert.equal(rule.id, 'mes')
      assert.equal(rule.title, '균등 배분 방식')
      assert.match(rule.summary, /투표자마다/)

      // The check finds English when there is some.
      assert.ok(englishLeft((await officer.get(`${pub}/${id}/results?lang=en`)).body, 'pl').length > 5)
      for (const lang of ['pl', 'ko'])
        for (const url of [
          pub,
          `${pub}/${id}`,
          `${pub}/${id}/results`,
          manage,
          `${manage}/new`,
          `${manage}/${id}`,
          '/priorities/suggestions',
        ]) {
          const page = await officer.get(`${url}?lang=${lang}`)
          assert.equal(page.statusCode, 200, url)
          assert.deepEqual(englishLeft(page.body, lang), [], `${url}?lang=${lang}`)
        }
    })

    test('the voting, suggestion and cannot-vote pages have no English left in Polish and Korean', async () => {
      await officer.get(`${manage}/new`)
      const open = await officer.post(
        `${manage}/new`,
        roundForm({ title: 'Open round', ballotType: 'basket', minAge: '16', allowChange: 'yes' }),
      )
      const openId = Number(/\/(\d+)$/.exec(open.headers.location as string)![1])
      await officer.get(`${manage}/${openId}`)
      await officer.post(`${manage}/${openId}/options`, { title: 'Benches', theme: 'place-and-delivery', cost: '40' })
      assert.equal((await officer.post(`${manage}/${openId}/open`)).statusCode, 303)
      const drafting = await officer.post(`${manage}/new`, roundForm({ title: 'Ideas round', proposalsOpen: 'yes' }))
      const draftId = Number(/\/(\d+)$/.exec(drafting.headers.location as string)![1])
      await officer.get(`${manage}/${draftId}`) // shows (and so clears) the English "round created" message
      const resident = await clientFor((await createUser(t)).id)
      const anonymous = new Client(t)
      const elsewhere = await createUser(t)
      await t.testDb.db
        .updateTable('accounts_user')
        .set({ home_ward_id: (await findWardByCode(t.testDb.db, OTHER_WARD))!.id })
        .where('id', '=', elsewhere.id)
        .execute()
      const outsider = await clientFor(elsewhere.id)
      for (const lang of ['pl', 'ko']) {
        const pages: [Client, string][] = [
          [resident, `${pub}/${openId}`],
          [resident, `${pub}/${openId}/vote`],
          [resident, `${pub}/${draftId}/propose`],
          [officer, `${manage}/${openId}`],
          [officer, `${manage}/${openId}/paper`],
          [anonymous, `${pub}/${openId}`],
        ]
        for (const [client, url] of pages) {
          const page = await client.get(`${url}?lang=${lang}`)
          assert.equal(page.statusCode, 200, url)
          assert.deepEqual(englishLeft(page.body, lang), [], `${url}?lang=${lang}`)
        }
        // A ballot with mistakes re-renders with its errors in the reader's language.
        await resident.get(`${pub}/${openId}/vote?lang=${lang}`)
        const bad = await resident.post(`${pub}/${openId}/vote?lang=${lang}`, { options: [] })
        assert.equal(bad.statusCode, 400)
        assert.deepEqual(englishLeft(bad.body, lang), [], `bad ballot, ${lang}`)
        const cannot = await outsider.get(`${pub}/${openId}/vote?lang=${lang}`)
        assert.equal(cannot.statusCode, 403)
        assert.deepEqual(englishLeft(cannot.body, lang), [], `cannot vote, ${lang}`)
      }
    })

    test('an option dearer than the whole budget is refused, so the published .pb file always parses', async () => {
      await officer.get(`${manage}/new`)
      const created = await officer.post(`${manage}/new`, roundForm({ title: 'Small round', budget: '100' }))
      assert.equal(created.statusCode, 303)
      const id = Number(/\/(\d+)$/.exec(created.headers.location as string)![1])
      await officer.get(`${manage}/${id}`)
      const dear = await officer.post(`${manage}/${id}/options`, {
        title: 'Too dear',
        theme: 'place-and-delivery',
        cost: '100.01',
      })
      assert.equal(dear.statusCode, 400)
      assert.match(dear.body, /govuk-error-summary/)
      assert.match(dear.body, /more than the round’s whole budget of £100/)
      const ok = await officer.post(`${manage}/${id}/options`, {
        title: 'Just fits',
        theme: 'place-and-delivery',
        cost: '100',
      })
      assert.equal(ok.statusCode, 303)
      await officer.get(`${manage}/${id}/settings`)
      const lower = await officer.post(`${manage}/${id}/settings`, roundForm({ title: 'Small round', budget: '99' }))
      assert.equal(lower.statusCode, 400)
      assert.match(lower.body, /at least £100, the cost of the dearest option/)
      for (const lang of ['pl', 'ko'])
        for (const url of [`${manage}/${id}`, `${manage}/${id}/settings`]) {
          const page = await officer.get(`${url}?lang=${lang}`)
          assert.equal(page.statusCode, 200, url)
          assert.deepEqual(englishLeft(page.body, lang), [], `${url}?lang=${lang}`)
        }
      // A round set up before the forms checked this is not opened.
      await t.testDb.db
        .updateTable('prioritisation_option')
        .set({ cost_pence: 20_000 })
        .where('round_id', '=', id)
        .execute()
      await officer.get(`${manage}/${id}`)
      const open = await officer.post(`${manage}/${id}/open`)
      assert.equal(open.statusCode, 409)
      assert.match(open.body, /An option costs more than the whole budget/)
      // …nor, if one was opened like that, counted: it stays open and the officer is told why.
      await t.testDb.db.updateTable('prioritisation_round').set({ status: 'open' }).where('id', '=', id).execute()
      await officer.get(`${manage}/${id}`)
      const close = await officer.post(`${manage}/${id}/close`)
      assert.equal(close.statusCode, 409)
      assert.match(close.body, /An option costs more than the whole budget/)
      const still = await t.testDb.db
        .selectFrom('prioritisation_round')
        .select('status')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
      assert.equal(still.status, 'open')
    })

    test('allocation is all or nothing and happens once, even when asked twice at once', async () => {
      const write = createWriter(t.testDb)
      const ledger = createLedger({ db: t.testDb.db, dialect: t.testDb.dialect, write })
      const fund = await t.testDb.db
        .insertInto('ledger_fund')
        .values({
          ward_id: wardId,
          financial_year: '2026-27',
          name: 'Decide fund',
          created_at: new Date().toISOString(),
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      const fundId = Number(fund.id)
      const partner = await t.testDb.db
        .insertInto('ledger_partner')
        .values({ ward_id: wardId, name: 'Decide partner', kind: 'nhs', created_at: new Date().toISOString() })
        .returning('id')
        .executeTakeFirstOrThrow()
      const key = (what: string) => `test-decide-${what}-${kind.dialect}`
      const pledge = await ledger.pledge(
        key('pledge'),
        {
          wardId,
          fundId,
          partnerId: Number(partner.id),
          amountPence: 15_000,
          themes: [],
          expiresOn: null,
          approvalRequired: false,
          note: '',
        },
        { userId: null },
      )
      assert.ok(pledge.ok && pledge.pledgeId)
      const pledgeId = pledge.pledgeId
      const moveRequest = (k: 'receipt' | 'allocation' | 'release', pence: number) => ({
        wardId,
        fundId,
        operation:
          k === 'receipt'
            ? { kind: k, pledgeId, amountPence: pence }
            : { kind: k, pledgeId, amountPence: pence, theme: 'place-and-delivery', purpose: 'Elsewhere' },
        memo: '',
      })
      assert.ok((await ledger.move(key('receipt'), moveRequest('receipt', 15_000), { userId: null })).ok)

      // £150 when the round is set up; £20 goes elsewhere before it closes, so the third winner cannot be paid.
      const id = await closedRound({ title: 'Funded decide round' }, 3, async () => {
        assert.ok((await ledger.move(key('elsewhere'), moveRequest('allocation', 2_000), { userId: null })).ok)
      })
      const roundPostings = async () =>
        (await listPostings(t.testDb.db, fundId)).filter((p) => p.purpose?.startsWith('Funded decide round'))
      const allocatedAt = async () =>
        (
          await t.testDb.db
            .selectFrom('prioritisation_round')
            .select('fund_allocated_at')
            .where('id', '=', id)
            .executeTakeFirstOrThrow()
        ).fund_allocated_at
      assert.deepEqual(await roundPostings(), [])
      assert.equal(await allocatedAt(), null)
      // Asking again shows the officer why.
      await officer.get(`${manage}/${id}`)
      const refused = await officer.post(`${manage}/${id}/allocate`)
      assert.equal(refused.statusCode, 409)
      assert.match(refused.body, /Not allocated from the pooled fund: Funded decide round: Street trees \(£50/)
      assert.deepEqual(await roundPostings(), [])
      assert.equal(await allocatedAt(), null)

      // The money comes back; two officers press "allocate" at the same moment: one allocation is made.
      assert.ok((await ledger.move(key('release'), moveRequest('release', 2_000), { userId: null })).ok)
      await officer.get(`${manage}/${id}`)
      const both = await Promise.all([
        officer.post(`${manage}/${id}/allocate`),
        officer.post(`${manage}/${id}/allocate`),
      ])
      assert.deepEqual(both.map((r) => r.statusCode).sort(), [303, 409])
      const allocated = (await roundPostings()).filter((p) => p.account === 'allocated')
      assert.equal(
        allocated.reduce((s, p) => s + p.amountPence, 0),
        15_000,
      )
      assert.equal(allocated.length, 3)
      assert.ok(await allocatedAt())
    })

    test('a refusal by the ledger part-way through the moves rolls back the moves before it', async () => {
      // The pool plans with today's date; this ledger thinks it is 2099, so the pledge expiring in 2030
      // is refused at the second move, after the first has been written in the same unit of work.
      const write = createWriter(t.testDb)
      const ledger = createLedger({ db: t.testDb.db, dialect: t.testDb.dialect, write })
      const later = createLedger({ db: t.testDb.db, dialect: t.testDb.dialect, write, today: () => '2099-01-01' })
      const ward = (await findWardByCode(t.testDb.db, OTHER_WARD))!
      const fund = await t.testDb.db
        .insertInto('ledger_fund')
        .values({ ward_id: ward.id, financial_year: '2026-27', name: 'Part-way', created_at: new Date().toISOString() })
        .returning('id')
        .executeTakeFirstOrThrow()
      const fundId = Number(fund.id)
      const partner = await t.testDb.db
        .insertInto('ledger_partner')
        .values({ ward_id: ward.id, name: 'Part-way partner', kind: 'nhs', created_at: new Date().toISOString() })
        .returning('id')
        .executeTakeFirstOrThrow()
      for (const [name, expiresOn] of [
        ['open', null],
        ['expiring', '2030-01-01'],
      ] as const) {
        const p = await ledger.pledge(
          `test-partway-${name}-${kind.dialect}`,
          {
            wardId: ward.id,
            fundId,
            partnerId: Number(partner.id),
            amountPence: 10_000,
            themes: [],
            expiresOn,
            approvalRequired: false,
            note: '',
          },
          { userId: null },
        )
        assert.ok(p.ok && p.pledgeId)
        const r = await ledger.move(
          `test-partway-receipt-${name}-${kind.dialect}`,
          {
            wardId: ward.id,
            fundId,
            operation: { kind: 'receipt', pledgeId: p.pledgeId, amountPence: 10_000 },
            memo: '',
          },
          { userId: null },
        )
        assert.ok(r.ok)
      }
      const before = (await listPostings(t.testDb.db, fundId)).length
      await assert.rejects(
        write((trx) =>
          allocateFromPool(
            later,
            trx,
            t.testDb.dialect,
            {
              wardId: ward.id,
              fundId,
              keyPrefix: `test-partway-${kind.dialect}`,
              memo: '',
              items: [
                { theme: 'place-and-delivery', purpose: 'first', amountPence: 8_000 },
                { theme: 'place-and-delivery', purpose: 'second', amountPence: 8_000 },
              ],
            },
            { userId: null },
            '2026-12-01',
          ),
        ),
        (e: unknown) => e instanceof PoolAllocationRefused && e.error === 'pledge_expired',
      )
      assert.equal((await listPostings(t.testDb.db, fundId)).length, before)
    })
  })
}
