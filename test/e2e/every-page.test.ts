import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { sql } from 'kysely'
import type { Browser, Page } from 'playwright-core'
import { DEMO_ACCOUNTS, DEMO_PASSWORD, seedDemo } from '../../src/cli/seed.js'
import { axeViolations, browserSkip, launchChromium } from '../support/browser.js'
import { testDatabases } from '../support/databases.js'
import { NORBITON, startTestApp, type TestApp } from '../support/test-app.js'

/**
 * "axe finds nothing on any page": every HTML page the app registers is opened in Chromium with the
 * demo content loaded, as the first role the authorisation matrix allows to see it, and checked with
 * axe (WCAG 2.2 AA rules). Route parameters are filled with real ids from the demo data.
 */
const ORDER = [
  'anonymous',
  'resident',
  'officer',
  'volunteer',
  'provider',
  'budget_partner',
  'panel_member',
  'admin',
] as const
type Principal = (typeof ORDER)[number]
const EMAIL: Record<Exclude<Principal, 'anonymous'>, string> = {
  resident: DEMO_ACCOUNTS.find((a) => a.role === 'resident')!.email,
  officer: DEMO_ACCOUNTS.find((a) => a.role === 'officer')!.email,
  volunteer: DEMO_ACCOUNTS.find((a) => a.role === 'volunteer')!.email,
  provider: DEMO_ACCOUNTS.find((a) => a.role === 'provider')!.email,
  budget_partner: DEMO_ACCOUNTS.find((a) => a.role === 'budget_partner')!.email,
  panel_member: DEMO_ACCOUNTS.find((a) => a.role === 'panel_member')!.email,
  admin: DEMO_ACCOUNTS.find((a) => a.role === 'admin')!.email,
}
const NOT_HTML = /^\/api\/|^\/healthz|^\/\.well-known|\.(csv|xlsx|pb|json)$|^\/language|\*|^\/password-reset\/:token/

