import { ImportFormatError, readCsv } from './ons-readers.js'

/**
 * Reference figures: Census counts per small area and category, the denominators that reach and
 * panel selection compare against. Every table, whatever layout it arrived in, becomes the same
 * `ReferenceTable`, and the one documented interchange format (docs/reference-figures.md) is that
 * table written out row by row, so a council without ONS-shaped downloads can still load its own.
 */
export type Universe = 'persons' | 'households'

/** One interchange row: `area_code,characteristic,category,count,universe,dataset,source`. */
export interface ReferenceFigure {
  areaCode: string
  characteristic: string
  category: string
  count: number
  universe: Universe
  dataset: string
  source: string
}

/** One characteristic from one dataset: categories in source order and a full row of counts per area. */
export interface ReferenceTable {
  characteristic: string
  universe: Universe
  dataset: string
  source: string
  categories: string[]
  /** [area code, counts in `categories` order], sorted by area code. */
  areas: [string, number[]][]
}

export const REFERENCE_CSV_COLUMNS = [
  'area_code',
  'characteristic',
  'category',
  'count',
  'universe',
  'dataset',
  'source',
] as const

export const CENSUS_SOURCE = 'Office for National Statistics, Open Government Licence v3.0'

const CHARACTERISTIC_KEY = /^[a-z][a-z0-9_]*$/
const AREA_CODE = /^[EWSNK]\d{8}$/
/** ONS "Total: All usual residents", "All persons", "Does not apply": margins, not groups of people. */
const NON_CATEGORY = /^(total\b|all\b|does not apply\b)/i

interface CensusSpec {
  characteristic: string
  universe: Universe
  dataset: string
  /** The category column of the long (one row per area and category) layout. */
  categoryColumn: RegExp
  /** Categories the table may hold; anything else means the wrong file was given. */
  known: readonly string[]
}

export const CENSUS_TABLES = {
  age: {
    characteristic: 'age',
    universe: 'persons',
    dataset: 'Census 2021 Age (6 categories)',
    categoryColumn: /^age(_group|_6cat)?$/i,
    known: [
      'Aged 15 years and under',
      'Aged 16 to 24 years',
      'Aged 25 to 34 years',
      'Aged 35 to 49 years',
      'Aged 50 to 64 years',
      'Aged 65 years and over',
    ],
  },
  sex: {
    characteristic: 'sex',
    universe: 'persons',
    dataset: 'Census 2021 TS008 Sex',
    categoryColumn: /^sex$/i,
    known: ['Female', 'Male'],
  },
  ethnicGroup: {
    characteristic: 'ethnic_group',
    universe: 'persons',
    dataset: 'Census 2021 TS021 Ethnic group (5 groups)',
    categoryColumn: /^ethnic_?group$/i,
    known: [
      'Asian, Asian British or Asian Welsh',
      'Black, Black British, Black Welsh, Caribbean or African',
      'Mixed or Multiple ethnic groups',
      'White',
      'Other ethnic group',
    ],
  },
  religion: {
    characteristic: 'religion',
    universe: 'persons',
    dataset: 'Census 2021 TS030 Religion',
    categoryColumn: /^religion$/i,
    known: [
      'No religion',
      'Christian',
      'Buddhist',
      'Hindu',
      'Jewish',
      'Muslim',
      'Sikh',
      'Other religion',
      'Not answered',
    ],
  },
  disability: {
    characteristic: 'disability',
    universe: 'persons',
    dataset: 'Census 2021 TS038 Disability (Equality Act)',
    categoryColumn: /^disability$/i,
    known: ['Disabled under the Equality Act', 'Not disabled under the Equality Act'],
  },
  tenure: {
    characteristic: 'tenure',
    universe: 'households',
    dataset: 'Census 2021 TS054 Tenure (8 categories)',
    categoryColumn: /^tenure$/i,
    known: [
      'Owned: Owns outright',
      'Owned: Owns with a mortgage or loan',
      'Shared ownership: Shared ownership',
      'Social rented: Rents from council or Local Authority',
      'Social rented: Other social rented',
      'Private rented: Private landlord or letting agency',
      'Private rented: Other private rented',
      'Lives rent free',
    ],
  },
  householdDeprivation: {
    characteristic: 'household_deprivation',
    universe: 'households',
    dataset: 'Census 2021 TS011 Household deprivation',
    categoryColumn: /^(deprivation_dimensions|household_deprivation|household deprivation \(6 categories\))$/i,
    known: [
      'Household is not deprived in any dimension',
      'Household is deprived in one dimension',
      'Household is deprived in two dimensions',
      'Household is deprived in three dimensions',
      'Household is deprived in four dimensions',
    ],
  },
} as const satisfies Record<string, CensusSpec>

