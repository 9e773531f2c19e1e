import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import {
  readCensusDisability,
  readCensusReligion,
  readCensusSex,
  readCensusTenure,
  readReferenceCsv,
  referenceFigures,
  writeReferenceCsv,
  type ReferenceTable,
} from './census-readers.js'
import { ImportFormatError } from './ons-readers.js'

const WIDE_HEAD =
  'Geography code,Geography label,Geography area type,Parent area code,Parent area type,Classification,Female,Male,Total,Percentage: Female,Percentage: Male'
const wide = (...rows: string[]) => [WIDE_HEAD, ...rows].join('\n')
const LONG_HEAD = '"lsoa21_code","total_residents","religion","n","prop"'
const formatError = (file: string, message: RegExp) => (e: unknown) =>
  e instanceof ImportFormatError && e.file === file && message.test(e.message)

describe('Census readers', () => {
  test('the ONS wide layout: LSOA rows only, ONS labels kept, totals and percentages dropped', () => {
    const t = readCensusSex(
      wide(
        'E09000021,Kingston upon Thames,Local Authority,E12000007,London,sex,87047,81016,168063,51.8,48.2',
        'E01002970,Kingston upon Thames 005C,LSOA,E02000602,Kingston upon Thames 005,sex,900,800,1700,52.9,47.1',
        'E01002969,Kingston upon Thames 005B,LSOA,E02000602,Kingston upon Thames 005,sex,1016,876,1892,53.7,46.3',
        'E00014962,E00014962,Output Area,E01002969,Kingston upon Thames 005B,sex,258,198,456,56.6,43.4',
      ),
      'ts008.csv',
    )
    assert.deepEqual(t, {
      characteristic: 'sex',
      universe: 'persons',
      dataset: 'Census 2021 TS008 Sex',
      source: 'Office for National Statistics, Open Government Licence v3.0',
      categories: ['Female', 'Male'],
      areas: [
        ['E01002969', [1016, 876]],
        ['E01002970', [900, 800]],
      ],
    })
  })

  test('the long layout keeps the source order of categories and leaves out margins', () => {
    const t = readCensusTenure(
      [
        'lsoa21_code,total_households,tenure,n,prop',
        'E01002969,10,Owned: Owns outright,3,0.3',
        'E01002969,10,Total: All households,10,1',
        'E01002969,10,Lives rent free,7,0.7',
        'E01002970,5,Owned: Owns outright,5,1',
        'E01002970,5,Lives rent free,0,0',
      ].join('\n'),
      'ts054.csv',
    )
    assert.equal(t.universe, 'households')
    assert.deepEqual(t.categories, ['Owned: Owns outright', 'Lives rent free'])
    assert.deepEqual(t.areas, [
      ['E01002969', [3, 7]],
      ['E01002970', [5, 0]],
    ])
  })

  test('malformed official tables are refused with the file and row named', () => {
    assert.throws(
      () => readCensusSex(wide('E01002969,X,LSOA,E02000602,Y,sex,1016,many,1892,53.7,46.3'), 'ts008.csv'),
      formatError('ts008.csv', /row 2: 'Male' is not a whole number \('many'\)/),
    )
    assert.throws(
      () => readCensusSex(wide('E01002969,X,LSOA,E02000602,Y,sex,1016,876,1900,53.7,46.3'), 'ts008.csv'),
      formatError('ts008.csv', /row 2: categories add up to 1892 but Total is 1900/),
    )
    assert.throws(
      () => readCensusSex(wide('E01002969,X,LSOA,E02000602,Y,sex,1016,876,1892'), 'short.csv'),
      formatError('short.csv', /not valid CSV/),
    )
    // The disability table given where the sex table belongs.
    assert.throws(
      () =>
        readCensusSex(
          'Geography code,Geography area type,Classification,Disabled under the Equality Act,Not disabled under the Equality Act,Total\nE01002969,LSOA,disability_3a,360,1531,1891',
          'ts038.csv',
        ),
      formatError(
        'ts038.csv',
        /column 'Disabled under the Equality Act': .* is not a sex category of Census 2021 TS008 Sex/,
      ),
    )
    assert.throws(
      () => readCensusReligion('lsoa21_code,faith,n\nE01002969,Christian,3', 'ts030.csv'),
      formatError('ts030.csv', /no religion column/),
    )
    assert.throws(
      () => readCensusReligion('lsoa21_code,religion,people\nE01002969,Christian,3', 'ts030.csv'),
      formatError('ts030.csv', /no count column/),
    )
    assert.throws(
      () => readCensusReligion(`${LONG_HEAD}\nE01002969,10,Christian,3,0.3\nE01002969,10,Jedi,7,0.7`, 'ts030.csv'),
      formatError('ts030.csv', /row 3: 'Jedi' is not a religion category/),
    )
    assert.throws(
      () => readCensusReligion(`${LONG_HEAD}\nE01002969,10,Christian,3,0.3\nE01002969,10,Muslim,6,0.6`, 'ts030.csv'),
      formatError('ts030.csv', /area E01002969 \(from row 2\): categories add up to 9 but total_residents is 10/),
    )
    assert.throws(
      () => readCensusReligion(`${LONG_HEAD}\nE01002969,3,Christian,3,1\nE01002969,3,Christian,0,0`, 'ts030.csv'),
      formatError('ts030.csv', /row 3: area E01002969 has category 'Christian' twice/),
    )
    assert.throws(
      () => readCensusReligion(`${LONG_HEAD}\nE01002969,3,Christian,3,1\nE01002970,3,Muslim,3,1`, 'ts030.csv'),
      formatError('ts030.csv', /area E01002969 has no count for religion 'Muslim'/),
    )
    assert.throws(
      () => readCensusReligion(`${LONG_HEAD}\nKingston,3,Christian,3,1`, 'ts030.csv'),
      formatError('ts030.csv', /row 2: 'Kingston' is not an area code/),
    )
    assert.throws(() => readCensusDisability('', 'empty.csv'), formatError('empty.csv', /no rows/))
  })

  test('malformed interchange files are refused with the file and row named', () => {
    const head = 'area_code,characteristic,category,count,universe,dataset,source'
    const row = (over: Partial<Record<string, string>> = {}) =>
      [
        over.area_code ?? 'E01002969',
        over.characteristic ?? 'sex',
        over.category ?? 'Female',
        over.count ?? '12',
        over.universe ?? 'persons',
        over.dataset ?? 'Census 2021 TS008',
        over.source ?? 'ONS',
      ].join(',')
    const bad = (lines: string[], message: RegExp) =>
      assert.throws(() => readReferenceCsv([head, ...lines].join('\n'), 'f.csv'), formatError('f.csv', message))
    assert.throws(
      () => readReferenceCsv('area,characteristic,category,count\nE01002969,sex,Female,1', 'f.csv'),
      formatError('f.csv', /columns must be area_code,.*missing area_code, universe, dataset, source; unexpected area/),
    )
    bad([row({ count: '-1' })], /row 2: count '-1' is not a whole number/)
    bad([row({ count: '1.5' })], /row 2: count '1.5' is not a whole number/)
    bad([row({ universe: 'people' })], /row 2: universe 'people' must be persons or households/)
    bad([row({ characteristic: 'Ethnic group' })], /row 2: characteristic 'Ethnic group' must be a lower-case key/)
    bad([row({ area_code: 'Norbiton' })], /row 2: area_code 'Norbiton' is not a GSS code/)
    bad([row({ category: 'Total' })], /row 2: category 'Total' is a total, not a group/)
    bad(
      [row(), row({ category: 'Male', dataset: 'Census 2011' })],
      /row 3: sex has dataset 'Census 2011' but row 2 says/,
    )
    bad([row(), row()], /row 3: area E01002969 has category 'Female' twice/)
    bad([row(), row({ area_code: 'E01002970', category: 'Male' })], /area E01002969 has no count for sex 'Male'/)
  })

  test('any set of tables survives a trip through the interchange CSV', () => {
    const text = fc
      .string({ minLength: 1, maxLength: 12 })
      .map((s) => s.trim())
      .filter((s) => s.length > 0 && !/^(total\b|all\b|does not apply\b)/i.test(s))
    const table: fc.Arbitrary<ReferenceTable> = fc
      .record({
        characteristic: fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/),
        universe: fc.constantFrom('persons' as const, 'households' as const),
        dataset: text,
        source: text,
        categories: fc.uniqueArray(text, { minLength: 1, maxLength: 5 }),
        codes: fc.uniqueArray(
          fc.integer({ min: 0, max: 99_999_999 }).map((n) => `E${String(n).padStart(8, '0')}`),
          { minLength: 1, maxLength: 4 },
        ),
        seed: fc.array(fc.nat({ max: 100_000 }), { minLength: 20, maxLength: 20 }),
      })
      .map(({ codes, seed, categories, ...meta }) => ({
        ...meta,
        categories,
        areas: [...codes]
          .sort((a, b) => a.localeCompare(b))
          .map((code, i): [string, number[]] => [code, categories.map((_, j) => seed[(i * 5 + j) % 20]!)]),
      }))
    fc.assert(
      fc.property(fc.uniqueArray(table, { selector: (t) => t.characteristic, maxLength: 3 }), (tables) => {
        const csv = writeReferenceCsv(tables)
        if (tables.length === 0) return
        assert.deepEqual(readReferenceCsv(csv, 'p.csv'), tables)
        assert.equal(csv.trimEnd().split('\n').length - 1, referenceFigures(tables).length)
      }),
    )
  })
})
