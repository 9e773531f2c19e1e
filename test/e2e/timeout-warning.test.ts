import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import type { Browser } from 'playwright-core'
import { axeViolations, browserSkip, launchChromium } from '../support/browser.js'
import { testDatabases } from '../support/databases.js'
import { createUser, startTestApp, type TestApp } from '../support/test-app.js'

/**
 * The GOV.UK timeout warning: with a 2-minute idle timeout the dialog opens (here after its 10-second
 * floor), is accessible, takes focus, and "Stay signed in" extends the session on the server.
 */
describe('session timeout warning', { skip: browserSkip() }, () => {
  let t: TestApp
  let browser: Browser
  let base: string
  before(async () => {
    const [sqlite] = await testDatabases()
    t = await startTestApp(sqlite!, { SESSION_IDLE_MINUTES: '2' })
    await t.app.listen({ host: '127.0.0.1', port: 0 })
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await t?.stop()
  })

  test('warns before the idle timeout and "Stay signed in" keeps the session', { timeout: 60_000 }, async () => {
    const user = await createUser(t)
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${base}/sign-in`)
    await page.fill('#email', user.email)
    await page.fill('#password', user.password)
    await page.click('button[type=submit]:has-text("Sign in")')
    await page.waitForURL(`${base}/`)
    const dialog = page.locator('#timeout-dialog')
    await dialog.waitFor({ state: 'visible', timeout: 20_000 })
    assert.equal(
      await page.locator(':focus').getAttribute('data-timeout-action'),
      'stay',
      'focus moves into the dialog',
    )
    assert.deepEqual(await axeViolations(page), [])
    const before = await t.testDb.db
      .selectFrom('http_session')
      .select('last_seen_at')
      .where('user_id', '=', user.id)
      .executeTakeFirstOrThrow()
    await new Promise((r) => setTimeout(r, 20))
    const keepAlive = page.waitForResponse((r) => r.url().endsWith('/session/keep-alive'))
    await page.keyboard.press('Enter')
    assert.equal((await keepAlive).status(), 204)
    await dialog.waitFor({ state: 'hidden' })
    const after = await t.testDb.db
      .selectFrom('http_session')
      .select('last_seen_at')
      .where('user_id', '=', user.id)
      .executeTakeFirstOrThrow()
    assert.ok(after.last_seen_at > before.last_seen_at, 'the server-side session was extended')
    await context.close()
  })
})