export type CensusTableName = keyof typeof CENSUS_TABLES

function wholeNumber(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined
  return Number(value)
}

/** Builds the table from (area, category, count) triples, refusing duplicates and gaps. */
function assemble(
  meta: Omit<ReferenceTable, 'categories' | 'areas'>,
  cells: { areaCode: string; category: string; count: number; row: number }[],
  file: string,
): ReferenceTable {
  const categories: string[] = []
  const byArea = new Map<string, Map<string, number>>()
  for (const c of cells) {
    if (!categories.includes(c.category)) categories.push(c.category)
    const area = byArea.get(c.areaCode) ?? new Map<string, number>()
    if (area.has(c.category))
      throw new ImportFormatError(file, `row ${c.row}: area ${c.areaCode} has category '${c.category}' twice`)
    area.set(c.category, c.count)
    byArea.set(c.areaCode, area)
  }
  if (byArea.size === 0) throw new ImportFormatError(file, `no ${meta.characteristic} figures found`)
  const areas: [string, number[]][] = [...byArea.entries()]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([code, counts]) => {
      const missing = categories.find((c) => !counts.has(c))
      if (missing !== undefined)
        throw new ImportFormatError(file, `area ${code} has no count for ${meta.characteristic} '${missing}'`)
      return [code, categories.map((c) => counts.get(c)!)]
    })
  // Fields named one by one: the reader's spec carries parsing hints that must not leak into packs.
  const { characteristic, universe, dataset, source } = meta
  return { characteristic, universe, dataset, source, categories, areas }
}

function checkKnown(spec: CensusSpec, category: string, file: string, where: string): void {
  if (!spec.known.includes(category))
    throw new ImportFormatError(
      file,
      `${where}: '${category}' is not a ${spec.characteristic} category of ${spec.dataset} (expected ${spec.known
        .map((k) => `'${k}'`)
        .join(', ')})`,
    )
}

/**
 * The ONS "Census maps" wide layout: `Geography code, Geography label, Geography area type, …,
 * Classification, <one column per category>, Total, Percentage: …`. Only LSOA rows are read, and
 * each row's categories must add up to its Total (they do in every ONS release; a mismatch means a
 * damaged file).
 */
function readWide(rows: Record<string, string>[], headers: string[], spec: CensusSpec, file: string): ReferenceTable {
  const meta = new Set(['geography code', 'geography label', 'geography area type', 'parent area code'])
  for (const m of ['parent area type', 'classification', 'total', 'date', 'geography']) meta.add(m)
  const categoryColumns = headers.filter((h) => !meta.has(h.toLowerCase()) && !/^percentage\b/i.test(h))
  const kept = categoryColumns.filter((h) => !NON_CATEGORY.test(h))
  if (kept.length === 0) throw new ImportFormatError(file, `no category columns (found ${headers.join(', ')})`)
  kept.forEach((h) => checkKnown(spec, h, file, `column '${h}'`))
  const code = headers.find((h) => /^geography code$/i.test(h))!
  const type = headers.find((h) => /^geography area type$/i.test(h))
  const total = headers.find((h) => /^total$/i.test(h))
  const cells: { areaCode: string; category: string; count: number; row: number }[] = []
  rows.forEach((r, i) => {
    const row = i + 2
    if (type && r[type] !== 'LSOA') return
    const areaCode = r[code] ?? ''
    if (!AREA_CODE.test(areaCode)) throw new ImportFormatError(file, `row ${row}: '${areaCode}' is not an area code`)
    let sum = 0
    for (const h of kept) {
      const n = wholeNumber(r[h])
      if (n === undefined)
        throw new ImportFormatError(file, `row ${row}: '${h}' is not a whole number ('${r[h] ?? ''}')`)
      sum += n
      cells.push({ areaCode, category: h, count: n, row })
    }
    if (total && kept.length === categoryColumns.length) {
      const t = wholeNumber(r[total])
      if (t !== undefined && t !== sum)
        throw new ImportFormatError(file, `row ${row}: categories add up to ${sum} but Total is ${t}`)
    }
  })
  return assemble({ ...spec, source: CENSUS_SOURCE }, cells, file)
}

