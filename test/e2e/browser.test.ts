import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { AxeBuilder } from '@axe-core/playwright'
import { AXE_TAGS, CHROMIUM, launchChromium } from '../support/browser.js'
import { testDatabases } from '../support/databases.js'
import { createUser, startTestApp, NORBITON, TEST_PASSWORD, type TestApp, type TestUser } from '../support/test-app.js'

/**
 * Real-browser checks: the pages people use, driven through Chromium, each one checked with axe
 * (WCAG 2.2 AA rule set), one journey done with the keyboard alone and one with JavaScript off.
 */
const SHOTS = '/tmp/shots'
const WIDTHS = [1024, 375]
const onCi = process.env.CI === 'true'

/** The element with keyboard focus, and whether it shows a visible focus indicator. */
interface Focus {
  tag: string
  id: string
  text: string
  href: string
  inNav: boolean
  visible: boolean
}

const skip = !existsSync(CHROMIUM) && !onCi ? `Chromium not found at ${CHROMIUM}` : false

describe('browser: pages, journeys and accessibility', { skip }, () => {
  let t: TestApp
  let browser: Browser
  let base: string
  let admin: TestUser
  const contexts: BrowserContext[] = []

  before(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is required on CI but ${CHROMIUM} is missing`)
    const sqlite = (await testDatabases()).find((d) => d.dialect === 'sqlite')
    if (!sqlite) throw new Error('no SQLite test database')
    t = await startTestApp(sqlite, { DEMO_MODE: 'true' })
    await t.app.listen({ host: '127.0.0.1', port: 0 })
    const address = t.app.server.address() as AddressInfo
    base = `http://127.0.0.1:${address.port}`
    admin = await createUser(t, { role: 'admin', demo: true })
    mkdirSync(SHOTS, { recursive: true })
    browser = await launchChromium()
  })

  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined)
    await browser?.close()
    await t?.stop()
  })

  async function newPage(options: { javaScriptEnabled?: boolean } = {}): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1024, height: 800 }, ...options })
    contexts.push(context)
    return context.newPage()
  }

  /** Runs axe on the page as it is now and fails listing every violation, where and how to fix it. */
  async function checkA11y(page: Page, label: string): Promise<void> {
    // Legacy mode runs axe in the page itself rather than opening a blank page per check: these pages have no frames.
    const results = await new AxeBuilder({ page })
      .options({ resultTypes: ['violations'] }) // before withTags: options() replaces runOnly
      .withTags(AXE_TAGS)
      .setLegacyMode(true)
      .analyze()
    const report = results.violations
      .map(
        (v) =>
          `  - ${v.id} (${v.impact ?? 'n/a'}): ${v.help}\n${v.nodes.map((n) => `      at ${n.target.join(' ')}`).join('\n')}`,
      )
      .join('\n')
    assert.equal(results.violations.length, 0, `axe found violations on ${label} (${page.url()}):\n${report}`)
    assert.ok(results.passes.length > 10, `axe checked too little on ${label}: is the page empty?`)
  }

  /**
   * axe cannot run in a page with JavaScript switched off (its timers never fire), so the no-JS page's
   * DOM, scripts removed, is served at the same address to a scripted page and checked there.
   */
  let auditor: { page: Page; target: string; html: string } | undefined
  async function checkA11yWithoutScripts(page: Page, label: string): Promise<void> {
    const html = (await page.content()).replace(/<script\b[\s\S]*?<\/script>/gi, '')
    if (!auditor) {
      const state = { page: await newPage(), target: '', html: '' }
      await state.page.route(
        (url) => url.href === state.target,
        (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: state.html }),
      )
      auditor = state
    }
    auditor.target = page.url()
    auditor.html = html
    await auditor.page.goto(auditor.target)
    assert.equal(await auditor.page.locator('script').count(), 0)
    await checkA11y(auditor.page, `${label}, as served without JavaScript`)
  }

  async function shoot(page: Page, name: string): Promise<void> {
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 800 })
      await page.screenshot({ path: `${SHOTS}/${name}-${width}.png`, fullPage: true })
      // Reflow (WCAG 1.4.10): nothing may make the whole page scroll sideways, even at 375px (320 CSS px at 117%).
      const scrollWidth = await page.evaluate<number>('document.documentElement.scrollWidth')
      assert.ok(
        scrollWidth <= width,
        `${name} is ${scrollWidth}px wide at a ${width}px viewport: the page scrolls sideways`,
      )
    }
    await page.setViewportSize({ width: 1024, height: 800 })
  }

  async function visit(page: Page, path: string, label: string, expectedStatus = 200): Promise<void> {
    const res = await page.goto(`${base}${path}`)
    if (res?.status() !== expectedStatus) {
      const text = (
        await page
          .locator('main')
          .innerText()
          .catch(() => '')
      ).slice(0, 300)
      assert.fail(`${label}: ${path} answered ${res?.status()}, expected ${expectedStatus}: ${text}`)
    }
    await checkA11y(page, label)
  }

  async function focused(page: Page): Promise<Focus> {
    return page.evaluate<Focus>(`(() => {
      const el = document.activeElement
      if (!el || el === document.body) return { tag: 'body', id: '', text: '', href: '', inNav: false, visible: false }
      const s = getComputedStyle(el)
      const r = el.getBoundingClientRect()
      const indicator = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none'
      return {
        tag: el.tagName.toLowerCase(),
        id: el.id,
        text: (el.textContent || '').trim(),
        href: el.getAttribute('href') || '',
        inNav: Boolean(el.closest('nav')),
        visible: indicator && el.matches(':focus-visible') && r.width > 1 && r.height > 1,
      }
    })()`)
  }

  async function tabTo(page: Page, match: (f: Focus) => boolean, what: string, max = 40) {
    for (let i = 0; i < max; i += 1) {
      await page.keyboard.press('Tab')
      const f = await focused(page)
      if (match(f)) return f
    }
    throw new Error(`pressed Tab ${max} times without reaching ${what}`)
  }

  test('public pages render and pass axe', async () => {
    const page = await newPage()
    await visit(page, '/', 'home page')
    assert.match(await page.locator('h1').innerText(), /Norbiton/)
    await shoot(page, 'home')

    await visit(page, '/wards', 'wards list')
    await shoot(page, 'wards')

    await visit(page, `/wards/${NORBITON}`, 'Norbiton ward page')
    assert.match(await page.locator('h1').innerText(), /Norbiton/)
    await shoot(page, 'ward')

    for (const [path, name] of [
      ['/accessibility', 'accessibility'],
      ['/privacy', 'privacy'],
      ['/cookies', 'cookies'],
      ['/feedback', 'feedback'],
    ] as const) {
      await visit(page, path, `${name} page`)
      await shoot(page, name)
    }

    await visit(page, '/no-such-page', 'not found page', 404)
    await shoot(page, 'not-found')
  })

  let registered: { email: string; password: string; name: string } | undefined
  let registeredPage: Page | undefined

  test('register: empty submit shows a focused error summary, then a fixed form creates the account', async () => {
    const page = await newPage()
    await visit(page, '/register', 'register page')
    await shoot(page, 'register')

    await page.getByRole('button', { name: 'Create account' }).click()
    await page.waitForURL(`${base}/register`)
    const summary = page.locator('.govuk-error-summary')
    await summary.waitFor()
    assert.match(await summary.innerText(), /There is a problem/)
    assert.ok((await page.title()).startsWith('Error:'), 'page title starts with Error:')
    // GOV.UK Frontend moves focus to the summary so screen reader users hear it first.
    await page.waitForFunction(
      'document.activeElement && document.activeElement.classList.contains("govuk-error-summary")',
    )
    assert.ok((await page.locator('.govuk-error-message').count()) >= 4, 'each empty field has its own message')
    await checkA11y(page, 'register page with errors')
    await shoot(page, 'register-errors')

    // An error summary link moves focus to its field.
    await summary.locator('a').first().click()
    assert.equal((await focused(page)).id, 'fullName')

    const email = `browser-${Date.now()}@test.example`
    registered = { email, password: 'a long enough password', name: 'Browser Person' }
    await page.locator('#fullName').fill(registered.name)
    await page.locator('#email').fill(email)
    await page.locator('#postcode').fill('KT2 7AA')
    await page.locator('#password').fill(registered.password)
    await page.locator('#passwordConfirm').fill(registered.password)
    await page.getByRole('button', { name: 'Create account' }).click()
    await page.waitForURL(`${base}/account`)
    assert.match(await page.locator('.govuk-notification-banner').innerText(), /Your account has been created/)
    await checkA11y(page, 'account page after registering')
    await shoot(page, 'account')
    registeredPage = page
  })

  test('sign out from the header, then sign in again (including a wrong password)', async () => {
    assert.ok(registered && registeredPage, 'registration ran')
    const page = registeredPage
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.waitForURL(`${base}/?signedOut=1`)
    assert.match(await page.getByRole('status').innerText(), /You have been signed out/)
    assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0)
    await checkA11y(page, 'home page after signing out')

    await visit(page, '/sign-in', 'sign-in page')
    await shoot(page, 'sign-in')
    await page.locator('#email').fill(registered.email)
    await page.locator('#password').fill('not the password')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.locator('.govuk-error-summary').waitFor()
    await checkA11y(page, 'sign-in page with a wrong password')
    await shoot(page, 'sign-in-errors')

    await page.locator('#password').fill(registered.password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL(`${base}/`)
    assert.match(await page.locator('.app-account-bar').innerText(), new RegExp(`Signed in as ${registered.name}`))
    await checkA11y(page, 'home page signed in')
  })

  test('a demo admin signs in and uses the administration pages', async () => {
    const page = await newPage()
    await visit(page, '/sign-in', 'sign-in page (admin)')
    await page.locator('#email').fill(admin.email)
    await page.locator('#password').fill(TEST_PASSWORD)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL(`${base}/account`)
    await checkA11y(page, 'admin account page')

    await page.getByRole('link', { name: 'Administration' }).click()
    await page.waitForURL(`${base}/admin`)
    await checkA11y(page, 'admin dashboard')
    await shoot(page, 'admin')

    await visit(page, '/admin/users', 'admin users')
    await shoot(page, 'admin-users')
    await visit(page, '/admin/users?q=person', 'admin users search')
    await visit(page, `/admin/users/${admin.id}`, 'admin user page')
    await shoot(page, 'admin-user')
    await visit(page, '/admin/audit', 'admin audit log')
    await shoot(page, 'admin-audit')
    await visit(page, `/admin/wards/${NORBITON}`, 'admin ward page')
    await shoot(page, 'admin-ward')
  })

  test('feedback: an empty submit shows errors, a rating is accepted', async () => {
    const page = await newPage()
    await visit(page, '/feedback', 'feedback page')
    await page.getByRole('button', { name: 'Send feedback' }).click()
    await page.locator('.govuk-error-summary').waitFor()
    await checkA11y(page, 'feedback page with errors')
    await shoot(page, 'feedback-errors')

    await page.locator('input[name="rating"]').first().check()
    await page.locator('#comments').fill('Clear and quick to use.')
    await page.getByRole('button', { name: 'Send feedback' }).click()
    await page.waitForURL(/\/feedback\/thank-you/)
    assert.match(await page.locator('h1').innerText(), /Thank you/)
    await checkA11y(page, 'feedback thank-you page')
    await shoot(page, 'feedback-done')
  })

  test('keyboard only: skip link, navigation and signing in', async () => {
    const person = await createUser(t)
    const page = await newPage()
    await visit(page, '/', 'home page (keyboard)')

    await page.keyboard.press('Tab')
    const skipLink = await focused(page)
    assert.equal(skipLink.text, 'Skip to main content', 'first Tab reaches the skip link')
    assert.ok(skipLink.visible, 'the skip link is visible when focused')

    const signInLink = await tabTo(
      page,
      (f) => f.inNav && f.tag === 'a' && f.href === '/sign-in' && f.text === 'Sign in',
      'the Sign in link in the navigation',
    )
    assert.ok(signInLink.visible, 'the Sign in link shows focus')
    // Shift+Tab goes back one stop and Tab returns to the same link.
    await page.keyboard.press('Shift+Tab')
    assert.notEqual((await focused(page)).href, '/sign-in')
    await page.keyboard.press('Tab')
    assert.equal((await focused(page)).href, '/sign-in')
    await page.keyboard.press('Enter')
    await page.waitForURL(`${base}/sign-in`)
    await checkA11y(page, 'sign-in page (keyboard)')

    const emailField = await tabTo(page, (f) => f.id === 'email', 'the email field')
    assert.ok(emailField.visible, 'the email field shows focus')
    await page.keyboard.type(person.email)
    await page.keyboard.press('Tab')
    const passwordField = await focused(page)
    assert.equal(passwordField.id, 'password')
    assert.ok(passwordField.visible, 'the password field shows focus')
    await page.keyboard.type(person.password)
    await page.keyboard.press('Enter')
    await page.waitForURL(`${base}/`)
    assert.match(await page.locator('.app-account-bar').innerText(), /Signed in as/)
    await checkA11y(page, 'home page signed in (keyboard)')

    // Reach the Sign out button with the keyboard and press it with Space.
    const signOut = await tabTo(page, (f) => f.tag === 'button' && f.text === 'Sign out', 'the Sign out button')
    assert.ok(signOut.visible, 'the Sign out button shows focus')
    await page.keyboard.press('Space')
    await page.waitForURL(`${base}/?signedOut=1`)
    await checkA11y(page, 'home page signed out (keyboard)')
  })

  test('without JavaScript: register (with an error first), sign out and sign in still work', async () => {
    const page = await newPage({ javaScriptEnabled: false })
    const go = async (path: string, label: string) => {
      const res = await page.goto(`${base}${path}`)
      assert.equal(res?.status(), 200, `${label}: status`)
      await checkA11yWithoutScripts(page, label)
    }
    await go('/register', 'register page (no JS)')
    await page.getByRole('button', { name: 'Create account' }).click()
    await page.locator('.govuk-error-summary').waitFor()
    await checkA11yWithoutScripts(page, 'register page with errors (no JS)')
    await shoot(page, 'register-errors-nojs')

    const email = `nojs-${Date.now()}@test.example`
    await page.locator('#fullName').fill('No Script Person')
    await page.locator('#email').fill(email)
    await page.locator('#postcode').fill('KT2 7AA')
    await page.locator('#password').fill('another long password')
    await page.locator('#passwordConfirm').fill('another long password')
    await page.getByRole('button', { name: 'Create account' }).click()
    await page.waitForURL(`${base}/account`)
    assert.match(await page.locator('.govuk-notification-banner').innerText(), /Your account has been created/)
    await checkA11yWithoutScripts(page, 'account page (no JS)')
    await shoot(page, 'account-nojs')

    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.waitForURL(`${base}/?signedOut=1`)
    await checkA11yWithoutScripts(page, 'home page signed out (no JS)')
    await go('/sign-in', 'sign-in page (no JS)')
    await page.locator('#email').fill(email)
    await page.locator('#password').fill('another long password')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL(`${base}/`)
    assert.match(await page.locator('.app-account-bar').innerText(), /Signed in as No Script Person/)
    await checkA11yWithoutScripts(page, 'home page signed in (no JS)')
  })
})
