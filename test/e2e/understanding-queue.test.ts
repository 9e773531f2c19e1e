import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { seedEngagement } from '../../src/modules/engagement/index.js'
import { seedUnderstandingDemo } from '../../src/modules/understanding/index.js'
import { findWardByCode } from '../../src/platform/tenancy/index.js'
import { axeViolations, browserSkip, launchChromium } from '../support/browser.js'
import { testDatabases } from '../support/databases.js'
import { createUser, NORBITON, startTestApp, type TestApp } from '../support/test-app.js'

/**
 * The coding queue done with the keyboard alone: the first theme has focus on arrival, Space ticks it, Tab reaches
 * the button with a visible focus indicator, Enter saves and the next answer arrives. An empty choice gives an error
 * summary. Each state is checked with axe.
 */
describe('browser: coding queue by keyboard only', { skip: browserSkip() }, () => {
  let t: TestApp
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let base: string
  let officerId: number

  before(async () => {
    const [sqlite] = await testDatabases()
    t = await startTestApp(sqlite!, { DEMO_MODE: 'true' })
    const db = t.testDb.db
    const wardId = (await findWardByCode(db, NORBITON))!.id
    await seedEngagement(db, t.tenant, wardId, { demo: true })
    const officer = await createUser(t, { role: 'officer', demo: true })
    const second = await createUser(t, { role: 'officer', demo: true })
    officerId = officer.id
    const emailOf = async (id: number) =>
      (await db.selectFrom('accounts_user').select('email').where('id', '=', id).executeTakeFirstOrThrow()).email
    await seedUnderstandingDemo(db, {
      wardId,
      officerEmail: await emailOf(second.id),
      secondCoderEmail: await emailOf(second.id),
    })
    await t.app.listen({ host: '127.0.0.1', port: 0 })
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
    browser = await launchChromium()
    context = await browser.newContext({ viewport: { width: 1024, height: 800 } })
    // Signed in with the second factor done, as the unit tests do: this journey is about the queue, not sign-in.
    const { cookieValue } = await t.sessions.store.create({ userId: officer.id, mfaVerified: true })
    await context.addCookies([{ name: 'wt_session', value: cookieValue, url: base }])
    page = await context.newPage()
  })
  after(async () => {
    await context?.close().catch(() => undefined)
    await browser?.close()
    await t?.stop()
  })

  const focused = () =>
    page.evaluate<{ tag: string; type: string; name: string; value: string; text: string; visible: boolean }>(`(() => {
      const el = document.activeElement
      if (!el || el === document.body) return { tag: 'body', type: '', name: '', value: '', text: '', visible: false }
      const s = getComputedStyle(el)
      const r = el.getBoundingClientRect()
      // A GOV.UK checkbox draws its focus ring on the label's ::after; a button uses outline and box-shadow.
      const indicator = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none'
      return {
        tag: el.tagName.toLowerCase(), type: el.getAttribute('type') || '', name: el.getAttribute('name') || '',
        value: el.getAttribute('value') || '', text: (el.textContent || '').trim(),
        visible: el.matches(':focus-visible') && (indicator || el.getAttribute('type') === 'checkbox') && r.width > 0,
      }
    })()`)

  async function tabTo(match: (f: Awaited<ReturnType<typeof focused>>) => boolean, what: string, max = 40) {
    for (let i = 0; i < max; i += 1) {
      await page.keyboard.press('Tab')
      const f = await focused()
      if (match(f)) return f
    }
    throw new Error(`pressed Tab ${max} times without reaching ${what}`)
  }

  const codings = async () =>
    t.testDb.db
      .selectFrom('understanding_coding')
      .select(['item_ref', 'theme_ids_json', 'is_other'])
      .where('coder_user_id', '=', officerId)
      .orderBy('id')
      .execute()

  const shownRef = () => page.locator('input[name="itemRef"]').getAttribute('value')

  test('code two answers and recover from an empty choice without a mouse; axe-clean throughout', async () => {
    const res = await page.goto(`${base}/wards/${NORBITON}/understanding/queue`)
    assert.equal(res?.status(), 200)
    assert.deepEqual(await axeViolations(page), [])
    const first = await shownRef()
    assert.ok(first)

    // Arrival: the first theme checkbox has focus (autofocus), so coding starts with no Tab at all.
    const start = await focused()
    assert.equal(start.tag, 'input')
    assert.equal(start.name, 'themes')
    await page.keyboard.press('Space')
    assert.ok(await page.locator('input[name="themes"]').first().isChecked())
    const button = await tabTo((f) => f.tag === 'button', 'the save button')
    assert.ok(button.visible, 'the save button shows no visible focus indicator')
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')])
    const after1 = await codings()
    assert.equal(after1.length, 1)
    assert.equal(after1[0]!.item_ref, first)
    assert.equal(after1[0]!.is_other, 0)
    const second = await shownRef()
    assert.notEqual(second, first)

    // Submitting nothing: an error summary, nothing saved, still axe-clean.
    await tabTo((f) => f.tag === 'button', 'the save button')
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')])
    await page.locator('.govuk-error-summary').waitFor()
    assert.equal((await codings()).length, 1)
    assert.deepEqual(await axeViolations(page), [])
    assert.equal(await shownRef(), second)

    // "None of these themes" reached by Tab, ticked with Space, saved with Enter.
    await page.locator('input[name="themes"]').first().focus()
    const other = await tabTo((f) => f.name === 'themes' && f.value === 'other', '"None of these themes"')
    assert.ok(other.visible)
    await page.keyboard.press('Space')
    await tabTo((f) => f.tag === 'button', 'the save button')
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')])
    const after2 = await codings()
    assert.equal(after2.length, 2)
    assert.equal(after2[1]!.item_ref, second)
    assert.equal(after2[1]!.is_other, 1)
    assert.deepEqual(await axeViolations(page), [])
  })
})
