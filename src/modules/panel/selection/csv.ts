import { CsvQuoteError, readCsvRows, type CsvRow } from '../../../platform/files/csv.js'
import type { Instance, Quota, Respondent } from './types.js'

/** Malformed input files: the message names the file and line so an organiser can fix it. */
export class InstanceFormatError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'InstanceFormatError'
  }
}

/**
 * RFC 4180 rows (see readCsvRows) with their 1-based starting line numbers; blank lines are dropped. An unclosed
 * quote is an InstanceFormatError like every other fault in these files.
 */
export function parseCsv(text: string): CsvRow[] {
  try {
    return readCsvRows(text)
  } catch (e) {
    if (e instanceof CsvQuoteError) throw new InstanceFormatError(e.message)
    throw e
  }
}

/** Case- and surrounding-space-insensitive key, as the Sortition Foundation library compares values. */
export function normalizeKey(s: string): string {
  return s.trim().toLowerCase()
}

function parseBound(raw: string | undefined, what: string, line: number): number {
  const s = (raw ?? '').trim()
  if (!/^\d+$/.test(s))
    throw new InstanceFormatError(`categories line ${line}: ${what} must be a whole number, got "${s}"`)
  return Number(s)
}

/**
 * Parses the quota table. Accepts the replication format (`category,feature,min,max`) and the Sortition
 * Foundation format (`feature,value,min,max[,min_flex,max_flex]`, flex columns ignored).
 */
export function parseCategoriesCsv(text: string): { categories: string[]; quotas: Quota[] } {
  const rows = parseCsv(text)
  const header = rows[0]
  if (!header) throw new InstanceFormatError('categories file is empty')
  const cols = header.fields.map(normalizeKey)
  let catCol: number
  let valCol: number
  if (cols.includes('category')) {
    catCol = cols.indexOf('category')
    valCol = cols.indexOf('feature')
  } else {
    catCol = cols.indexOf('feature')
    valCol = cols.indexOf('value')
  }
  const minCol = cols.indexOf('min')
  const maxCol = cols.indexOf('max')
  if (catCol < 0 || valCol < 0 || minCol < 0 || maxCol < 0)
    throw new InstanceFormatError(
      `categories header must be "category,feature,min,max" (or "feature,value,min,max"), got "${header.fields.join(',')}"`,
    )
  const categories: string[] = []
  const seenCategory = new Set<string>()
  const seenFeature = new Set<string>()
  const quotas: Quota[] = []
  for (const row of rows.slice(1)) {
    const category = (row.fields[catCol] ?? '').trim()
    const value = (row.fields[valCol] ?? '').trim()
    if (category === '' || value === '')
      throw new InstanceFormatError(`categories line ${row.line}: empty category or value`)
    const min = parseBound(row.fields[minCol], 'min', row.line)
    const max = parseBound(row.fields[maxCol], 'max', row.line)
    if (min > max) throw new InstanceFormatError(`categories line ${row.line}: min ${min} is above max ${max}`)
    const featureKey = `${normalizeKey(category)}\u0000${normalizeKey(value)}`
    if (seenFeature.has(featureKey))
      throw new InstanceFormatError(`categories line ${row.line}: ${category}=${value} is listed twice`)
    seenFeature.add(featureKey)
    if (!seenCategory.has(normalizeKey(category))) {
      seenCategory.add(normalizeKey(category))
      categories.push(category)
    }
    quotas.push({ category, value, min, max })
  }
  if (quotas.length === 0) throw new InstanceFormatError('categories file has no quota rows')
  return { categories, quotas }
}

export interface RespondentsOptions {
  /** Column holding stable ids; defaults to `id` when present, otherwise ids are 0-based row indices. */
  idColumn?: string
  /** Column holding a household key (for the at-most-one-per-household rule). */
  householdColumn?: string
}

/** Parses the pool. One column per category is required (matched case-insensitively); extra columns are ignored. */
export function parseRespondentsCsv(
  text: string,
  categories: string[],
  options: RespondentsOptions = {},
): Respondent[] {
  const rows = parseCsv(text)
  const header = rows[0]
  if (!header) throw new InstanceFormatError('respondents file is empty')
  const cols = header.fields.map(normalizeKey)
  const colOf = (name: string): number => cols.indexOf(normalizeKey(name))
  const catCols = categories.map((c) => {
    const idx = colOf(c)
    if (idx < 0) throw new InstanceFormatError(`respondents file has no column for category "${c}"`)
    return idx
  })
  let idCol = -1
  if (options.idColumn !== undefined) {
    idCol = colOf(options.idColumn)
    if (idCol < 0) throw new InstanceFormatError(`respondents file has no id column "${options.idColumn}"`)
  } else idCol = colOf('id')
  let householdCol = -1
  if (options.householdColumn !== undefined) {
    householdCol = colOf(options.householdColumn)
    if (householdCol < 0)
      throw new InstanceFormatError(`respondents file has no household column "${options.householdColumn}"`)
  }
  const ids = new Set<string>()
  return rows.slice(1).map((row, index) => {
    const id = idCol >= 0 ? (row.fields[idCol] ?? '').trim() : String(index)
    if (id === '') throw new InstanceFormatError(`respondents line ${row.line}: empty id`)
    if (ids.has(id)) throw new InstanceFormatError(`respondents line ${row.line}: duplicate id "${id}"`)
    ids.add(id)
    const values: Record<string, string> = {}
    categories.forEach((c, j) => {
      values[c] = (row.fields[catCols[j] ?? -1] ?? '').trim()
    })
    const respondent: Respondent = { id, values }
    if (householdCol >= 0) {
      const household = (row.fields[householdCol] ?? '').trim()
      // An empty household cell means "lives alone / unknown": no constraint for that person.
      if (household !== '') respondent.household = household
    }
    return respondent
  })
}

/** Builds an instance from the two files' contents (strings, not paths) and the panel size. */
export function parseInstance(
  categoriesCsv: string,
  respondentsCsv: string,
  k: number,
  options: RespondentsOptions = {},
): Instance {
  if (!Number.isInteger(k) || k < 1)
    throw new InstanceFormatError(`panel size must be a positive whole number, got ${k}`)
  const { categories, quotas } = parseCategoriesCsv(categoriesCsv)
  const respondents = parseRespondentsCsv(respondentsCsv, categories, options)
  return { categories, quotas, respondents, k }
}