describe('every page is axe-clean', { skip: browserSkip() }, () => {
  let t: TestApp
  let browser: Browser
  let base: string

  before(async () => {
    const [sqlite] = await testDatabases()
    t = await startTestApp(sqlite!, { DEMO_MODE: 'true' })
    const council = await t.testDb.db.selectFrom('tenancy_council').select('id').executeTakeFirstOrThrow()
    await seedDemo(t.testDb.db, t.tenant, Number(council.id), 10)
    await t.app.listen({ host: '127.0.0.1', port: 0 })
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await t?.stop()
  })

  /** `fooBarId` → the smallest id of the table whose name ends in `_foo_bar` (demo data), if any. */
  async function resolveParam(name: string): Promise<string | undefined> {
    if (name === 'wardCode') return NORBITON
    // Delivery returns are addressed by reporting period (1 = a service's first quarter, reported in the demo).
    if (name === 'period') return '1'
    // Delivery services live in delivery_service (the `_service` suffix alone would also match the directory's).
    if (name === 'deliveryServiceId') {
      const r = await sql<{ id: number | null }>`select min(id) as id from delivery_service`.execute(t.testDb.db)
      return r.rows[0]?.id == null ? undefined : String(r.rows[0].id)
    }
    const stem = name.replace(/Id$/, '').replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
    const tables = await sql<{
      name: string
    }>`select name from sqlite_master where type = 'table' and name like ${`%\\_${stem}`} escape '\\'`.execute(
      t.testDb.db,
    )
    for (const { name: table } of tables.rows) {
      const r = await sql<{ id: number | null }>`select min(id) as id from ${sql.table(table)}`
        .execute(t.testDb.db)
        .catch(() => undefined)
      const id = r?.rows[0]?.id
      if (id != null) return String(id)
    }
    return undefined
  }

  async function signedInPage(principal: Principal): Promise<Page> {
    const context = await browser.newContext()
    const page = await context.newPage()
    if (principal !== 'anonymous') {
      await page.goto(`${base}/sign-in`)
      await page.fill('#email', EMAIL[principal])
      await page.fill('#password', DEMO_PASSWORD)
      await Promise.all([page.waitForNavigation(), page.click('form[action="/sign-in"] button[type=submit]')])
    }
    return page
  }

  test('0 violations on every HTML page, for the role that can see it', { timeout: 600_000 }, async (ctx) => {
    const matrix = JSON.parse(
      readFileSync(path.join(import.meta.dirname, '..', 'authorization-matrix.json'), 'utf8'),
    ) as Record<string, Record<string, Record<Principal, string>>>
    const byPrincipal = new Map<Principal, string[]>()
    const unresolved: string[] = []
    for (const r of t.routes.filter((x) => x.method === 'GET' && !NOT_HTML.test(x.url))) {
      // PDF reports download rather than open as pages; their modules' tests check them with pdftotext.
      if (r.url.endsWith('.pdf')) continue
      const row = matrix[`GET ${r.url}`]?.own ?? matrix[`GET ${r.url}`]?.any
      const principal = ORDER.find((p) => row?.[p] === 'allow')
      if (!principal) continue
      let url = r.url
      let ok = true
      for (const m of r.url.matchAll(/:([A-Za-z]+)/g)) {
        const value = await resolveParam(m[1]!)
        if (value === undefined) ok = false
        else url = url.replace(`:${m[1]}`, value)
      }
      if (!ok) {
        unresolved.push(r.url)
        continue
      }
      byPrincipal.set(principal, [...(byPrincipal.get(principal) ?? []), url])
    }
    // A draft round taking suggestions is not the smallest round id, so its pages are listed here by hand.
    const proposing = await t.testDb.db
      .selectFrom('prioritisation_round')
      .select('id')
      .where('proposals_open', '=', 1)
      .executeTakeFirst()
    if (proposing) {
      byPrincipal.set('resident', [
        ...(byPrincipal.get('resident') ?? []),
        `/wards/${NORBITON}/priorities/${proposing.id}/propose`,
      ])
      byPrincipal.set('officer', [
        ...(byPrincipal.get('officer') ?? []),
        `/wards/${NORBITON}/priorities/manage/${proposing.id}`,
      ])
    }
    const problems: string[] = []
    let checked = 0
    for (const [principal, urls] of byPrincipal) {
      const page = await signedInPage(principal)
      for (const url of urls) {
        const res = await page.goto(`${base}${url}`)
        if (!String(res?.headers()['content-type']).startsWith('text/html')) continue
        checked += 1
        for (const v of await axeViolations(page)) problems.push(`${url} (${principal}): ${v}`)
      }
      await page.context().close()
    }
    // A closed round whose count is still running shows a page of its own instead of its results (ADR 0011).
    const closed = await t.testDb.db
      .selectFrom('prioritisation_round')
      .select(['id', 'result_json'])
      .where('status', '=', 'closed')
      .orderBy('id')
      .executeTakeFirstOrThrow()
    const setResult = (json: string | null) =>
      t.testDb.db.updateTable('prioritisation_round').set({ result_json: json }).where('id', '=', closed.id).execute()
    await setResult(null)
    try {
      const page = await signedInPage('anonymous')
      const url = `/wards/${NORBITON}/priorities/${closed.id}/results`
      await page.goto(`${base}${url}`)
      assert.match(await page.content(), /The votes are being counted/)
      checked += 1
      for (const v of await axeViolations(page)) problems.push(`${url} while counting (anonymous): ${v}`)
      await page.context().close()
    } finally {
      await setResult(closed.result_json)
    }
    ctx.diagnostic(
      `${checked} pages checked with axe; parameters not resolvable from demo data: ${unresolved.join(', ') || 'none'}`,
    )
    assert.ok(checked >= 40, `only ${checked} pages checked`)
    assert.deepEqual(problems, [])
  })
})
