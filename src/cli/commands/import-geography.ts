import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { buildGeographyPack } from '../../modules/geography/index.js'
import type { CliIo } from '../cli-io.js'

const USAGE = `usage: together import geography --council-code CODE --council-name NAME
  --wards WARDS.geojson --lsoas LSOA21.geojson --lsoa-ward-lookup LOOKUP.csv
  --oa-centroids OA21_CENTROIDS.csv --population TS001.csv [--imd IMD2019.csv] [--postcodes NSPL.csv]
  [--census-age AGE6.csv] [--census-sex TS008.csv] [--census-ethnic-group TS021.csv] [--census-religion TS030.csv]
  [--census-disability TS038.csv] [--census-tenure TS054.csv] [--census-household-deprivation TS011.csv]
  [--reference-csv FIGURES.csv] --out PACK.json

Builds a geography pack from ONS downloads (boundaries, lookups, Census 2021 TS001, IMD 2019), with Census
reference figures per LSOA from the official tables or the interchange CSV (docs/reference-figures.md).`

/** Optional flags naming a Census table, and the pack input each one fills. */
const CENSUS_FLAGS = {
  'census-age': 'censusAge',
  'census-sex': 'censusSex',
  'census-ethnic-group': 'censusEthnicGroup',
  'census-religion': 'censusReligion',
  'census-disability': 'censusDisability',
  'census-tenure': 'censusTenure',
  'census-household-deprivation': 'censusHouseholdDeprivation',
  'reference-csv': 'referenceCsv',
} as const

/** `together import geography …`: derive a council's geography pack from official files. */
export async function importGeographyCommand(args: string[], io: CliIo): Promise<number> {
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({
      args,
      options: {
        'council-code': { type: 'string' },
        'council-name': { type: 'string' },
        wards: { type: 'string' },
        lsoas: { type: 'string' },
        'lsoa-ward-lookup': { type: 'string' },
        'oa-centroids': { type: 'string' },
        population: { type: 'string' },
        imd: { type: 'string' },
        postcodes: { type: 'string' },
        'census-age': { type: 'string' },
        'census-sex': { type: 'string' },
        'census-ethnic-group': { type: 'string' },
        'census-religion': { type: 'string' },
        'census-disability': { type: 'string' },
        'census-tenure': { type: 'string' },
        'census-household-deprivation': { type: 'string' },
        'reference-csv': { type: 'string' },
        out: { type: 'string' },
      },
      strict: true,
    }).values
  } catch (e) {
    io.stderr(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`)
    return 2
  }
  const need = [
    'council-code',
    'council-name',
    'wards',
    'lsoas',
    'lsoa-ward-lookup',
    'oa-centroids',
    'population',
    'out',
  ]
  const missing = need.filter((k) => typeof values[k] !== 'string')
  if (missing.length > 0) {
    io.stderr(`missing ${missing.map((m) => `--${m}`).join(', ')}\n${USAGE}`)
    return 2
  }
  const file = (k: string) => {
    const p = String(values[k])
    return { name: path.basename(p), text: readFileSync(p, 'utf8') }
  }
  try {
    const pack = buildGeographyPack({
      council: { code: String(values['council-code']), name: String(values['council-name']) },
      wardBoundaries: file('wards'),
      lsoaBoundaries: file('lsoas'),
      lsoaWardLookup: file('lsoa-ward-lookup'),
      outputAreaCentroids: file('oa-centroids'),
      populationTable: file('population'),
      ...(typeof values.imd === 'string' ? { imdRanks: file('imd') } : {}),
      ...(typeof values.postcodes === 'string' ? { postcodes: file('postcodes') } : {}),
      ...Object.fromEntries(
        Object.entries(CENSUS_FLAGS)
          .filter(([flag]) => typeof values[flag] === 'string')
          .map(([flag, input]) => [input, file(flag)]),
      ),
    })
    writeFileSync(String(values.out), `${JSON.stringify(pack)}\n`)
    io.stdout(
      `wrote ${String(values.out)}: ${pack.wards.length} wards, ${pack.areas.filter((a) => a.kind === 'lsoa').length} LSOAs, ${pack.areas.filter((a) => a.kind === 'oa').length} output areas, ${pack.postcodes.length} postcodes, ${pack.figures.map((f) => f.characteristic).join(', ') || 'no'} reference figures\n`,
    )
    return 0
  } catch (e) {
    io.stderr(`${e instanceof Error ? e.message : String(e)}\n`)
    return 1
  }
}
