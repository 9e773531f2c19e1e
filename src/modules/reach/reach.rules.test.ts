import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { disclose, secondarySuppress } from './disclosure.rules.js'
import { reachBand } from './map.rules.js'
import { areaReach, groupReach, rankOutreach, ratePer1000, ratio, sortAreas, wilson } from './reach.rules.js'
import { layoutLineChart, MAX_WEEKS, niceCeiling, progressByWeek, weekStartOf } from './progress.rules.js'

const close = (a: number | null | undefined, b: number, eps = 1e-4) =>
  assert.ok(a !== null && a !== undefined && Math.abs(a - b) < eps, `${a} ≉ ${b}`)

describe('reach rules', () => {
  test('rate per 1,000 and ratio', () => {
    close(ratePer1000(12, 1808), 6.6372)
    assert.equal(ratePer1000(3, 0), null)
    assert.equal(ratePer1000(3, null), null)
    close(ratio(3, 2), 1.5)
    assert.equal(ratio(3, 0), null)
    assert.equal(ratio(null, 2), null)
  })

  test('Wilson interval matches hand-worked values', () => {
    const half = wilson(5, 10)!
    close(half.low, 0.2366)
    close(half.high, 0.7634)
    const none = wilson(0, 10)!
    assert.equal(none.low, 0)
    close(none.high, 0.2775)
    const all = wilson(10, 10)!
    close(all.low, 0.7225)
    close(all.high, 1)
    assert.equal(wilson(0, 0), null)
  })

  test('Wilson interval always contains the observed share and stays in [0, 1]', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, f) => {
        const x = Math.floor(f * n)
        const w = wilson(x, n)!
        return w.low >= 0 && w.high <= 1 && w.low <= x / n + 1e-12 && x / n <= w.high + 1e-12
      }),
    )
  })

  test('area reach against the ward average, with no-voice areas and gaps', () => {
    const r = areaReach([
      { code: 'A', name: 'A', residents: 1000, heard: 10 },
      { code: 'B', name: 'B', residents: 1000, heard: 0 },
      { code: 'C', name: 'C', residents: 2000, heard: 10 },
    ])
    close(r.ratePer1000, 5)
    const [a, b, c] = r.areas
    close(a!.ratioToWard, 2)
    assert.equal(a!.flagged, false)
    assert.equal(b!.noVoice, true)
    assert.equal(b!.flagged, true)
    assert.equal(b!.gap, 5)
    close(c!.ratioToWard, 1)
    assert.equal(c!.gap, 0)
    assert.equal(c!.flagged, false)
    assert.deepEqual(
      sortAreas(r.areas, 'rate', 'desc').map((x) => x.code),
      ['A', 'C', 'B'],
    )
  })

  test('group reach: shares, ratio, interval, threshold flag and hidden categories', () => {
    const g = groupReach(
      [
        { category: 'Young', participants: 10, residents: 500 },
        { category: 'Old', participants: 40, residents: 500 },
        { category: 'Hidden', participants: null, residents: 100 },
      ],
      0.8,
    )
    assert.equal(g.base, 50)
    const [young, old, hidden] = g.rows
    close(young!.participantShare, 0.2)
    close(young!.residentShare, 500 / 1100)
    close(young!.ratio, 0.2 / (500 / 1100))
    assert.equal(young!.flagged, true)
    assert.equal(young!.clearlyUnder, true)
    assert.equal(young!.gap, Math.ceil((500 / 1100) * 50 - 10))
    assert.equal(old!.flagged, false)
    assert.equal(hidden!.participantShare, null)
    assert.equal(hidden!.flagged, false)
    // A looser threshold flags less.
    assert.equal(
      groupReach(
        [
          { category: 'x', participants: 10, residents: 1 },
          { category: 'y', participants: 12, residents: 1 },
        ],
        0.8,
      ).rows[0]!.flagged,
      false,
    )
  })

  test('outreach ranking: no voice first, then furthest below parity', () => {
    const areas = areaReach([
      { code: 'A', name: 'A', residents: 1000, heard: 30 },
      { code: 'B', name: 'B', residents: 1000, heard: 0 },
      { code: 'C', name: 'C', residents: 1000, heard: 5 },
    ]).areas
    const groups = [
      {
        characteristic: 'age',
        rows: groupReach([
          { category: 'Young', participants: 10, residents: 500 },
          { category: 'Old', participants: 40, residents: 500 },
        ]).rows,
      },
    ]
    const ranked = rankOutreach(areas, groups)
    assert.deepEqual(
      ranked.map((t) => t.key),
      // Young's ratio is 0.2 / 0.5 = 0.40; C's is 5 / 11.67 = 0.43.
      ['B', 'age:Young', 'C'],
    )
    assert.equal(ranked[0]!.gap, 12)
  })

  test('map bands never rest on colour alone: each has its own pattern id', () => {
    assert.equal(reachBand(null, true, 0.8), 'none')
    assert.equal(reachBand(0.5, false, 0.8), 'under')
    assert.equal(reachBand(1, false, 0.8), 'near')
    assert.equal(reachBand(1.3, false, 0.8), 'over')
  })
})

