import { z } from 'zod'
import { readCensusTable, readReferenceCsv, type CensusTableName, type ReferenceTable } from './census-readers.js'
import { centroidOf, containsPoint, simplifyGeometry, type AreaGeometry } from './geojson.js'
import {
  imdDecile,
  readPostcodes,
  readBoundaries,
  readCensusTotals,
  readImdRanks,
  readLsoaWardLookup,
  readOutputAreaCentroids,
  ImportFormatError,
} from './ons-readers.js'

/**
 * A geography pack is what the importer derives from official files for one council: wards with
 * simplified boundaries, their LSOAs and output areas with Census 2021 usual residents, Census
 * reference figures per LSOA when given, and the sources. The pilot's seed pack is exactly the
 * output of `buildGeographyPack` (a test proves it),
 * so `npm start` works on a machine without the original downloads.
 */
const Geometry = z.custom<AreaGeometry>((g) => typeof g === 'object' && g !== null && 'type' in g && 'coordinates' in g)

export const GeographyPackSchema = z.object({
  format: z.literal('working-together/geography-pack@1'),
  council: z.object({ code: z.string(), name: z.string() }),
  wards: z.array(
    z.object({
      code: z.string(),
      name: z.string(),
      boundary: Geometry,
      centroid: z.object({ lat: z.number(), lon: z.number() }),
    }),
  ),
  areas: z.array(
    z.object({
      kind: z.enum(['lsoa', 'oa']),
      code: z.string(),
      name: z.string(),
      wardCode: z.string(),
      parentCode: z.string().nullable(),
      population: z.number().int().nullable(),
      imdDecile: z.number().int().min(1).max(10).nullable(),
      centroid: z.object({ lat: z.number(), lon: z.number() }),
      boundary: Geometry.nullable(),
    }),
  ),
  /** [postcode, lat, lon, ward code]: postcodes whose point lies inside one of the council's wards. */
  postcodes: z.array(z.tuple([z.string(), z.number(), z.number(), z.string()])).default([]),
  /**
   * Reference figures (Census counts) for the LSOAs above: one table per characteristic, counts in
   * `categories` order so the source table's category order survives (see docs/reference-figures.md).
   */
  figures: z
    .array(
      z
        .object({
          characteristic: z.string().regex(/^[a-z][a-z0-9_]*$/),
          universe: z.enum(['persons', 'households']),
          dataset: z.string().min(1),
          source: z.string().min(1),
          categories: z.array(z.string().min(1)).min(1),
          areas: z.array(z.tuple([z.string(), z.array(z.number().int().nonnegative())])),
        })
        .refine((t) => t.areas.every(([, counts]) => counts.length === t.categories.length), {
          message: 'every area needs one count per category',
        }),
    )
    .default([]),
  sources: z.array(z.object({ dataset: z.string(), file: z.string(), publisher: z.string(), licence: z.string() })),
})

export type GeographyPack = z.infer<typeof GeographyPackSchema>

export interface GeographyFiles {
  council: { code: string; name: string }
  wardBoundaries: { name: string; text: string }
  lsoaBoundaries: { name: string; text: string }
  lsoaWardLookup: { name: string; text: string }
  outputAreaCentroids: { name: string; text: string }
  populationTable: { name: string; text: string }
  imdRanks?: { name: string; text: string }
  postcodes?: { name: string; text: string }
  /** Census 2021 tables at LSOA level, in the official layouts `census-readers.ts` reads. */
  censusAge?: { name: string; text: string }
  censusSex?: { name: string; text: string }
  censusEthnicGroup?: { name: string; text: string }
  censusReligion?: { name: string; text: string }
  censusDisability?: { name: string; text: string }
  censusTenure?: { name: string; text: string }
  censusHouseholdDeprivation?: { name: string; text: string }
  /** Reference figures in the interchange format, for tables that come in no layout we read. */
  referenceCsv?: { name: string; text: string }
}

const CENSUS_INPUTS: [keyof GeographyFiles & `census${string}`, CensusTableName][] = [
  ['censusAge', 'age'],
  ['censusSex', 'sex'],
  ['censusEthnicGroup', 'ethnicGroup'],
  ['censusReligion', 'religion'],
  ['censusDisability', 'disability'],
  ['censusTenure', 'tenure'],
  ['censusHouseholdDeprivation', 'householdDeprivation'],
]

const WARD_TOLERANCE = 0.00005
const LSOA_TOLERANCE = 0.0001

