import { createRequire } from 'node:module'
import path from 'node:path'
import nunjucks from 'nunjucks'

const require = createRequire(import.meta.url)
export const govukFrontendDist = path.join(path.dirname(require.resolve('govuk-frontend/package.json')), 'dist')

export interface ViewOptions {
  /** Searched in order: a council's overrides first, then shared views, then module views, then GOV.UK. */
  searchPaths: string[]
  noCache: boolean
}

const moneyFormat = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'GBP' })
const numberFormat = new Intl.NumberFormat('en-GB')

export function createViewEnvironment(opts: ViewOptions): nunjucks.Environment {
  const env = new nunjucks.Environment(
    new nunjucks.FileSystemLoader([...opts.searchPaths, govukFrontendDist], { noCache: opts.noCache }),
    { autoescape: true, throwOnUndefined: false, trimBlocks: true, lstripBlocks: true },
  )
  env.addFilter('pence', (v: unknown) => (typeof v === 'number' ? moneyFormat.format(v / 100) : ''))
  env.addFilter('number', (v: unknown) => (typeof v === 'number' ? numberFormat.format(v) : ''))
  env.addFilter('date', (v: unknown) => {
    if (typeof v !== 'string' && !(v instanceof Date)) return ''
    const d = new Date(v)
    return Number.isNaN(d.getTime())
      ? ''
      : d.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' })
  })
  env.addFilter('datetime', (v: unknown) => {
    if (typeof v !== 'string') return ''
    const d = new Date(v)
    return Number.isNaN(d.getTime())
      ? ''
      : d.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/London' })
  })
  env.addGlobal('govukRebrand', true)
  return env
}
