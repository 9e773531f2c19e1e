import { createHash } from 'node:crypto'
import { CsvQuoteError, readCsvRows, type CsvRow } from '../../platform/files/csv.js'
import { normalizeKey } from './selection/index.js'
import type { Instance, Quota, Respondent } from './selection/index.js'

/**
 * Pure rules of the ward panel: the features asked of volunteers, the CSV pool format, the quota suggestion
 * from Census figures and the residual problem used for replacement draws. No I/O here.
 */

export const PREFER_NOT = 'prefer-not-to-say'
/** Volunteers who do not know their small area. */
export const AREA_UNKNOWN = 'unknown'

/** Adults only: the panel is for residents aged 16 and over (Census 2021 six-category bands above 15). */
export const AGE_BANDS = ['16-24', '25-34', '35-49', '50-64', '65+'] as const
export const SEXES = ['female', 'male'] as const
/** The five GSS ethnic groups for England (ethnic_group_england.json). */
export const ETHNIC_GROUPS = ['white', 'mixed', 'asian', 'black', 'other'] as const
/** Equality Act disability as derived by the GSS standard (TS038 output categories). */
export const DISABILITY = ['disabled', 'not-disabled'] as const
export const TENURES = ['owned', 'social-rented', 'private-rented', 'other'] as const

export const FEATURES = ['age_band', 'sex', 'ethnic_group', 'disability', 'tenure', 'area'] as const
export type Feature = (typeof FEATURES)[number]

export type FeatureValues = Record<Feature, string>

/** Every value each feature can take, "prefer not to say" included (it needs a quota row, usually 0..k). */
export function featureValues(areaCodes: readonly string[]): Record<Feature, string[]> {
  return {
    age_band: [...AGE_BANDS, PREFER_NOT],
    sex: [...SEXES, PREFER_NOT],
    ethnic_group: [...ETHNIC_GROUPS, PREFER_NOT],
    disability: [...DISABILITY, PREFER_NOT],
    tenure: [...TENURES, PREFER_NOT],
    area: [...areaCodes, AREA_UNKNOWN],
  }
}

/** A quota table with no constraint (0..k on every value): the starting point before the officer edits it. */
export function openQuotas(areaCodes: readonly string[], k: number): Quota[] {
  const values = featureValues(areaCodes)
  return FEATURES.flatMap((f) => values[f].map((value) => ({ category: f, value, min: 0, max: k })))
}

/** Keeps stored quotas in step with today's value lists: new values get 0..k, retired values are dropped. */
export function completeQuotas(stored: readonly Quota[], areaCodes: readonly string[], k: number): Quota[] {
  const byKey = new Map(stored.map((q) => [`${q.category}\u0000${q.value}`, q]))
  return openQuotas(areaCodes, k).map((q) => byKey.get(`${q.category}\u0000${q.value}`) ?? q)
}

// --- CSV pool import -------------------------------------------------------------------------------

export interface PoolRow {
  line: number
  externalRef: string | null
  values: FeatureValues
  household: string | null
}

/** A problem in a pool file: the line it is on (0 for the whole file) and a translation key under panel.import.errors. */
export interface RowError {
  line: number
  key: string
  vars?: Record<string, string | number>
}

const CSV_COLUMNS: Record<string, Feature> = {
  age_band: 'age_band',
  age: 'age_band',
  sex: 'sex',
  ethnic_group: 'ethnic_group',
  ethnicity: 'ethnic_group',
  disability: 'disability',
  tenure: 'tenure',
  area: 'area',
  lsoa: 'area',
}

export const MAX_IMPORT_ROWS = 5000

/**
 * Validates a whole pool file. Columns: optional `id`, the six features (codes, case-insensitive) and optional
 * `household`. Every row is checked so the officer sees all problems at once; the caller imports nothing unless
 * `errors` is empty.
 */