export function buildGeographyPack(files: GeographyFiles): GeographyPack {
  const wards = readBoundaries(files.wardBoundaries.text, files.wardBoundaries.name, 'ward').filter(
    (w) => w.parentCode === null || w.parentCode === files.council.code,
  )
  const wardCodes = new Set(wards.map((w) => w.code))
  const lsoaToWard = readLsoaWardLookup(files.lsoaWardLookup.text, files.lsoaWardLookup.name)
  const lsoas = readBoundaries(files.lsoaBoundaries.text, files.lsoaBoundaries.name, 'lsoa')
  const oas = readOutputAreaCentroids(files.outputAreaCentroids.text, files.outputAreaCentroids.name)
  const population = readCensusTotals(files.populationTable.text, files.populationTable.name)
  const imd = files.imdRanks ? readImdRanks(files.imdRanks.text, files.imdRanks.name) : new Map<string, number>()

  const areas: GeographyPack['areas'] = []
  for (const l of [...lsoas].sort((a, b) => a.code.localeCompare(b.code))) {
    const wardCode = lsoaToWard.get(l.code)
    if (!wardCode || !wardCodes.has(wardCode)) continue
    const rank = imd.get(l.code)
    areas.push({
      kind: 'lsoa',
      code: l.code,
      name: l.name,
      wardCode,
      parentCode: null,
      population: population.get(l.code) ?? null,
      imdDecile: rank === undefined ? null : imdDecile(rank),
      centroid: centroidOf(l.geometry),
      boundary: simplifyGeometry(l.geometry, LSOA_TOLERANCE),
    })
  }
  const lsoaSet = new Map(areas.map((a) => [a.code, a.wardCode]))
  for (const o of [...oas].sort((a, b) => a.code.localeCompare(b.code))) {
    const wardCode = lsoaSet.get(o.lsoaCode)
    if (!wardCode) continue
    areas.push({
      kind: 'oa',
      code: o.code,
      name: o.code,
      wardCode,
      parentCode: o.lsoaCode,
      population: population.get(o.code) ?? null,
      imdDecile: null,
      centroid: { lat: o.lat, lon: o.lon },
      boundary: null,
    })
  }

  const sources: GeographyPack['sources'] = [
    {
      dataset: 'Ward boundaries',
      file: files.wardBoundaries.name,
      publisher: 'Office for National Statistics',
      licence: 'OGL v3; contains OS data © Crown copyright and database right',
    },
    {
      dataset: 'LSOA 2021 boundaries',
      file: files.lsoaBoundaries.name,
      publisher: 'Office for National Statistics',
      licence: 'OGL v3; contains OS data © Crown copyright and database right',
    },
    {
      dataset: 'LSOA (2021) to ward lookup',
      file: files.lsoaWardLookup.name,
      publisher: 'Office for National Statistics',
      licence: 'OGL v3',
    },
    {
      dataset: 'Output area 2021 centroids',
      file: files.outputAreaCentroids.name,
      publisher: 'Office for National Statistics',
      licence: 'OGL v3; contains OS data © Crown copyright and database right',
    },
    {
      dataset: 'Census 2021 TS001 usual residents',
      file: files.populationTable.name,
      publisher: 'Office for National Statistics',
      licence: 'OGL v3',
    },
  ]
  if (files.imdRanks)
    sources.push({
      dataset: 'English Indices of Deprivation 2019 (LSOA ranks)',
      file: files.imdRanks.name,
      publisher: 'MHCLG via ONS lookup',
      licence: 'OGL v3',
    })

  // Postcodes are placed in wards by point in polygon on the full-resolution boundaries we were given.
  const postcodes: GeographyPack['postcodes'] = []
  if (files.postcodes) {
    sources.push({
      dataset: 'National Statistics Postcode Lookup (postcode coordinates)',
      file: files.postcodes.name,
      publisher: 'Office for National Statistics',
      licence:
        'OGL v3; contains OS data © Crown copyright and database right; contains Royal Mail data © Royal Mail copyright and database right',
    })
    for (const p of readPostcodes(files.postcodes.text, files.postcodes.name)) {
      const ward = wards.find((w) => containsPoint(w.geometry, p.lon, p.lat))
      if (ward) postcodes.push([p.postcode, p.lat, p.lon, ward.code])
    }
    postcodes.sort((a, b) => a[0].localeCompare(b[0]))
  }

  // Reference figures are kept for the council's LSOAs only: ward totals are sums over LSOAs, and an
  // OA or MSOA row in the same table would count the same people twice.
  const figures: ReferenceTable[] = []
  const add = (table: ReferenceTable, file: string, source: GeographyPack['sources'][number]) => {
    if (figures.some((f) => f.characteristic === table.characteristic))
      throw new ImportFormatError(file, `a second table for ${table.characteristic}: give one table per characteristic`)
    const areas = table.areas.filter(([code]) => lsoaSet.has(code))
    if (areas.length === 0)
      throw new ImportFormatError(file, `no ${table.characteristic} figures for the council's LSOAs`)
    figures.push({ ...table, areas })
    sources.push(source)
  }
  for (const [key, name] of CENSUS_INPUTS) {
    const f = files[key]
    if (!f) continue
    const table = readCensusTable(name, f.text, f.name)
    add(table, f.name, {
      dataset: table.dataset,
      file: f.name,
      publisher: 'Office for National Statistics',
      licence: 'OGL v3',
    })
  }
  if (files.referenceCsv) {
    const f = files.referenceCsv
    for (const table of readReferenceCsv(f.text, f.name))
      add(table, f.name, {
        dataset: table.dataset,
        file: f.name,
        publisher: table.source,
        licence: 'as cited by the publisher',
      })
  }

  return {
    format: 'working-together/geography-pack@1',
    council: files.council,
    wards: wards
      .map((w) => ({
        code: w.code,
        name: w.name,
        boundary: simplifyGeometry(w.geometry, WARD_TOLERANCE),
        centroid: centroidOf(w.geometry),
      }))
      .sort((a, b) => a.code.localeCompare(b.code)),
    areas,
    postcodes,
    figures,
    sources,
  }
}

export function parseGeographyPack(text: string): GeographyPack {
  const parsed = GeographyPackSchema.safeParse(JSON.parse(text))
  if (!parsed.success)
    throw new Error(
      `geography pack is invalid: ${parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ')}`,
    )
  return parsed.data
}
