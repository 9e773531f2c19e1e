import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { DEMO_PASSWORD, seedDemo } from '../../src/cli/seed.js'
import { axeViolations, browserSkip, launchChromium } from '../support/browser.js'
import { testDatabases } from '../support/databases.js'
import { NORBITON, startTestApp, type TestApp } from '../support/test-app.js'

/**
 * Issue 3's browser checks on the seeded "One Norbiton community conversation": a resident answers it end to end
 * on a phone-sized viewport, another with the keyboard alone, and a volunteer enters ten paper responses through
 * the fast entry screen. Every page on the way is checked with axe (WCAG 2.2 AA); nothing may scroll sideways.
 */
describe('listen: browser journeys', { skip: browserSkip() }, () => {
  let t: TestApp
  let browser: Browser
  let base: string
  let consultation: string

  before(async () => {
    const [sqlite] = await testDatabases()
    t = await startTestApp(sqlite!, { DEMO_MODE: 'true' })
    const council = await t.testDb.db.selectFrom('tenancy_council').select('id').executeTakeFirstOrThrow()
    await seedDemo(t.testDb.db, t.tenant, Number(council.id), 10)
    await t.app.listen({ host: '127.0.0.1', port: 0 })
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
    const c = await t.testDb.db
      .selectFrom('engagement_consultation')
      .select('id')
      .where('is_demo', '=', 1)
      .executeTakeFirstOrThrow()
    consultation = `/wards/${NORBITON}/consultations/${c.id}`
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await t?.stop()
  })

  async function check(page: Page, label: string) {
    assert.deepEqual(await axeViolations(page), [], `axe on ${label} (${page.url()})`)
    const { scroll, width } = await page.evaluate<{ scroll: number; width: number }>(
      '({ scroll: document.documentElement.scrollWidth, width: window.innerWidth })',
    )
    assert.ok(scroll <= width, `${label} scrolls sideways: ${scroll}px in a ${width}px viewport`)
  }

  const responses = async (channel: 'online' | 'paper') =>
    Number(
      (
        await t.testDb.db
          .selectFrom('engagement_response')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('channel', '=', channel)
          .executeTakeFirstOrThrow()
      ).n,
    )

  test('a resident without an account answers on a 375 px phone screen', { timeout: 120_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true })
    const page = await context.newPage()
    const before = await responses('online')
    await page.goto(`${base}/`)
    await check(page, 'home page')
    await page
      .getByRole('link', { name: 'See open conversations' })
      .or(page.locator(`a[href$="/consultations"]`))
      .first()
      .click()
    await check(page, 'consultations list')
    await page.locator(`a[href="${consultation}"]`).first().click()
    await check(page, 'consultation start page')
    await page.getByRole('button', { name: 'Start now' }).click()
    await check(page, 'postcode page')
    await page.getByRole('button', { name: 'Continue' }).click()
    assert.equal(await page.locator('.govuk-error-summary').count(), 1, 'an empty postcode is an error')
    await check(page, 'postcode page with an error')
    await page.fill('#postcode', 'kt2 7aa')
    await page.getByRole('button', { name: 'Continue' }).click()
    // Question 1: which themes matter most (required).
    await check(page, 'question 1')
    await page.getByLabel('Financial Support').check()
    await page.getByLabel('Family and Life Chances').check()
    await page.getByRole('button', { name: 'Continue' }).click()
    await check(page, 'question 2')
    await page.locator('textarea[name="answer"]').fill('A youth club open in the evenings.')
    await page.getByRole('button', { name: 'Continue' }).click()
    await check(page, 'question 3')
    await page.getByLabel('4', { exact: true }).check()
    await page.getByRole('button', { name: 'Continue' }).click()
    await check(page, 'question 4')
    await page.getByLabel('Email').check()
    await page.getByRole('button', { name: 'Continue' }).click()
    // Question 5: a ranking, one select per place.
    await check(page, 'question 5 (ranking)')
    const selects = page.locator('select[name="answer"]')
    assert.equal(await selects.count(), 4)
    const order = [
      'Advice on money and debt',
      'Help finding work',
      'Childcare and family support',
      'Safer, better-lit streets',
    ]
    for (const [i, o] of order.entries()) await selects.nth(i).selectOption(o)
    await page.getByRole('button', { name: 'Continue' }).click()
    // Question 6: a place. A tap on the middle of the ward map places a pin (no JavaScript involved).
    await check(page, 'question 6 (place)')
    await page.locator('input[type="image"][name="pin"]').click()
    await check(page, 'question 6 with a pin')
    assert.match(await page.locator('main').innerText(), /Pin placed at/)
    await page.getByRole('button', { name: 'Continue' }).click()
    // The optional "hear what happens" question: an address is asked for only alongside a yes.
    await check(page, 'hear what happens')
    await page.getByRole('button', { name: 'Continue' }).click()
    await check(page, 'check your answers')
    const summary = await page.locator('main').innerText()
    assert.match(summary, /KT2 7AA/)
    assert.match(summary, /1\. Advice on money and debt/)
    await page.getByRole('button', { name: 'Send answers' }).click()
    await check(page, 'confirmation')
    assert.match(await page.locator('main').innerText(), /R\d{6}/)
    assert.equal(await responses('online'), before + 1)
    await context.close()
  })

  test('a resident answers with the keyboard alone', { timeout: 120_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1024, height: 800 } })
    const page = await context.newPage()
    const before = await responses('online')
    /** Presses Tab until the focused element matches, as a keyboard user would. */
    const tabTo = async (selector: string, max = 60) => {
      for (let i = 0; i < max; i++) {
        await page.keyboard.press('Tab')
        if (await page.evaluate<boolean>(`document.activeElement?.matches(${JSON.stringify(selector)}) ?? false`))
          return
      }
      throw new Error(`Tab never reached ${selector} on ${page.url()}`)
    }
    const submitWith = async (key: 'Enter' | 'Space') => {
      await tabTo('button.govuk-button:not(.govuk-button--secondary)')
      await Promise.all([page.waitForNavigation(), page.keyboard.press(key)])
    }
    await page.goto(`${base}${consultation}`)
    await tabTo('a.govuk-button--start')
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')])
    await tabTo('#postcode')
    await page.keyboard.type('KT2 7AA')
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')])
    // Themes: Space ticks a focused checkbox.
    await tabTo('input[value="employment-and-skills"]')
    await page.keyboard.press('Space')
    await check(page, 'question 1 (keyboard)')
    await submitWith('Enter')
    await tabTo('textarea[name="answer"]')
    await page.keyboard.type('Evening classes in English.')
    await submitWith('Space')
    // Rating: arrow keys move through a radio group.
    await tabTo('input[name="answer"][type="radio"]')
    await page.keyboard.press('ArrowRight')
    await page.keyboard.press('ArrowRight')
    const rating = await page.locator('input[name="answer"]:checked').inputValue()
    await submitWith('Enter')
    await submitWith('Enter') // question 4 is optional: left blank
    // Ranking: the first place is reached with Tab and set by typing the start of an option; an incomplete order
    // is refused with an error the keyboard user is taken to, then the other places are filled the same way.
    await tabTo('select[name="answer"]')
    await page.keyboard.type('Help')
    await submitWith('Enter')
    assert.equal(await page.locator('.govuk-error-summary').count(), 1)
    assert.equal(
      await page.evaluate<boolean>("document.activeElement?.classList.contains('govuk-error-summary') ?? false"),
      true,
    )
    await check(page, 'ranking with an error (keyboard)')
    for (const option of ['Childcare', 'Safer', 'Advice']) {
      await tabTo('select[name="answer"]:not(:has(option:checked:not([value=""])))')
      await page.keyboard.type(option)
    }
    await submitWith('Enter')
    // The place question without the map: a postcode typed into its box.
    await tabTo('input[name="answer"][autocomplete="postal-code"]')
    await page.keyboard.type('KT2 7AA')
    await submitWith('Enter')
    // The optional "hear what happens" question on its own page: continuing without choosing means no.
    assert.match(page.url(), /\/updates$/)
    await check(page, 'hear what happens (keyboard)')
    await submitWith('Enter')
    assert.match(page.url(), /\/check$/)
    await check(page, 'check your answers (keyboard)')
    const summary = await page.locator('main').innerText()
    assert.match(summary, /Employment and Skills/)
    assert.match(summary, /Evening classes in English\./)
    assert.match(summary, new RegExp(`\\b${rating}\\b`))
    assert.match(summary, /1\. Help finding work/)
    assert.match(summary, /most like to see improved\?\tKT2 7AA/)
    await submitWith('Enter')
    assert.match(page.url(), /\/done\?ref=/)
    assert.equal(await responses('online'), before + 1)
    await context.close()
  })

  test('a volunteer enters ten paper responses through the fast entry screen', { timeout: 180_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1024, height: 800 } })
    const page = await context.newPage()
    await page.goto(`${base}/sign-in`)
    await page.fill('#email', 'volunteer@demo.example')
    await page.fill('#password', DEMO_PASSWORD)
    await Promise.all([page.waitForNavigation(), page.click('form[action="/sign-in"] button[type=submit]')])
    const id = consultation.split('/').at(-1)
    const entry = `/wards/${NORBITON}/engagement/consultations/${id}/entry`
    await page.goto(`${base}${entry}`)
    await check(page, 'entry screen')
    const volunteer = await t.testDb.db
      .selectFrom('accounts_user')
      .select('id')
      .where('email', '=', 'volunteer@demo.example')
      .executeTakeFirstOrThrow()
    const mine = async () =>
      Number(
        (
          await t.testDb.db
            .selectFrom('engagement_response')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('entered_by_user_id', '=', volunteer.id)
            .where('channel', '=', 'paper')
            .executeTakeFirstOrThrow()
        ).n,
      )
    const before = await mine()
    await page.getByLabel('Paper form').check()
    const themes = ['employment-and-skills', 'family-and-life-chances', 'place-and-delivery', 'financial-support']
    const postcodes = ['KT2 7AA', 'KT2 6NX', '', 'KT2 7AA', 'KT2 6NX', '', 'KT2 7AA', 'KT2 6NX', '', 'KT2 7AA']
    for (let i = 0; i < 10; i++) {
      // The postcode box has focus when the page opens: a volunteer types straight away. The first time, choosing
      // the channel took the focus. After a save the success banner keeps its role="alert" (a screen reader
      // announces the reference) but does not take the focus, so the cursor is already in the postcode box.
      if (i === 0) await page.click('#postcode')
      else {
        assert.equal(await page.evaluate<string>("document.activeElement?.id ?? ''"), 'postcode')
        assert.equal(await page.getAttribute('.govuk-notification-banner', 'role'), 'alert')
      }
      await page.keyboard.type(postcodes[i]!)
      await page.locator(`input[type="checkbox"][value="${themes[i % 4]}"]`).check()
      if (i % 3 === 0)
        await page
          .locator('textarea')
          .first()
          .fill(`Paper form ${i + 1}: more help with bills.`)
      await Promise.all([
        page.waitForNavigation(),
        page.getByRole('button', { name: 'Save and enter another' }).click(),
      ])
      assert.match(await page.locator('.govuk-notification-banner').innerText(), /Response R\d{6} saved/)
      // The batch settings are kept from one form to the next.
      assert.equal(await page.getByLabel('Paper form').isChecked(), true)
    }
    await check(page, 'entry screen after ten responses')
    assert.equal(await mine(), before + 10)
    await context.close()
  })
})