/**
 * The long layout (one row per area and category) of Nomis-derived extracts: an LSOA code column,
 * the category column, a count column (`n`, `usual_residents`, `count`, `observation`) and, when
 * present, a `total_*` column the area's counts must add up to.
 */
function readLong(rows: Record<string, string>[], headers: string[], spec: CensusSpec, file: string): ReferenceTable {
  const code = headers.find((h) => /^lsoa\d{2}_?(code|cd)$/i.test(h) || /^geography code$/i.test(h))
  if (!code) throw new ImportFormatError(file, `no LSOA code column (found ${headers.join(', ')})`)
  const category = headers.find((h) => spec.categoryColumn.test(h))
  if (!category)
    throw new ImportFormatError(
      file,
      `no ${spec.characteristic} column (looked for ${String(spec.categoryColumn)}; found ${headers.join(', ')})`,
    )
  const count = headers.find((h) => /^(n|count|observation|usual_residents|households)$/i.test(h))
  if (!count) throw new ImportFormatError(file, `no count column (n, count, observation…; found ${headers.join(', ')})`)
  const total = headers.find((h) => /^total_/i.test(h))
  const cells: { areaCode: string; category: string; count: number; row: number }[] = []
  const totals = new Map<string, { total: number; sum: number; row: number }>()
  rows.forEach((r, i) => {
    const row = i + 2
    const areaCode = r[code] ?? ''
    const cat = r[category] ?? ''
    if (!AREA_CODE.test(areaCode)) throw new ImportFormatError(file, `row ${row}: '${areaCode}' is not an area code`)
    const n = wholeNumber(r[count])
    if (n === undefined)
      throw new ImportFormatError(file, `row ${row}: ${count} is not a whole number ('${r[count] ?? ''}')`)
    if (NON_CATEGORY.test(cat)) return
    checkKnown(spec, cat, file, `row ${row}`)
    cells.push({ areaCode, category: cat, count: n, row })
    if (total) {
      const t = wholeNumber(r[total])
      if (t === undefined)
        throw new ImportFormatError(file, `row ${row}: ${total} is not a whole number ('${r[total] ?? ''}')`)
      const cur = totals.get(areaCode) ?? { total: t, sum: 0, row }
      cur.sum += n
      totals.set(areaCode, cur)
    }
  })
  for (const [areaCode, t] of totals)
    if (t.sum !== t.total)
      throw new ImportFormatError(
        file,
        `area ${areaCode} (from row ${t.row}): categories add up to ${t.sum} but ${total} is ${t.total}`,
      )
  return assemble({ ...spec, source: CENSUS_SOURCE }, cells, file)
}

/** Reads one of the six Census tables, in the ONS wide layout or the long one (detected from the headers). */
export function readCensusTable(name: CensusTableName, text: string, file: string): ReferenceTable {
  const spec: CensusSpec = CENSUS_TABLES[name]
  const rows = readCsv(text, file)
  if (rows.length === 0) throw new ImportFormatError(file, 'no rows')
  const headers = Object.keys(rows[0]!)
  const wide = headers.some((h) => /^geography code$/i.test(h)) && !headers.some((h) => spec.categoryColumn.test(h))
  return wide ? readWide(rows, headers, spec, file) : readLong(rows, headers, spec, file)
}

export const readCensusAge = (text: string, file: string) => readCensusTable('age', text, file)
export const readCensusSex = (text: string, file: string) => readCensusTable('sex', text, file)
export const readCensusEthnicGroup = (text: string, file: string) => readCensusTable('ethnicGroup', text, file)
export const readCensusReligion = (text: string, file: string) => readCensusTable('religion', text, file)
export const readCensusDisability = (text: string, file: string) => readCensusTable('disability', text, file)
export const readCensusTenure = (text: string, file: string) => readCensusTable('tenure', text, file)
export const readCensusHouseholdDeprivation = (text: string, file: string) =>
  readCensusTable('householdDeprivation', text, file)

