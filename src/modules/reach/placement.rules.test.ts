import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { AreaGeometry } from '../geography/index.js'
import { placePoint, placeResponse, type PlacingArea, type PlacingLsoa } from './placement.rules.js'

const square = (x0: number, y0: number, x1: number, y1: number): AreaGeometry => ({
  type: 'Polygon',
  coordinates: [
    [
      [x0, y0],
      [x1, y0],
      [x1, y1],
      [x0, y1],
      [x0, y0],
    ],
  ],
})

// Two LSOAs side by side; the west one has two output areas, the east one has one whose centroid sits close to
// the shared edge, so a point just inside the west LSOA is nearer that east centroid.
const lsoas: PlacingLsoa[] = [
  { code: 'W', boundary: square(0, 0, 1, 1) },
  { code: 'E', boundary: square(1, 0, 2, 1) },
]
const oas: PlacingArea[] = [
  { code: 'W1', lsoaCode: 'W', centroid: { lon: 0.25, lat: 0.5 } },
  { code: 'W2', lsoaCode: 'W', centroid: { lon: 0.6, lat: 0.5 } },
  { code: 'E1', lsoaCode: 'E', centroid: { lon: 1.05, lat: 0.5 } },
]

test('a point is placed in the LSOA whose boundary holds it, then the nearest output area within that LSOA', () => {
  assert.deepEqual(placePoint({ lon: 0.98, lat: 0.5 }, lsoas, oas), {
    status: 'placed',
    lsoaCode: 'W',
    oaCode: 'W2',
    method: 'boundary',
  })
  assert.deepEqual(placePoint({ lon: 0.1, lat: 0.5 }, lsoas, oas), {
    status: 'placed',
    lsoaCode: 'W',
    oaCode: 'W1',
    method: 'boundary',
  })
})

test('a point outside every boundary falls back to the nearest centroid (and says so)', () => {
  assert.deepEqual(placePoint({ lon: 2.01, lat: 0.5 }, lsoas, oas), {
    status: 'placed',
    lsoaCode: 'E',
    oaCode: 'E1',
    method: 'centroid',
  })
})

test('responses outside the ward, with unknown postcodes or none are flagged, not dropped', () => {
  assert.deepEqual(placeResponse(null, undefined, 1, lsoas, oas), { status: 'none' })
  assert.deepEqual(placeResponse('ZZ9 9ZZ', undefined, 1, lsoas, oas), { status: 'unknown' })
  assert.deepEqual(placeResponse('KT1 1AA', { wardId: 2, lat: 0.5, lon: 0.5 }, 1, lsoas, oas), { status: 'outside' })
  assert.equal(placeResponse('KT1 3AA', { wardId: 1, lat: 0.5, lon: 0.5 }, 1, lsoas, oas).status, 'placed')
})