describe('disclosure control', () => {
  test('under 10 hidden, the rest rounded to 5', () => {
    assert.deepEqual(disclose([0, 9, 10, 12, 13, 130]), [null, null, 10, 10, 15, 130])
  })

  test('one hidden cell takes the next smallest with it', () => {
    assert.deepEqual(disclose([3, 40, 25, 60]), [null, 40, null, 60])
    assert.deepEqual(secondarySuppress([null, 40, 25, 60]), [null, 40, null, 60])
    assert.deepEqual(secondarySuppress([null, null, 25]), [null, null, 25])
  })

  test('property: no published cell between 1 and 9, every other a multiple of 5, never exactly one hidden', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 2, maxLength: 10 }), (counts) => {
        const out = disclose(counts)
        const hidden = out.filter((c) => c === null).length
        return out.every((c) => c === null || (c >= 10 && c % 5 === 0)) && hidden !== 1
      }),
    )
  })
})

describe('progress over time', () => {
  test('weeks start on Monday', () => {
    assert.equal(weekStartOf('2026-11-26'), '2026-11-23')
    assert.equal(weekStartOf('2026-11-23T10:00:00.000Z'), '2026-11-23')
    assert.equal(weekStartOf('2026-11-22'), '2026-11-16')
    assert.equal(weekStartOf('soon'), null)
  })

  test('cumulative heard and share of areas reached, by hand', () => {
    const weeks = progressByWeek(
      [
        { day: '2026-11-02', lsoaCode: 'A', oaCode: 'a1' },
        { day: '2026-11-03', lsoaCode: 'A', oaCode: 'a2' },
        { day: '2026-11-04', lsoaCode: null, oaCode: null },
        // No responses in the week of 9 November: kept as a flat step.
        { day: '2026-11-18', lsoaCode: 'B', oaCode: 'b1' },
        { day: '2026-11-19', lsoaCode: 'A', oaCode: 'a1' },
      ],
      { lsoas: 4, oas: 10 },
    )
    assert.deepEqual(
      weeks.map((w) => [w.weekStart, w.responses, w.totalResponses, w.heard, w.lsoasReached, w.oasReached]),
      [
        ['2026-11-02', 3, 3, 2, 1, 2],
        ['2026-11-09', 0, 3, 2, 1, 2],
        ['2026-11-16', 2, 5, 4, 2, 3],
      ],
    )
    assert.equal(weeks[2]!.lsoaShare, 0.5)
    assert.equal(weeks[2]!.oaShare, 0.3)
    assert.deepEqual(progressByWeek([], { lsoas: 1, oas: 1 }), [])
  })

  test('cumulative figures never fall, and the last week counts every response', () => {
    const day = fc
      .integer({ min: 0, max: 400 })
      .map((d) => new Date(Date.UTC(2026, 0, 1) + d * 86_400_000).toISOString().slice(0, 10))
    fc.assert(
      fc.property(
        fc.array(fc.record({ day, area: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }) }), {
          maxLength: 60,
        }),
        (rows) => {
          const weeks = progressByWeek(
            rows.map((r) => ({
              day: r.day,
              lsoaCode: r.area === null ? null : `L${r.area}`,
              oaCode: r.area === null ? null : `O${r.area}`,
            })),
            { lsoas: 6, oas: 6 },
          )
          if (rows.length === 0) return assert.equal(weeks.length, 0)
          assert.ok(weeks.length <= MAX_WEEKS)
          for (let i = 1; i < weeks.length; i++) {
            assert.ok(weeks[i]!.heard >= weeks[i - 1]!.heard)
            assert.ok(weeks[i]!.oasReached >= weeks[i - 1]!.oasReached)
          }
          const last = weeks[weeks.length - 1]!
          assert.equal(last.totalResponses, rows.length)
          assert.equal(last.heard, rows.filter((r) => r.area !== null).length)
          assert.equal(last.oasReached, new Set(rows.flatMap((r) => (r.area === null ? [] : [r.area]))).size)
        },
      ),
    )
  })

  test('the chart keeps every point inside the plot and labels the axis from zero', () => {
    assert.equal(niceCeiling(0), 1)
    assert.equal(niceCeiling(7), 10)
    assert.equal(niceCeiling(19), 20)
    assert.equal(niceCeiling(120), 200)
    const c = layoutLineChart([
      { label: 'a', value: 0 },
      { label: 'b', value: 7 },
      { label: 'c', value: 19 },
    ])
    assert.equal(c.yTicks[0]!.label, '0')
    assert.equal(c.yTicks[4]!.label, '20')
    for (const p of c.points) {
      assert.ok(p.x >= c.plot.left && p.x <= c.plot.right)
      assert.ok(p.y >= c.plot.top && p.y <= c.plot.bottom)
    }
    assert.equal(c.points[0]!.y, c.plot.bottom)
  })
})
