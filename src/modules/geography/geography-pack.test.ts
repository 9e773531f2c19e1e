import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, test } from 'node:test'
import { needsSharedData, sharedDataPath } from '../../../test/support/shared-data.js'
import { paths } from '../../config.js'
import { buildGeographyPack, parseGeographyPack, type GeographyFiles, type GeographyPack } from './geography-pack.js'
import { readReferenceCsv, writeReferenceCsv } from './census-readers.js'
import { containsPoint, simplifyGeometry, type AreaGeometry } from './geojson.js'
import {
  ImportFormatError,
  imdDecile,
  normalisePostcode,
  readCensusTotals,
  readCsv,
  readLsoaWardLookup,
} from './ons-readers.js'

const file = (...p: string[]) => ({
  name: path.basename(p[p.length - 1]!),
  text: readFileSync(sharedDataPath('norbiton', ...p), 'utf8'),
})

/** The files the Kingston seed pack is built from (tenants/kingston/seed-pack/SOURCES.md). */
function kingstonFiles(): GeographyFiles {
  return {
    council: { code: 'E09000021', name: 'Royal Borough of Kingston upon Thames' },
    wardBoundaries: file('boundaries', 'kingston_ward.geojson'),
    lsoaBoundaries: file('boundaries', 'kingston_lsoa.geojson'),
    lsoaWardLookup: file('census', 'lookup_lsoa21_ward24_kingston_geographr.csv'),
    outputAreaCentroids: file('census', 'oa21_centroids_lookup_kingston_geodraw.csv'),
    populationTable: file('census', 'census2021_TS001_residence_type_kingston_oa_lsoa_msoa.csv'),
    imdRanks: file('ons_lookups', 'imd2019_lsoa11_kingston.csv'),
    postcodes: file('census', 'postcodes_KT_latlong_nspl_may2025_odileeds.csv'),
    censusAge: file('census', 'census2021_age_6cat_kingston_lsoa21_hack25usefuldata.csv'),
    censusSex: file('census', 'census2021_TS008_sex_kingston_oa_lsoa_msoa.csv'),
    censusEthnicGroup: file('census', 'census2021_TS021_ethnic_group_5cat_kingston_lsoa21_demographr.csv'),
    censusReligion: file('census', 'census2021_TS030_religion_kingston_lsoa21_demographr.csv'),
    censusDisability: file('census', 'census2021_TS038_disability_3cat_kingston_oa_lsoa_msoa.csv'),
    censusTenure: file('census', 'census2021_TS054_tenure_8cat_kingston_lsoa21_demographr.csv'),
    censusHouseholdDeprivation: file('census', 'census2021_TS011_household_deprivation_kingston_lsoa21_demographr.csv'),
  }
}

// Building Kingston's pack takes about a second; the tests below only read it.
let kingstonPack: GeographyPack | undefined
const builtKingstonPack = (): GeographyPack => (kingstonPack ??= buildGeographyPack(kingstonFiles()))

