import { existsSync } from 'node:fs'
import { chromium, type Browser, type Page } from 'playwright-core'
import { AxeBuilder } from '@axe-core/playwright'

/** Debian's Chromium: Playwright must never download a browser here. */
export const CHROMIUM = '/usr/bin/chromium'

/** Flags that keep Chromium quiet on a machine with no network but loopback. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']

/** A skip reason when Chromium is absent outside CI; on CI its absence is a failure, not a skip. */
export function browserSkip(): string | false {
  if (existsSync(CHROMIUM)) return false
  if (process.env.CI === 'true') return false
  return `Chromium not found at ${CHROMIUM}`
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium is required but ${CHROMIUM} is missing (apt-get install -y chromium)`)
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS })
}

export async function axeViolations(page: Page): Promise<string[]> {
  const r = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze()
  return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)
}
