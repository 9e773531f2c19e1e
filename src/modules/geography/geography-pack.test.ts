import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, test } from 'node:test'
import { needsSharedData, sharedDataPath } from '../../../test/support/shared-data.js'
import { paths } from '../../config.js'
import { buildGeographyPack, parseGeographyPack } from './geography-pack.js'
import { containsPoint, simplifyGeometry, type AreaGeometry } from './geojson.js'
import { ImportFormatError, imdDecile, normalisePostcode, readCensusTotals, readLsoaWardLookup } from './ons-readers.js'

const file = (...p: string[]) => ({
  name: path.basename(p[p.length - 1]!),
  text: readFileSync(sharedDataPath('norbiton', ...p), 'utf8'),
})

describe('geography pack', () => {
  test('the pilot seed pack is exactly what the importer derives from the official files', needsSharedData(), () => {
    const pack = buildGeographyPack({
      council: { code: 'E09000021', name: 'Royal Borough of Kingston upon Thames' },
      wardBoundaries: file('boundaries', 'kingston_ward.geojson'),
      lsoaBoundaries: file('boundaries', 'kingston_lsoa.geojson'),
      lsoaWardLookup: file('census', 'lookup_lsoa21_ward24_kingston_geographr.csv'),
      outputAreaCentroids: file('census', 'oa21_centroids_lookup_kingston_geodraw.csv'),
      populationTable: file('census', 'census2021_TS001_residence_type_kingston_oa_lsoa_msoa.csv'),
      imdRanks: file('ons_lookups', 'imd2019_lsoa11_kingston.csv'),
      postcodes: file('census', 'postcodes_KT_latlong_nspl_may2025_odileeds.csv'),
    })
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
