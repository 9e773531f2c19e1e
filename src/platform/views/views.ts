import { createRequire } from 'node:module'
import path from 'node:path'
import nunjucks from 'nunjucks'
import { formatDate, formatDateTime } from '../i18n/time.js'

const require = createRequire(import.meta.url)
export const govukFrontendDist = path.join(path.dirname(require.resolve('govuk-frontend/package.json')), 'dist')

export interface ViewOptions {
  /** Searched in order: a council's overrides first, then shared views, then module views, then GOV.UK. */
  searchPaths: string[]
  noCache: boolean
}

/** What Nunjucks binds `this` to in a filter: the render context, whose variables are in `ctx`. */
type FilterThis = { ctx?: Record<string, unknown> } | undefined
const langOf = (self: FilterThis): string | undefined => {
  const lang = self?.ctx?.lang
  return typeof lang === 'string' ? lang : undefined
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
  // Dates and times in UK time, written the reader's way ("26 November 2026", "26 listopada 2026"). Nunjucks calls
  // a filter with the template's context as `this`, which holds the page's language.
  env.addFilter('date', function (this: FilterThis, v: unknown) {
    return typeof v === 'string' || v instanceof Date ? formatDate(v, langOf(this)) : ''
  })
  env.addFilter('datetime', function (this: FilterThis, v: unknown) {
    return typeof v === 'string' ? formatDateTime(v, langOf(this)) : ''
  })
  env.addGlobal('govukRebrand', true)
  return env
}
