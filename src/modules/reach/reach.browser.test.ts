import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import type { Browser } from 'playwright-core'
import { DEMO_ACCOUNTS, DEMO_PASSWORD, seedDemo } from '../../cli/seed.js'
import { axeViolations, browserSkip, launchChromium } from '../../../test/support/browser.js'
import { testDatabases } from '../../../test/support/databases.js'
import { NORBITON, startTestApp, type TestApp } from '../../../test/support/test-app.js'

/**
 * The reach pages in a real browser, with the demo content: axe finds nothing, the map has a text alternative
 * (its title and description, a title per area, and the table beside it), and every area on the map can be reached
 * and followed with the keyboard alone.
 */
describe('reach pages in a browser', { skip: browserSkip() }, () => {
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

  test('the public reach page: axe-clean, the map described, every area reachable by keyboard', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${base}/wards/${NORBITON}/reach`)
    assert.deepEqual(await axeViolations(page), [])
    const map = page.locator('svg[aria-labelledby="reach-map-title"]')
    assert.equal(await map.getAttribute('role'), 'group')
    assert.match((await page.locator('#reach-map-title').textContent()) ?? '', /Map of people heard/)
    assert.match((await page.locator('#reach-map-desc').textContent()) ?? '', /table/)
    const areas = await page.locator('svg a[href^="#area-"]').count()
    assert.equal(areas, 6)
    assert.equal(await page.locator('svg a[href^="#area-"] path title').count(), 6)

    // Tab from the top of the page until the focus has visited every area of the map.
    const visited = new Set<string>()
    for (let i = 0; i < 80 && visited.size < areas; i++) {
      await page.keyboard.press('Tab')
      const href = (await page.evaluate('document.activeElement && document.activeElement.getAttribute("href")')) as
        string | null
      if (href?.startsWith('#area-')) visited.add(href)
    }
    assert.equal(visited.size, 6, `areas reached by Tab: ${[...visited].join(', ')}`)
    // Enter on a focused area follows its link to the table row.
    const last = [...visited].pop()!
    // The browser follows a same-page link after the key event returns, so wait for the address to change
    // rather than read it at once (reading it at once failed once in CI).
    await page.keyboard.press('Enter')
    await page
      .waitForFunction(`location.hash === ${JSON.stringify(last)}`, undefined, { timeout: 5000 })
      .catch(() => null)
    assert.ok(page.url().endsWith(last), page.url())
    await context.close()
  })

  test('the officer’s reach page, with the progress charts, is axe-clean', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${base}/sign-in`)
    await page.fill('#email', DEMO_ACCOUNTS.find((a) => a.role === 'officer')!.email)
    await page.fill('#password', DEMO_PASSWORD)
    await Promise.all([page.waitForNavigation(), page.click('form[action="/sign-in"] button[type=submit]')])
    for (const url of ['/reach/officer', '/reach/next', '/reach/venues', '/reach/eia', '/reach/eia/new']) {
      await page.goto(`${base}/wards/${NORBITON}${url}`)
      assert.deepEqual(await axeViolations(page), [], url)
    }
    await page.goto(`${base}/wards/${NORBITON}/reach/officer`)
    assert.equal(await page.locator('svg[role="img"] title').count(), 2)
    await context.close()
  })
})