/** Reads the interchange CSV; one table per characteristic, categories in the order rows first name them. */
export function readReferenceCsv(text: string, file: string): ReferenceTable[] {
  const rows = readCsv(text, file)
  if (rows.length === 0) throw new ImportFormatError(file, 'no rows')
  const headers = Object.keys(rows[0]!)
  const missing = REFERENCE_CSV_COLUMNS.filter((c) => !headers.includes(c))
  const extra = headers.filter((h) => !(REFERENCE_CSV_COLUMNS as readonly string[]).includes(h))
  if (missing.length > 0 || extra.length > 0)
    throw new ImportFormatError(
      file,
      `columns must be ${REFERENCE_CSV_COLUMNS.join(',')}${missing.length ? `; missing ${missing.join(', ')}` : ''}${
        extra.length ? `; unexpected ${extra.join(', ')}` : ''
      }`,
    )
  const groups = new Map<
    string,
    { meta: Omit<ReferenceTable, 'categories' | 'areas'>; firstRow: number; cells: Parameters<typeof assemble>[1] }
  >()
  rows.forEach((r, i) => {
    const row = i + 2
    const at = (msg: string) => new ImportFormatError(file, `row ${row}: ${msg}`)
    const areaCode = r.area_code!
    const characteristic = r.characteristic!
    const category = r.category!
    const universe = r.universe!
    const count = wholeNumber(r.count)
    if (!AREA_CODE.test(areaCode)) throw at(`area_code '${areaCode}' is not a GSS code like E01002969`)
    if (!CHARACTERISTIC_KEY.test(characteristic))
      throw at(`characteristic '${characteristic}' must be a lower-case key like ethnic_group`)
    if (category === '') throw at('category is empty')
    // A margin row would be added into ward totals as if it were another group of people.
    if (NON_CATEGORY.test(category)) throw at(`category '${category}' is a total, not a group: leave totals out`)
    if (count === undefined) throw at(`count '${r.count ?? ''}' is not a whole number`)
    if (universe !== 'persons' && universe !== 'households')
      throw at(`universe '${universe}' must be persons or households`)
    if (r.dataset === '' || r.source === '') throw at('dataset and source must be given')
    const meta = { characteristic, universe, dataset: r.dataset!, source: r.source! } as const
    const g = groups.get(characteristic)
    if (!g) groups.set(characteristic, { meta, firstRow: row, cells: [{ areaCode, category, count, row }] })
    else {
      for (const k of ['universe', 'dataset', 'source'] as const)
        if (g.meta[k] !== meta[k])
          throw at(`${characteristic} has ${k} '${meta[k]}' but row ${g.firstRow} says '${g.meta[k]}'`)
      g.cells.push({ areaCode, category, count, row })
    }
  })
  return [...groups.values()].map((g) => assemble(g.meta, g.cells, file))
}

function csvField(value: string | number): string {
  const s = String(value)
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s
}

/** Writes tables in the interchange format (areas in code order, categories in table order). */
export function writeReferenceCsv(tables: ReferenceTable[]): string {
  const lines = [REFERENCE_CSV_COLUMNS.join(',')]
  for (const t of tables)
    for (const [areaCode, counts] of t.areas)
      t.categories.forEach((category, i) =>
        lines.push(
          [areaCode, t.characteristic, category, counts[i]!, t.universe, t.dataset, t.source].map(csvField).join(','),
        ),
      )
  return `${lines.join('\n')}\n`
}

/** Flattens tables into interchange rows. */
export function referenceFigures(tables: ReferenceTable[]): ReferenceFigure[] {
  return tables.flatMap((t) =>
    t.areas.flatMap(([areaCode, counts]) =>
      t.categories.map((category, i) => ({
        areaCode,
        characteristic: t.characteristic,
        category,
        count: counts[i]!,
        universe: t.universe,
        dataset: t.dataset,
        source: t.source,
      })),
    ),
  )
}
