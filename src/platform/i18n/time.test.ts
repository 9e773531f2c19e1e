import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { formatDate, formatDateTime, intlLocale, ukToday, utcToWallTime, wallTimeToUtc } from './time.js'

const iso = (d: Date | undefined) => d?.toISOString()

describe('UK time', () => {
  test('a wall-clock time is GMT in winter and BST in summer', () => {
    assert.equal(iso(wallTimeToUtc('2026-01-15', '12:00')), '2026-01-15T12:00:00.000Z')
    assert.equal(iso(wallTimeToUtc('2026-07-15', '12:00')), '2026-07-15T11:00:00.000Z')
    assert.equal(iso(wallTimeToUtc('2026-07-15', '00:30')), '2026-07-14T23:30:00.000Z')
    assert.deepEqual(utcToWallTime(new Date('2026-07-14T23:30:00Z')), { date: '2026-07-15', time: '00:30' })
    assert.deepEqual(utcToWallTime(new Date('2026-12-31T23:59:00Z')), { date: '2026-12-31', time: '23:59' })
  })

  test('around the clock changes: a skipped time is read an hour later, a repeated one as its second occurrence', () => {
    // 29 March 2026: clocks go from 01:00 GMT to 02:00 BST, so 01:30 never shows.
    assert.equal(iso(wallTimeToUtc('2026-03-29', '01:30')), '2026-03-29T01:30:00.000Z')
    assert.deepEqual(utcToWallTime(new Date('2026-03-29T01:30:00Z')), { date: '2026-03-29', time: '02:30' })
    assert.equal(iso(wallTimeToUtc('2026-03-29', '00:59')), '2026-03-29T00:59:00.000Z')
    assert.equal(iso(wallTimeToUtc('2026-03-29', '02:00')), '2026-03-29T01:00:00.000Z')
    // 25 October 2026: clocks go from 02:00 BST back to 01:00 GMT, so 01:30 shows twice (00:30 and 01:30 UTC).
    assert.equal(iso(wallTimeToUtc('2026-10-25', '01:30')), '2026-10-25T01:30:00.000Z')
    assert.equal(iso(wallTimeToUtc('2026-10-25', '00:59')), '2026-10-24T23:59:00.000Z')
    assert.equal(iso(wallTimeToUtc('2026-10-25', '02:00')), '2026-10-25T02:00:00.000Z')
  })

  test('what is not a real date or time is undefined', () => {
    for (const [date, time] of [
      ['2026-02-29', '12:00'],
      ['2026-13-01', '12:00'],
      ['2026-01-01', '24:00'],
      ['2026-01-01', '12:60'],
      ['2026-1-1', '12:00'],
      ['2026-01-01', '9:00'],
      ['', ''],
    ] as const)
      assert.equal(wallTimeToUtc(date, time), undefined, `${date} ${time}`)
    assert.equal(iso(wallTimeToUtc('2028-02-29', '09:00')), '2028-02-29T09:00:00.000Z')
  })

  test('every instant reads back as itself, or an hour later in the hour the autumn change repeats', () => {
    const minute = fc.integer({ min: Date.UTC(2000, 0, 1) / 60000, max: Date.UTC(2100, 0, 1) / 60000 })
    fc.assert(
      fc.property(minute, (m) => {
        const x = new Date(m * 60000)
        const wall = utcToWallTime(x)
        const y = wallTimeToUtc(wall.date, wall.time)!
        assert.ok([0, 3_600_000].includes(y.getTime() - x.getTime()), `${x.toISOString()} → ${y.toISOString()}`)
        assert.deepEqual(utcToWallTime(y), wall)
      }),
      { numRuns: 2000 },
    )
  })

  test('dates and times are written in UK time, the reader’s way', () => {
    // 23:30 UTC on 14 July is already 15 July in the UK.
    assert.equal(formatDate('2026-07-14T23:30:00Z', 'en'), '15 July 2026')
    assert.equal(formatDate('2026-07-14T23:30:00Z', 'pl'), '15 lipca 2026')
    assert.equal(formatDate('2026-07-14T23:30:00Z', 'ko'), '2026년 7월 15일')
    assert.equal(formatDateTime('2026-07-14T23:30:00Z', 'en'), '15 Jul 2026, 00:30')
    assert.equal(formatDateTime('2026-01-14T23:30:00Z', undefined), '14 Jan 2026, 23:30')
    assert.equal(formatDateTime('2026-11-27T00:01:00Z', 'ko'), '2026. 11. 27. 00:01')
    assert.equal(formatDate('not a date', 'en'), '')
    assert.equal(formatDateTime('', 'en'), '')
  })

  test('today is the UK date: just after midnight in summer the UTC date is still yesterday', () => {
    assert.equal(ukToday(new Date('2026-07-14T23:30:00Z')), '2026-07-15')
    assert.equal(ukToday(new Date('2026-01-14T23:30:00Z')), '2026-01-14')
  })

  test('our language codes become Intl locales: British English for en', () => {
    assert.equal(intlLocale('en'), 'en-GB')
    assert.equal(intlLocale(undefined), 'en-GB')
    assert.equal(intlLocale('pl'), 'pl')
  })
})
