import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { csvCell, CsvQuoteError, readCsvRows, sheetText, toCsv } from './csv.js'

describe('CSV', () => {
  test('reads quotes, doubled quotes, line breaks in fields, CRLF and a BOM; blank lines are skipped', () => {
    const rows = readCsvRows('\ufeffa,b\r\n"x, y","say ""hi"""\r\n\r\n"multi\nline",2\rlast,')
    assert.deepEqual(rows, [
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x, y', 'say "hi"'] },
      { line: 4, fields: ['multi\nline', '2'] },
      { line: 6, fields: ['last', ''] },
    ])
  })

  test('an unclosed quote names the line its row starts on', () => {
    assert.throws(
      () => readCsvRows('a,b\n1,2\n3,"four\nfive'),
      (e: unknown) => e instanceof CsvQuoteError && e.line === 3 && /line 3/.test(e.message),
    )
  })

  test('text a spreadsheet would run as a formula is written as text; numbers stay numbers', () => {
    assert.equal(csvCell('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`)
    for (const lead of ['+', '-', '@', '\t', '\r']) assert.ok(csvCell(`${lead}1`).replace(/^"/, '').startsWith("'"))
    assert.equal(csvCell('plain'), 'plain')
    assert.equal(sheetText(-5), -5)
    assert.equal(csvCell(-5), '-5')
    assert.equal(csvCell(null), '')
    assert.equal(csvCell(undefined), '')
  })

  test('a file starts with a BOM, ends lines with CRLF, and an empty row is a blank line', () => {
    assert.equal(toCsv([['a', 1], [], ['b', null]]), '\ufeffa,1\r\n\r\nb,\r\n')
  })

  test('what is written reads back the same (text that does not look like a formula)', () => {
    const cell = fc.string({ unit: 'binary' }).filter((s) => !/^[=+\-@\t\r]/.test(s))
    fc.assert(
      fc.property(fc.array(fc.array(cell, { minLength: 2, maxLength: 5 }), { maxLength: 8 }), (rows) => {
        assert.deepEqual(
          readCsvRows(toCsv(rows)).map((r) => r.fields),
          rows,
        )
      }),
    )
  })
})
