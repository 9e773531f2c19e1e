import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { InstanceFormatError, parseCategoriesCsv, parseCsv, parseInstance } from './csv.js'

describe('CSV parsing', () => {
  test('quoted fields, CRLF, BOM, blank lines and a missing final newline', () => {
    const rows = parseCsv('\ufeffa,b\r\n"x, y","say ""hi"""\r\n\r\n"multi\nline",2')
    assert.deepEqual(
      rows.map((r) => r.fields),
      [
        ['a', 'b'],
        ['x, y', 'say "hi"'],
        ['multi\nline', '2'],
      ],
    )
    assert.deepEqual(
      rows.map((r) => r.line),
      [1, 2, 4],
    )
    assert.throws(() => parseCsv('a,"b'), InstanceFormatError)
  })

  test('replication format and Sortition Foundation format give the same quotas', () => {
    const a = parseCategoriesCsv('category,feature,min,max\ngender,female,9,20\ngender,male,9,20')
    const b = parseCategoriesCsv(
      'feature,value,min,max,min_flex,max_flex\ngender,female,9,20,0,20\ngender,male,9,20,0,20\n',
    )
    assert.deepEqual(a, b)
    assert.deepEqual(a.categories, ['gender'])
    assert.deepEqual(a.quotas[0], { category: 'gender', value: 'female', min: 9, max: 20 })
  })

  test('bad quota tables are rejected with the line number', () => {
    assert.throws(() => parseCategoriesCsv('category,feature,min,max\ngender,f,3,2'), /line 2: min 3 is above max 2/)
    assert.throws(
      () => parseCategoriesCsv('category,feature,min,max\ngender,f,x,2'),
      /line 2: min must be a whole number/,
    )
    assert.throws(() => parseCategoriesCsv('category,feature,min,max\ngender,f,1,2\nGender,F,1,2'), /listed twice/)
    assert.throws(() => parseCategoriesCsv('a,b,c\n'), /header/)
  })

  test('ids: row index by default, the id column when present; extra columns ignored', () => {
    const quotas = 'category,feature,min,max\ngender,f,0,1\ngender,m,0,1'
    const byIndex = parseInstance(quotas, 'Gender,email\nf,a@x\nm,b@x', 1)
    assert.deepEqual(
      byIndex.respondents.map((r) => [r.id, r.values.gender]),
      [
        ['0', 'f'],
        ['1', 'm'],
      ],
    )
    const byId = parseInstance(quotas, 'id,gender,home\np7,f,h1\np9,m,h1', 1, { householdColumn: 'home' })
    assert.deepEqual(
      byId.respondents.map((r) => [r.id, r.household]),
      [
        ['p7', 'h1'],
        ['p9', 'h1'],
      ],
    )
    assert.throws(() => parseInstance(quotas, 'id,gender\np1,f\np1,m', 1), /duplicate id/)
    assert.throws(() => parseInstance(quotas, 'age\n1', 1), /no column for category "gender"/)
    assert.throws(() => parseInstance(quotas, 'gender\nf', 0), /panel size/)
  })
})
