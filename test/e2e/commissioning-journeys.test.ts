import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import type { Browser, BrowserContext, FileChooser, Page } from 'playwright-core'
import { AxeBuilder } from '@axe-core/playwright'
import { findWardByCode } from '../../src/platform/tenancy/index.js'
import { listFunds, listPostings, seedLedgerDemo } from '../../src/modules/ledger/index.js'
import { listOrganisations, seedDirectoryDemo } from '../../src/modules/directory/index.js'
import { AXE_TAGS, browserSkip, launchChromium } from '../support/browser.js'
import { testDatabases } from '../support/databases.js'
import { createUser, NORBITON, TEST_PASSWORD, startTestApp, type TestApp, type TestUser } from '../support/test-app.js'

/**
 * The two commissioning journeys of issue 7, in Chromium with the keyboard alone (Tab to reach, type to fill,
 * Enter or Space to press), every page checked with axe: a provider bids (with a supporting document), and,
 * once the deadline has passed, a seated panel member reads that bid and scores it.
 */
const PDF = Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n')

describe('browser: commissioning journeys, keyboard only', { skip: browserSkip() }, () => {
  let t: TestApp
  let browser: Browser
  let base: string
  let wardId: number
  let processId: number
  let provider: TestUser
  let panel: TestUser
  const contexts: BrowserContext[] = []

  before(async () => {
    const [sqlite] = await testDatabases()
    t = await startTestApp(sqlite!, { DEMO_MODE: 'true' })
    const ward = (await findWardByCode(t.testDb.db, NORBITON))!
    wardId = ward.id
    await seedLedgerDemo(t.testDb.db, { wardId, wardName: ward.name, dialect: t.testDb.dialect })
    await seedDirectoryDemo(t.testDb.db, { wardId })
    const db = t.testDb.db
    // Demo accounts skip the second factor in demo mode, so the journeys sign in with a password alone.
    provider = await createUser(t, { role: 'provider', demo: true })
    panel = await createUser(t, { role: 'panel_member', demo: true })
    const kitchen = (await listOrganisations(db, [wardId])).find((o) => o.name === 'Demo: Norbiton Community Kitchen')!
    const at = new Date().toISOString()
    await db
      .insertInto('directory_org_user')
      .values({ organisation_id: kitchen.id, user_id: provider.id, created_at: at })
      .execute()
    // A seat on the community panel: drawn, invited and accepted (the role alone would not let them score).
    const v = await db
      .insertInto('panel_volunteer')
      .values({
        ward_id: wardId,
        pseudonym: `P-journey-${panel.id}`,
        user_id: panel.id,
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
        probabilities_hash: 'journey',
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
        status: 'accepted',
        interests: '',
        responded_at: at,
        created_at: at,
      })
      .execute()
    // An open opportunity with one criterion of its own besides the two every opportunity has.
    const fund = (await listFunds(db, wardId))[0]!
    const line = (await listPostings(db, fund.id)).find(
      (p) => p.account === 'allocated' && p.purpose === 'Demo: debt advice drop-in',
    )!
    const p = await db
      .insertInto('commissioning_process')
      .values({
        ward_id: wardId,
        title: 'Journey: debt advice',
        source_kind: 'need',
        source_text: 'Arrears',
        priority_option_id: null,
        fund_id: fund.id,
        pledge_id: line.pledgeId,
        theme: line.theme!,
        purpose: line.purpose!,
        opportunity_kind: 'contract',
        procedure: 'open',
        invited_json: '[]',
        deadline: new Date(Date.now() + 86_400_000).toISOString(),
        criteria_json: JSON.stringify([
          { key: 'quality', title: 'Quality', weight: 60 },
          { key: 'social-value', title: 'Social value', weight: 20 },
          { key: 'local-benefit', title: 'Local benefit', weight: 20 },
        ]),
        published_at: at,
        award_reason: '',
        is_demo: 0,
        created_by_user_id: null,
        created_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    processId = Number(p.id)
    await db
      .insertInto('commissioning_spec_version')
      .values({
        process_id: processId,
        version: 1,
        title: 'Journey: debt advice',
        outcomes: 'Fewer evictions',
        kpis_json: JSON.stringify([{ name: 'Residents helped', target: '150' }]),
        budget_pence: 900_000,
        duration_months: 12,
        equality_impact: 'Positive for carers',
        author_user_id: null,
        created_at: at,
      })
      .execute()
    await t.app.listen({ host: '127.0.0.1', port: 0 })
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
    browser = await launchChromium()
  })

  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined)
    await browser?.close()
    await t?.stop()
  })

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1024, height: 800 } })
    contexts.push(context)
    return context.newPage()
  }

  async function checkA11y(page: Page, label: string) {
    const r = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze()
    const report = r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
    assert.deepEqual(report, [], `axe on ${label} (${page.url()})`)
  }

  /** What has keyboard focus: enough to recognise the field, link or button reached by Tab. */
  const focused = (page: Page) =>
    page.evaluate<{ tag: string; id: string; text: string; type: string }>(`(() => {
      const el = document.activeElement
      return { tag: el ? el.tagName.toLowerCase() : '', id: el ? el.id : '', text: el ? (el.textContent || '').trim() : '',
        type: el && el.getAttribute('type') || '' }
    })()`)

  async function tabTo(page: Page, match: (f: { tag: string; id: string; text: string; type: string }) => boolean) {
    for (let i = 0; i < 80; i += 1) {
      await page.keyboard.press('Tab')
      if (match(await focused(page))) return
    }
    throw new Error(`Tab never reached the element wanted on ${page.url()}`)
  }
  const field = (id: string) => (f: { id: string }) => f.id === id
  const button = (text: string) => (f: { tag: string; text: string }) => f.tag === 'button' && f.text.startsWith(text)
  const link = (text: string) => (f: { tag: string; text: string }) => f.tag === 'a' && f.text === text

  /** Signs in from the sign-in page with the keyboard: Tab to each field, type, Enter. */
  async function signIn(page: Page, who: TestUser) {
    await page.goto(`${base}/sign-in`)
    await checkA11y(page, 'sign-in')
    await tabTo(page, field('email'))
    await page.keyboard.type(who.email)
    await tabTo(page, field('password'))
    await page.keyboard.type(TEST_PASSWORD)
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')])
  }

  async function pressAndWait(page: Page, key: 'Enter' | 'Space') {
    await Promise.all([page.waitForNavigation(), page.keyboard.press(key)])
  }

  test('a provider bids, with a supporting document, using only the keyboard', { timeout: 120_000 }, async () => {
    const page = await newPage()
    await signIn(page, provider)
    await page.goto(`${base}/wards/${NORBITON}/commissioning/${processId}`)
    await checkA11y(page, 'public opportunity')
    await tabTo(page, link('Your bid'))
    await pressAndWait(page, 'Enter')
    await checkA11y(page, 'bid form')

    await tabTo(page, field('price'))
    await page.keyboard.type('8750')
    for (const [id, text] of [
      ['answer-quality', 'Weekly drop-in at the library with two trained advisers.'],
      ['answer-social-value', 'We recruit advisers from the estate.'],
      ['answer-local-benefit', 'All sessions are held in Norbiton.'],
    ] as const) {
      await tabTo(page, field(id))
      await page.keyboard.type(text)
    }
    await tabTo(page, button('Save bid'))
    await pressAndWait(page, 'Enter')
    assert.match(await page.locator('main').innerText(), /Bid saved/)
    await checkA11y(page, 'bid saved')

    // The file input is opened with Space, as a keyboard user would; the chooser is answered with a PDF.
    await tabTo(page, field('document'))
    // Under load a headless Chromium now and then drops the first activation of a file input; a person would
    // press Space again, so the journey does too (at most three times, the input keeping focus throughout).
    let chooser: FileChooser | undefined
    for (let attempt = 0; attempt < 3 && !chooser; attempt++) {
      assert.equal(await page.evaluate<string>("document.activeElement?.id ?? ''"), 'document')
      chooser = await Promise.all([
        page.waitForEvent('filechooser', { timeout: 10_000 }).catch(() => undefined),
        page.keyboard.press('Space'),
      ]).then(([c]) => c)
    }
    assert.ok(chooser, 'Space on the focused file input opens the file chooser')
    await chooser.setFiles({ name: 'method-statement.pdf', mimeType: 'application/pdf', buffer: PDF })
    await tabTo(page, button('Upload document'))
    await pressAndWait(page, 'Enter')
    assert.match(await page.locator('main').innerText(), /method-statement\.pdf/)
    await checkA11y(page, 'bid with document')

    const bid = await t.testDb.db
      .selectFrom('commissioning_bid')
      .selectAll()
      .where('process_id', '=', processId)
      .executeTakeFirstOrThrow()
    assert.equal(Number(bid.price_pence), 875_000)
    const docs = await t.testDb.db
      .selectFrom('commissioning_bid_document')
      .selectAll()
      .where('bid_id', '=', bid.id)
      .execute()
    assert.equal(docs.length, 1)
  })

  test('after the deadline a panel member scores that bid using only the keyboard', { timeout: 120_000 }, async () => {
    await t.testDb.db
      .updateTable('commissioning_process')
      .set({ deadline: new Date(Date.now() - 1000).toISOString() })
      .where('id', '=', processId)
      .execute()
    const page = await newPage()
    await signIn(page, panel)
    await page.goto(`${base}/wards/${NORBITON}/commissioning/manage/${processId}`)
    await checkA11y(page, 'process for the panel')
    await tabTo(page, link('Demo: Norbiton Community Kitchen'))
    await pressAndWait(page, 'Enter')
    await checkA11y(page, 'bid for scoring')
    assert.match(await page.locator('main').innerText(), /method-statement\.pdf/)

    for (const [key, score] of [
      ['quality', '8'],
      ['social-value', '7'],
      ['local-benefit', '9'],
    ] as const) {
      await tabTo(page, field(`score-${key}`))
      await page.keyboard.type(score)
      await tabTo(page, field(`reason-${key}`))
      await page.keyboard.type(`Reason for ${key}.`)
    }
    await tabTo(page, button('Save'))
    await pressAndWait(page, 'Enter')
    await checkA11y(page, 'scores saved')

    const scores = await t.testDb.db
      .selectFrom('commissioning_score')
      .selectAll()
      .where('scorer_user_id', '=', panel.id)
      .orderBy('criterion')
      .execute()
    assert.deepEqual(
      scores.map((s) => [s.criterion, Number(s.score)]),
      [
        ['local-benefit', 9],
        ['quality', 8],
        ['social-value', 7],
      ],
    )
  })
})