describe('geography pack', () => {
  test('the pilot seed pack is exactly what the importer derives from the official files', needsSharedData(), () => {
    const pack = builtKingstonPack()
    const committed = parseGeographyPack(
      readFileSync(path.join(paths.projectRoot, 'tenants', 'kingston', 'seed-pack', 'geography.json'), 'utf8'),
    )
    assert.deepEqual(JSON.parse(JSON.stringify(pack)), JSON.parse(JSON.stringify(committed)))

    assert.equal(pack.wards.length, 19)
    const norbiton = pack.areas.filter((a) => a.wardCode === 'E05013941')
    const lsoas = norbiton.filter((a) => a.kind === 'lsoa')
    assert.deepEqual(
      lsoas.map((a) => a.code),
      ['E01002969', 'E01002970', 'E01002971', 'E01002972', 'E01002973', 'E01002974'],
    )
    assert.equal(norbiton.filter((a) => a.kind === 'oa').length, 31)
    assert.equal(
      lsoas.reduce((s, a) => s + (a.population ?? 0), 0),
      11_187,
    )
    assert.equal(lsoas.find((a) => a.code === 'E01002969')?.imdDecile, 2, 'the most deprived LSOA in the borough')
    assert.deepEqual(
      pack.figures.map((f) => [f.characteristic, f.universe, f.areas.length]),
      [
        ['age', 'persons', 99],
        ['sex', 'persons', 99],
        ['ethnic_group', 'persons', 99],
        ['religion', 'persons', 99],
        ['disability', 'persons', 99],
        ['tenure', 'households', 99],
        ['household_deprivation', 'households', 99],
      ],
    )
  })

  test('Norbiton sex totals are the sum of the TS008 rows for its six LSOAs', needsSharedData(), () => {
    const pack = builtKingstonPack()
    const norbiton = new Set(
      [...readLsoaWardLookup(file('census', 'lookup_lsoa21_ward24_kingston_geographr.csv').text, 'lookup')]
        .filter(([, ward]) => ward === 'E05013941')
        .map(([lsoa]) => lsoa),
    )
    assert.equal(norbiton.size, 6)
    // Summed straight from the ONS file, not through the reader under test.
    const ts008 = readCsv(file('census', 'census2021_TS008_sex_kingston_oa_lsoa_msoa.csv').text, 'TS008').filter(
      (r) => r['Geography area type'] === 'LSOA' && norbiton.has(r['Geography code']!),
    )
    assert.equal(ts008.length, 6)
    const expected = {
      Female: ts008.reduce((s, r) => s + Number(r.Female), 0),
      Male: ts008.reduce((s, r) => s + Number(r.Male), 0),
    }
    const sex = pack.figures.find((f) => f.characteristic === 'sex')!
    assert.deepEqual(sex.categories, ['Female', 'Male'])
    const got = { Female: 0, Male: 0 }
    for (const [code, [female, male]] of sex.areas)
      if (norbiton.has(code)) {
        got.Female += female!
        got.Male += male!
      }
    assert.deepEqual(got, expected)
    assert.equal(got.Female + got.Male, 11_187, 'TS008 agrees with TS001 for the ward')
  })

  test(
    'every characteristic adds up, per LSOA, to within a few of the TS001 residents or households',
    needsSharedData(),
    () => {
      const pack = builtKingstonPack()
      const residents = readCensusTotals(
        file('census', 'census2021_TS001_residence_type_kingston_oa_lsoa_msoa.csv').text,
        'TS001',
      )
      // Household totals from another table (TS011), so tenure is checked against an independent count.
      const households = new Map(
        readCsv(
          file('census', 'census2021_TS011_household_deprivation_kingston_lsoa21_demographr.csv').text,
          'TS011',
        ).map((r) => [r.lsoa21_code!, Number(r.total_households)]),
      )
      // ONS cell-key perturbation moves each table's counts by a few people; 10 is well above what it does.
      const TOLERANCE = 10
      for (const t of pack.figures) {
        const reference = t.universe === 'persons' ? residents : households
        assert.equal(t.areas.length, 99, t.characteristic)
        for (const [code, counts] of t.areas) {
          const expected = reference.get(code)
          assert.ok(expected !== undefined && expected > 0, `${t.characteristic} ${code} has a reference total`)
          const sum = counts.reduce((a, b) => a + b, 0)
          assert.ok(
            Math.abs(sum - expected) <= TOLERANCE,
            `${t.characteristic} in ${code}: categories add up to ${sum}, reference total ${expected}`,
          )
        }
      }
    },
  )

  test('the interchange CSV round-trips and builds the same figures as the official tables', needsSharedData(), () => {
    const files = kingstonFiles()
    const pack = builtKingstonPack()
    const csv = writeReferenceCsv(pack.figures)
    assert.equal(csv.split('\n')[0], 'area_code,characteristic,category,count,universe,dataset,source')
    assert.deepEqual(readReferenceCsv(csv, 'figures.csv'), pack.figures)
    const fromCsv = buildGeographyPack({
      council: files.council,
      wardBoundaries: files.wardBoundaries,
      lsoaBoundaries: files.lsoaBoundaries,
      lsoaWardLookup: files.lsoaWardLookup,
      outputAreaCentroids: files.outputAreaCentroids,
      populationTable: files.populationTable,
      referenceCsv: { name: 'figures.csv', text: csv },
    })
    assert.deepEqual(fromCsv.figures, pack.figures)
    assert.equal(fromCsv.sources.filter((s) => s.file === 'figures.csv').length, 7)
    assert.throws(
      () => buildGeographyPack({ ...files, referenceCsv: { name: 'figures.csv', text: csv } }),
      /figures\.csv: a second table for age/,
    )
  })

  test('IMD deciles follow the national ranking', () => {
    assert.equal(imdDecile(1), 1)
    assert.equal(imdDecile(3285), 1)
    assert.equal(imdDecile(3286), 2)
    assert.equal(imdDecile(32_844), 10)
  })

  test('postcodes are normalised or refused', () => {
    assert.equal(normalisePostcode(' kt27aa '), 'KT2 7AA')
    assert.equal(normalisePostcode('KT1  3DQ'), 'KT1 3DQ')
    assert.equal(normalisePostcode('SW1A1AA'), 'SW1A 1AA')
    assert.equal(normalisePostcode('not a postcode'), undefined)
    assert.equal(normalisePostcode('KT2'), undefined)
  })

  test('readers explain what is wrong with a file', () => {
    assert.throws(
      () => readCensusTotals('a,b\n1,2\n', 'x.csv'),
      (e: unknown) => e instanceof ImportFormatError && /Geography code/.test(e.message),
    )
    assert.throws(
      () => readCensusTotals('Geography code,Total\nE1,lots\n', 'x.csv'),
      /row 2: Total is not a whole number/,
    )
    assert.throws(() => readLsoaWardLookup('x,y\n1,2\n', 'l.csv'), /no LSOA code column/)
  })

  test('simplification keeps rings closed and points inside stay inside', () => {
    const square: AreaGeometry = {
      type: 'Polygon',
      coordinates: [
        [
          [0, 0],
          [0.5, 0.00001],
          [1, 0],
          [1, 1],
          [0, 1],
          [0, 0],
        ],
      ],
    }
    const s = simplifyGeometry(square, 0.001)
    const ring = s.type === 'Polygon' ? s.coordinates[0]! : []
    assert.deepEqual(ring[0], ring[ring.length - 1])
    assert.equal(ring.length, 5)
    assert.equal(containsPoint(s, 0.5, 0.5), true)
    assert.equal(containsPoint(s, 1.5, 0.5), false)
  })
})
