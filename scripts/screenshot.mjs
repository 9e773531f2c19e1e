// Usage: node scripts/screenshot.mjs URL OUT.png [width]  — a look at a page as a person sees it.
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
await page.goto(url)
await page.screenshot({ path: out, fullPage: true })
await browser.close()
