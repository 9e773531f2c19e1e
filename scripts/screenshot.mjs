// Usage: node scripts/screenshot.mjs URL OUT.png [width]  — a look at a page as a person sees it.
// SIGN_IN=officer@demo.example (password SIGN_IN_PASSWORD, default the demo one) signs in first, for staff pages.
import { chromium } from 'playwright-core'

const [url, out, width = '1024'] = process.argv.slice(2)
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
})
const context = await browser.newContext({ viewport: { width: Number(width), height: 800 } })
const page = await context.newPage()
if (process.env.SIGN_IN) {
  await page.goto(new URL('/sign-in', url).href)
  await page.fill('input[name="email"]', process.env.SIGN_IN)
  await page.fill('input[name="password"]', process.env.SIGN_IN_PASSWORD ?? 'norbiton-demo-2026')
  await Promise.all([page.waitForNavigation(), page.click('form[action="/sign-in"] button[type="submit"]')])
}
await page.goto(url)
await page.screenshot({ path: out, fullPage: true })
await browser.close()
