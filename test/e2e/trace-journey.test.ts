import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { seedDemo } from '../../src/cli/seed.js'
import { unsubscribeUrl } from '../../src/modules/notifications/index.js'
import { axeViolations, browserSkip, launchChromium } from '../support/browser.js'
import { testDatabases } from '../support/databases.js'
import { createUser, NORBITON, startTestApp, TEST_PASSWORD, type TestApp, type TestUser } from '../support/test-app.js'

/**
 * Issue 9 check: "a resident follows 'what happened to what I said' from a response to a live service; axe-clean".
 * In Chromium, on the demo programme: answer the conversation, open the account, follow the chain to the service.
 */
describe('browser: what happened to what I said', { skip: browserSkip() }, () => {
  let t: TestApp
  let browser: Browser
  let base: string
  let resident: TestUser

  before(async () => {
    const [sqlite] = await testDatabases()
    t = await startTestApp(sqlite!, { DEMO_MODE: 'true' })
    const council = await t.testDb.db.selectFrom('tenancy_council').select('id').executeTakeFirstOrThrow()
    await seedDemo(t.testDb.db, t.tenant, Number(council.id), 10)
    await t.app.listen({ host: '127.0.0.1', port: 0 })
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
    resident = await createUser(t)
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await t?.stop()
  })

  async function axeClean(page: Page, label: string): Promise<void> {
    assert.deepEqual(await axeViolations(page), [], `axe violations on ${label} (${page.url()})`)
  }

  /** The page's main form's first button (the primary action, as GOV.UK pages put it first). */
  const submit = (page: Page) =>
    Promise.all([page.waitForNavigation(), page.locator('main form .govuk-button').first().click()])

  test('a resident answers, then follows their response through theme and contract to the running service', async () => {
    const page = await (await browser.newContext()).newPage()
    await page.goto(`${base}/sign-in`)
    await page.fill('#email', resident.email)
    await page.fill('#password', TEST_PASSWORD)
    await Promise.all([page.waitForNavigation(), page.click('form[action="/sign-in"] button[type=submit]')])

    const consultation = `${base}/wards/${NORBITON}/consultations/1`
    await page.goto(consultation)
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Start now' }).click()])
    await page.fill('#postcode', 'KT2 7AA')
    await submit(page)
    await page.locator('input[value="employment-and-skills"]').check()
    await submit(page)
    // The other questions are optional: continue past them to the check page, then send.
    for (let i = 0; i < 6 && !page.url().endsWith('/check'); i += 1) await submit(page)
    assert.ok(page.url().endsWith('/check'), page.url())
    await submit(page)
    assert.match(await page.locator('main').innerText(), /R\d{6}/)

    await page.goto(`${base}/account`)
    await Promise.all([
      page.waitForNavigation(),
      page.getByRole('link', { name: 'What happened to what I said' }).click(),
    ])
    await axeClean(page, 'what happened to what I said')
    const card = page.locator('.govuk-summary-card', { hasText: 'Your response: One Norbiton community conversation' })
    assert.match(await card.innerText(), /Employment and Skills/)
    assert.match(await card.innerText(), /Contract signed/)
    await Promise.all([
      page.waitForNavigation(),
      card.getByRole('link', { name: 'Demo: Local jobs fair' }).last().click(),
    ])
    assert.match(page.url(), new RegExp(`/wards/${NORBITON}/delivery/services/\\d+$`))
    assert.match(await page.locator('h1').innerText(), /Local jobs fair/)
    await axeClean(page, 'the service the response led to')
    await page.context().close()
  })

  test('the public page, the email choices and the unsubscribe confirmation are axe-clean', async () => {
    const anon = await (await browser.newContext()).newPage()
    await anon.goto(`${base}/wards/${NORBITON}/you-said-we-did`)
    await axeClean(anon, 'you said, we did')
    const link = new URL(unsubscribeUrl({ config: t.config, tenant: t.tenant }, resident.id, 'outcomes'))
    await anon.goto(`${base}${link.pathname}`)
    await axeClean(anon, 'unsubscribe confirmation')
    await Promise.all([anon.waitForNavigation(), anon.getByRole('button', { name: 'Stop these emails' }).click()])
    assert.match(await anon.locator('h1').innerText(), /You will not get these emails any more/)
    await axeClean(anon, 'unsubscribed')
    await anon.context().close()

    const page = await (await browser.newContext()).newPage()
    await page.goto(`${base}/sign-in`)
    await page.fill('#email', resident.email)
    await page.fill('#password', TEST_PASSWORD)
    await Promise.all([page.waitForNavigation(), page.click('form[action="/sign-in"] button[type=submit]')])
    await page.goto(`${base}/account/notifications`)
    await axeClean(page, 'email choices')
    assert.equal(await page.locator('input[value="outcomes"]').isChecked(), false)
    await page.locator('input[value="outcomes"]').check()
    await submit(page)
    assert.equal(await page.locator('input[value="outcomes"]').isChecked(), true)
    // The error summary state is accessible too.
    await page.evaluate(`document.querySelector('input[value="outcomes"]').value = 'nonsense'`)
    await submit(page)
    assert.equal(await page.locator('.govuk-error-summary').count(), 1)
    await axeClean(page, 'email choices with an error')
    await page.context().close()
  })
})
