import { parse } from 'csv-parse/sync'
import { isAreaGeometry, type AreaGeometry } from './geojson.js'

/**
 * Readers for the official formats an admin downloads from the ONS Open Geography Portal and the
 * Census 2021 bulk tables. They find columns by the ONS naming pattern (WD24CD, LSOA21CD, …) rather
 * than by position, so next year's files (WD26CD) import without a code change.
 */
export class ImportFormatError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`)
    this.name = 'ImportFormatError'
  }
}

export function readCsv(text: string, file: string): Record<string, string>[] {
  try {
    return parse(text.replace(/^\uFEFF/, ''), { columns: true, skip_empty_lines: true, trim: true }) as Record<
      string,
      string
    >[]
  } catch (e) {
    throw new ImportFormatError(file, `not valid CSV (${e instanceof Error ? e.message : String(e)})`)
  }
}

function findColumn(headers: string[], patterns: RegExp[], file: string, what: string): string {
  for (const p of patterns) {
    const h = headers.find((x) => p.test(x))
    if (h) return h
  }
  throw new ImportFormatError(
    file,
    `no ${what} column (looked for ${patterns.map(String).join(', ')}; found ${headers.join(', ')})`,
  )
}

export interface BoundaryFeature {
  code: string
  name: string
  parentCode: string | null
  geometry: AreaGeometry
}

/** Ward or LSOA boundaries from an ONS GeoJSON download (properties like WD25CD/WD25NM/LAD25CD). */
export function readBoundaries(text: string, file: string, level: 'ward' | 'lsoa'): BoundaryFeature[] {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch {
    throw new ImportFormatError(file, 'not valid JSON')
  }
  const features = (doc as { features?: unknown }).features
  if (!Array.isArray(features) || features.length === 0) throw new ImportFormatError(file, 'no features')
  const codeRe = level === 'ward' ? /^WD\d{2}CD$/i : /^LSOA\d{2}CD$/i
  const nameRe = level === 'ward' ? /^WD\d{2}NM$/i : /^LSOA\d{2}NM$/i
  return features.map((f: unknown, i: number) => {
    const props = (f as { properties?: Record<string, unknown> }).properties ?? {}
    const keys = Object.keys(props)
    const codeKey = keys.find((k) => codeRe.test(k))
    const nameKey = keys.find((k) => nameRe.test(k))
    const parentKey = keys.find((k) => /^LAD\d{2}CD$/i.test(k))
    const geometry = (f as { geometry?: unknown }).geometry
    if (!codeKey || !nameKey) throw new ImportFormatError(file, `feature ${i + 1} has no ${level} code/name property`)
    if (!isAreaGeometry(geometry))
      throw new ImportFormatError(file, `feature ${i + 1} is not a Polygon or MultiPolygon`)
    return {
      code: String(props[codeKey]),
      name: String(props[nameKey]).trim(),
      parentCode: parentKey ? String(props[parentKey]) : null,
      geometry,
    }
  })
}

/** LSOA → ward lookup (ONS "LSOA (2021) to Ward (2024)" style). */
export function readLsoaWardLookup(text: string, file: string): Map<string, string> {
  const rows = readCsv(text, file)
  const headers = Object.keys(rows[0] ?? {})
  const lsoa = findColumn(headers, [/^lsoa\d{2}_?code$/i, /^LSOA\d{2}CD$/i], file, 'LSOA code')
  const ward = findColumn(headers, [/^ward\d{2}_?code$/i, /^WD\d{2}CD$/i], file, 'ward code')
  const out = new Map<string, string>()
  for (const r of rows) if (r[lsoa] && r[ward]) out.set(r[lsoa]!, r[ward]!)
  return out
}

export interface OutputAreaRow {
  code: string
  lsoaCode: string
  lat: number
  lon: number
}

/** OA centroids with their LSOA (ONS Output Area population-weighted centroids, or an OA lookup with lng/lat). */
export function readOutputAreaCentroids(text: string, file: string): OutputAreaRow[] {
  const rows = readCsv(text, file)
  const headers = Object.keys(rows[0] ?? {})
  const oa = findColumn(headers, [/^oa\d{2}cd$/i], file, 'output area code')
  const lsoa = findColumn(headers, [/^lsoa\d{2}cd$/i], file, 'LSOA code')
  const lon = findColumn(headers, [/^(lng|long|lon|longitude|x)$/i], file, 'longitude')
  const lat = findColumn(headers, [/^(lat|latitude|y)$/i], file, 'latitude')
  return rows.map((r, i) => {
    const la = Number(r[lat])
    const lo = Number(r[lon])
    if (!Number.isFinite(la) || !Number.isFinite(lo))
      throw new ImportFormatError(file, `row ${i + 2}: coordinates are not numbers`)
    return { code: r[oa]!, lsoaCode: r[lsoa]!, lat: la, lon: lo }
  })
}

/** Census 2021 bulk table (ONS "Geography code, …, Total" layout): total per area code. */
export function readCensusTotals(text: string, file: string): Map<string, number> {
  const rows = readCsv(text, file)
  const headers = Object.keys(rows[0] ?? {})
  const code = findColumn(headers, [/^Geography code$/i, /^geography_code$/i], file, 'Geography code')
  const total = findColumn(headers, [/^Total$/i, /^total$/i], file, 'Total')
  const out = new Map<string, number>()
  rows.forEach((r, i) => {
    const v = Number(r[total])
    if (!Number.isInteger(v) || v < 0) throw new ImportFormatError(file, `row ${i + 2}: Total is not a whole number`)
    out.set(r[code]!, v)
  })
  return out
}

/** IMD 2019 lookup: LSOA11 code → rank (1 = most deprived of 32,844 in England). */
export function readImdRanks(text: string, file: string): Map<string, number> {
  const rows = readCsv(text, file)
  const headers = Object.keys(rows[0] ?? {})
  const code = findColumn(headers, [/^LSOA11CD$/i, /^lsoa11_?code$/i], file, 'LSOA11 code')
  const rank = findColumn(
    headers,
    [/^IMD19$/i, /^imd_?rank$/i, /Index of Multiple Deprivation.*Rank/i],
    file,
    'IMD rank',
  )
  const out = new Map<string, number>()
  for (const r of rows) out.set(r[code]!, Number(r[rank]))
  return out
}

/** IMD 2019 deciles are national: decile = floor((rank − 1) × 10 / 32,844) + 1. */
export const IMD2019_LSOA_COUNT = 32_844
export function imdDecile(rank: number): number {
  return Math.floor(((rank - 1) * 10) / IMD2019_LSOA_COUNT) + 1
}

/** UK postcode in its canonical form ("KT1 2AB"), or undefined when it cannot be one. */
export function normalisePostcode(input: string): string | undefined {
  const compact = input.toUpperCase().replace(/[^A-Z0-9]/g, '')
  if (!/^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$/.test(compact)) return undefined
  return `${compact.slice(0, -3)} ${compact.slice(-3)}`
}

/** Postcode coordinates: the ONS NSPL/ONSPD layout (pcds, lat, long) or a Postcode,lat,long extract of it. */
export function readPostcodes(text: string, file: string): { postcode: string; lat: number; lon: number }[] {
  const rows = readCsv(text, file)
  const headers = Object.keys(rows[0] ?? {})
  const pc = findColumn(headers, [/^pcds$/i, /^postcode$/i, /^pcd$/i, /^pcd2$/i], file, 'postcode')
  const lat = findColumn(headers, [/^lat$/i, /^latitude$/i], file, 'latitude')
  const lon = findColumn(headers, [/^long$/i, /^lon$/i, /^lng$/i, /^longitude$/i], file, 'longitude')
  const out: { postcode: string; lat: number; lon: number }[] = []
  for (const r of rows) {
    const postcode = normalisePostcode(r[pc] ?? '')
    const la = Number(r[lat])
    const lo = Number(r[lon])
    // NSPL marks postcodes with no grid reference as lat 99.999999; they cannot be placed.
    if (!postcode || !Number.isFinite(la) || !Number.isFinite(lo) || la > 90) continue
    out.push({ postcode, lat: la, lon: lo })
  }
  return out
}