export function parsePoolCsv(text: string, areaCodes: readonly string[]): { rows: PoolRow[]; errors: RowError[] } {
  let records: CsvRow[]
  try {
    records = readCsvRows(text)
  } catch (e) {
    if (!(e instanceof CsvQuoteError)) throw e
    return { rows: [], errors: [{ line: e.line, key: 'quotes' }] }
  }
  const header = records[0]
  if (!header) return { rows: [], errors: [{ line: 0, key: 'empty' }] }
  const cols = header.fields.map(normalizeKey)
  const index = new Map<Feature, number>()
  let idCol = -1
  let householdCol = -1
  const errors: RowError[] = []
  cols.forEach((c, i) => {
    const feature = CSV_COLUMNS[c]
    if (feature) index.set(feature, i)
    else if (c === 'id') idCol = i
    else if (c === 'household') householdCol = i
    else errors.push({ line: header.line, key: 'unknownColumn', vars: { column: c.slice(0, 40) } })
  })
  for (const f of FEATURES)
    if (!index.has(f)) errors.push({ line: header.line, key: 'missingColumn', vars: { column: f } })
  if (errors.length > 0) return { rows: [], errors }
  if (records.length - 1 > MAX_IMPORT_ROWS)
    return { rows: [], errors: [{ line: 0, key: 'tooMany', vars: { max: MAX_IMPORT_ROWS } }] }
  const allowed = featureValues(areaCodes)
  const rows: PoolRow[] = []
  const seenRefs = new Set<string>()
  for (const rec of records.slice(1)) {
    if (rec.fields.length !== cols.length) {
      errors.push({ line: rec.line, key: 'fieldCount', vars: { count: rec.fields.length, expected: cols.length } })
      continue
    }
    const values = {} as FeatureValues
    let bad = false
    for (const f of FEATURES) {
      const raw = normalizeKey(rec.fields[index.get(f)!] ?? '')
      const match = allowed[f].find((v) => normalizeKey(v) === raw)
      if (!match) {
        errors.push({
          line: rec.line,
          key: 'badValue',
          vars: { column: f, value: raw.slice(0, 40), allowed: allowed[f].join(', ') },
        })
        bad = true
      } else values[f] = match
    }
    const ref = idCol >= 0 ? (rec.fields[idCol] ?? '').trim() : ''
    if (ref.length > 64) {
      errors.push({ line: rec.line, key: 'idTooLong', vars: { max: 64 } })
      bad = true
    } else if (ref && seenRefs.has(ref)) {
      errors.push({ line: rec.line, key: 'idTwice', vars: { id: ref } })
      bad = true
    }
    if (ref) seenRefs.add(ref)
    const household = householdCol >= 0 ? (rec.fields[householdCol] ?? '').trim().slice(0, 64) : ''
    if (!bad) rows.push({ line: rec.line, externalRef: ref || null, values, household: household || null })
  }
  if (records.length < 2) errors.push({ line: 0, key: 'noRows' })
  return { rows, errors }
}

// --- Quota suggestion from Census figures -----------------------------------------------------------

/** One Census reference figure, as the geography module publishes them. */
export interface WardFigure {
  characteristic: string
  category: string
  count: number
  universe: 'persons' | 'households'
}

/** Years of age a Census label covers ("Aged 5 to 9 years", "Aged 4 years and under", "Aged 85 years and over"). */
export function ageRange(label: string): [number, number] | null {
  const s = label.toLowerCase()
  let m = /(\d+)\s*(?:years?)?\s*(?:to|-)\s*(\d+)/.exec(s)
  if (m) return [Number(m[1]), Number(m[2])]
  m = /(\d+)\s*years?\s*and\s*under/.exec(s)
  if (m) return [0, Number(m[1])]
  m = /(\d+)\s*years?\s*and\s*over/.exec(s) ?? /(\d+)\s*\+/.exec(s)
  if (m) return [Number(m[1]), 120]
  m = /^aged\s*(\d+)\s*years?$/.exec(s.trim())
  if (m) return [Number(m[1]), Number(m[1])]
  return null
}

const BAND_RANGES: Record<(typeof AGE_BANDS)[number], [number, number]> = {
  '16-24': [16, 24],
  '25-34': [25, 34],
  '35-49': [35, 49],
  '50-64': [50, 64],
  '65+': [65, 120],
}

/** Maps an ONS category label to our value for a feature; age is spread over bands by years of overlap. */
function shares(feature: Feature, label: string): [string, number][] {
  const s = label.toLowerCase().trim()
  switch (feature) {
    case 'age_band': {
      const r = ageRange(label)
      if (!r) return []
      const width = r[1] - r[0] + 1
      return AGE_BANDS.flatMap((b): [string, number][] => {
        const [lo, hi] = BAND_RANGES[b]
        const overlap = Math.min(hi, r[1]) - Math.max(lo, r[0]) + 1
        return overlap > 0 ? [[b, overlap / width]] : []
      })
    }
    case 'sex':
      return s.startsWith('female') ? [['female', 1]] : s.startsWith('male') ? [['male', 1]] : []
    case 'ethnic_group': {
      const head = s.split(':')[0] ?? s
      for (const g of ['white', 'mixed', 'asian', 'black'] as const) if (head.startsWith(g)) return [[g, 1]]
      return head.startsWith('other') ? [['other', 1]] : []
    }
    case 'disability':
      if (s.startsWith('not disabled')) return [['not-disabled', 1]]
      return s.startsWith('disabled') ? [['disabled', 1]] : []
    case 'tenure':
      if (s.startsWith('owned')) return [['owned', 1]]
      if (s.startsWith('social rented')) return [['social-rented', 1]]
      if (s.startsWith('private rented')) return [['private-rented', 1]]
      return s.startsWith('shared ownership') || s.startsWith('lives rent free') ? [['other', 1]] : []
    default:
      return []
  }
}

const CHARACTERISTIC: Partial<Record<string, Feature>> = {
  age: 'age_band',
  sex: 'sex',
  ethnic_group: 'ethnic_group',
  disability: 'disability',
  tenure: 'tenure',
}

/**
 * Proportional quotas: each value's share of the ward's residents (households for tenure; population for small
 * areas) times k, with min = ⌊target⌋ − tolerance and max = ⌈target⌉ + tolerance, clipped to 0..k. Values with no
 * figure ("prefer not to say", "not sure") and features with no figures at all stay 0..k.
 */
