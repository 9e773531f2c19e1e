import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { readPostcodes } from '../geography/index.js'

// A five-row extract in the ONS Postcode Directory / NSPL layout (all columns, as downloaded), so the importer an
// admin uses for a newer release is tested against the real header, not a hand-made two-column file.
const fixture = path.join(import.meta.dirname, 'fixtures', 'nspl-sample.csv')

test('the NSPL/ONSPD reader takes pcds, lat and long and skips rows that cannot be placed', () => {
  const rows = readPostcodes(readFileSync(fixture, 'utf8'), 'nspl-sample.csv')
  assert.deepEqual(rows, [
    { postcode: 'KT1 3FJ', lat: 51.40595, lon: -0.28169 },
    { postcode: 'KT1 3JG', lat: 51.40882, lon: -0.28834 },
    { postcode: 'KT1 1AA', lat: 51.40868, lon: -0.30444 },
  ])
})

test('a file without coordinates is refused with a message naming it', () => {
  assert.throws(() => readPostcodes('pcds,ward\nKT1 3FJ,E05013941\n', 'bad.csv'), /bad\.csv/)
})