export function suggestQuotas(input: {
  k: number
  tolerance: number
  figures: readonly WardFigure[]
  areas: readonly { code: string; population: number | null }[]
}): Quota[] {
  const { k, tolerance } = input
  const codes = input.areas.map((a) => a.code)
  const totals = new Map<Feature, Map<string, number>>()
  const add = (f: Feature, v: string, n: number): void => {
    const m = totals.get(f) ?? new Map<string, number>()
    m.set(v, (m.get(v) ?? 0) + n)
    totals.set(f, m)
  }
  for (const fig of input.figures) {
    const feature = CHARACTERISTIC[fig.characteristic]
    if (!feature || !Number.isFinite(fig.count) || fig.count <= 0) continue
    for (const [v, w] of shares(feature, fig.category)) add(feature, v, fig.count * w)
  }
  for (const a of input.areas) if (a.population && a.population > 0) add('area', a.code, a.population)
  return openQuotas(codes, k).map((q) => {
    const m = totals.get(q.category as Feature)
    // A value the figures leave out (no residents of that kind) gets a target of 0; non-answers stay open.
    if (!m || q.value === PREFER_NOT || q.value === AREA_UNKNOWN) return q
    const count = m.get(q.value) ?? 0
    const total = [...m.values()].reduce((s, x) => s + x, 0)
    const target = total > 0 ? (k * count) / total : 0
    return {
      ...q,
      min: Math.max(0, Math.floor(target + 1e-9) - tolerance),
      max: Math.min(k, Math.ceil(target - 1e-9) + tolerance),
    }
  })
}

// --- Building instances --------------------------------------------------------------------------

export interface PoolMember {
  pseudonym: string
  values: FeatureValues
  household: string | null
}

export function toRespondent(m: PoolMember): Respondent {
  // Without a household key a person is their own household, so the rule never binds them to anyone.
  return { id: m.pseudonym, values: { ...m.values }, household: m.household ?? `self:${m.pseudonym}` }
}

export function buildInstance(pool: readonly PoolMember[], quotas: readonly Quota[], k: number): Instance {
  return { categories: [...FEATURES], quotas: quotas.map((q) => ({ ...q })), respondents: pool.map(toRespondent), k }
}

/**
 * The replacement problem. The seats left by decliners are filled by a fresh LEXIMIN selection of `k − |kept|`
 * people from the pool minus everyone already drawn (kept or declined), with every quota shifted by what the kept
 * members already contribute: min' = max(0, min − c_f), max' = max − c_f. A replacement set meets the shifted
 * quotas exactly when kept ∪ replacements meets the original ones, so the quotas hold for the whole panel, and
 * among the remaining volunteers the chances are again as equal as the quotas allow. With one per household,
 * people sharing a household with a kept member are left out.
 */
export function residualInstance(input: {
  pool: readonly PoolMember[]
  kept: readonly PoolMember[]
  excluded: ReadonlySet<string>
  quotas: readonly Quota[]
  k: number
  onePerHousehold: boolean
}): { instance: Instance; seats: number; overfull: Quota[] } {
  const counts = new Map<string, number>()
  for (const m of input.kept)
    for (const f of FEATURES) counts.set(`${f}\u0000${m.values[f]}`, (counts.get(`${f}\u0000${m.values[f]}`) ?? 0) + 1)
  const keptHouseholds = new Set(input.kept.flatMap((m) => (m.household ? [m.household] : [])))
  const keptIds = new Set(input.kept.map((m) => m.pseudonym))
  const candidates = input.pool.filter(
    (m) =>
      !keptIds.has(m.pseudonym) &&
      !input.excluded.has(m.pseudonym) &&
      !(input.onePerHousehold && m.household && keptHouseholds.has(m.household)),
  )
  const overfull: Quota[] = []
  const quotas = input.quotas.map((q) => {
    const c = counts.get(`${q.category}\u0000${q.value}`) ?? 0
    if (c > q.max) overfull.push(q)
    return { ...q, min: Math.max(0, q.min - c), max: Math.max(0, q.max - c) }
  })
  const seats = input.k - input.kept.length
  return { instance: buildInstance(candidates, quotas, seats), seats, overfull }
}

/**
 * The published fingerprint of a run's probabilities: SHA-256 (hex) of the JSON array of [id, p] pairs in pool
 * order, each p rounded to 9 decimals, so anyone holding the run record can check it was not changed after the draw.
 */
export function probabilitiesHash(ids: readonly string[], probabilities: readonly number[]): string {
  const pairs = ids.map((id, i) => [id, Number((probabilities[i] ?? 0).toFixed(9))])
  return createHash('sha256').update(JSON.stringify(pairs), 'utf8').digest('hex')
}

/** Quotas as the CLI's categories file (category,feature,min,max), for re-checking a draw offline. */
export function quotasCsv(quotas: readonly Quota[]): string {
  return ['category,feature,min,max', ...quotas.map((q) => `${q.category},${q.value},${q.min},${q.max}`)].join('\n')
}
