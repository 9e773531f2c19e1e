import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import {
  addDays,
  addMonths,
  addSpend,
  deliveryStatus,
  kpiRag,
  lateness,
  maySendSurvey,
  milestoneProgress,
  milestoneRag,
  parseKpiTarget,
  ratingSummary,
  reportingPeriods,
  returnsRag,
  rollUp,
  serviceRag,
  spendFromPostings,
  worstRag,
  type Rag,
  type TreeNode,
} from './delivery.rules.js'

const RAGS: Rag[] = ['grey', 'green', 'amber', 'red']
const rank = (r: Rag) => RAGS.indexOf(r)
const isoDate = fc
  .integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 11, 31) })
  .map((ms) => new Date(ms).toISOString().slice(0, 10))

describe('KPI flags', () => {
  test('examples: higher and lower is better, with the 10% tolerance', () => {
    assert.equal(kpiRag(150, 'higher', 150), 'green')
    assert.equal(kpiRag(150, 'higher', 140), 'amber')
    assert.equal(kpiRag(150, 'higher', 120), 'red')
    assert.equal(kpiRag(20, 'lower', 19), 'green')
    assert.equal(kpiRag(20, 'lower', 21), 'amber')
    assert.equal(kpiRag(20, 'lower', 30), 'red')
    assert.equal(kpiRag(20, 'lower', null), 'grey')
  })

  test('a better figure never gets a worse flag (monotone)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 20_000 }),
        fc.integer({ min: 0, max: 20_000 }),
        (target, a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a]
          assert.ok(rank(kpiRag(target, 'higher', hi)) <= rank(kpiRag(target, 'higher', lo)))
          assert.ok(rank(kpiRag(target, 'lower', lo)) <= rank(kpiRag(target, 'lower', hi)))
        },
      ),
    )
  })

  test('meeting the target is always green', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 1000 }), (target, extra) => {
        assert.equal(kpiRag(target, 'higher', target + extra), 'green')
        assert.equal(kpiRag(target, 'lower', Math.max(0, target - extra)), 'green')
      }),
    )
  })

  test('targets are read from the contract text', () => {
    assert.deepEqual(parseKpiTarget('150 a year'), { target: 150, unit: 'a year' })
    assert.deepEqual(parseKpiTarget('85%'), { target: 85, unit: '%' })
    assert.deepEqual(parseKpiTarget('1,200 visits'), { target: 1200, unit: 'visits' })
    assert.equal(parseKpiTarget('most residents'), undefined)
  })
})

describe('reporting periods and lateness', () => {
  test('example: quarterly from 1 January, due 14 days after each quarter', () => {
    const p = reportingPeriods(
      { startOn: '2026-01-01', endOn: '2026-12-31', periodMonths: 3, dueAfterDays: 14 },
      '2026-07-02',
    )
    assert.deepEqual(
      p.map((x) => [x.index, x.start, x.end, x.due]),
      [
        [1, '2026-01-01', '2026-03-31', '2026-04-14'],
        [2, '2026-04-01', '2026-06-30', '2026-07-14'],
        [3, '2026-07-01', '2026-09-30', '2026-10-14'],
      ],
    )
  })

  test('periods tile the term without gaps or overlaps and stop at the end date', () => {
    fc.assert(
      fc.property(
        isoDate,
        fc.integer({ min: 1, max: 48 }),
        fc.constantFrom(1, 3, 6, 12),
        isoDate,
        (start, months, every, today) => {
          const end = addDays(addMonths(start, months), -1)
          const ps = reportingPeriods({ startOn: start, endOn: end, periodMonths: every, dueAfterDays: 14 }, today)
          if (today < start) assert.equal(ps.length, 0)
          else assert.ok(ps.length >= 1)
          ps.forEach((p, i) => {
            assert.ok(p.start <= p.end)
            assert.ok(p.end <= end)
            assert.ok(p.start <= today)
            assert.equal(p.index, i + 1)
            if (i > 0) assert.equal(p.start, addDays(ps[i - 1]!.end, 1))
            assert.equal(p.due, addDays(p.end, 14))
          })
          if (ps.length > 0) assert.equal(ps[0]!.start, start)
        },
      ),
    )
  })

  test('examples: due, grace, overdue, late', () => {
    assert.equal(lateness('2026-04-14', 7, null, '2026-04-14'), 'not_due')
    assert.equal(lateness('2026-04-14', 7, null, '2026-04-21'), 'in_grace')
    assert.equal(lateness('2026-04-14', 7, null, '2026-04-22'), 'overdue')
    assert.equal(lateness('2026-04-14', 7, '2026-04-21T23:00:00Z', '2026-06-01'), 'on_time')
    assert.equal(lateness('2026-04-14', 7, '2026-04-22T00:01:00Z', '2026-06-01'), 'late')
  })

  test('a missing return only gets worse as time passes; a submitted one does not change', () => {
    const order = ['not_due', 'in_grace', 'overdue']
    fc.assert(
      fc.property(isoDate, fc.integer({ min: 0, max: 30 }), isoDate, isoDate, isoDate, (due, grace, a, b, sub) => {
        const [early, late] = a <= b ? [a, b] : [b, a]
        assert.ok(order.indexOf(lateness(due, grace, null, early)) <= order.indexOf(lateness(due, grace, null, late)))
        assert.equal(lateness(due, grace, sub, early), lateness(due, grace, sub, late))
      }),
    )
  })

  test('overdue returns make the flag red; grace makes it amber; all on time is green', () => {
    assert.equal(returnsRag([]), 'grey')
    assert.equal(returnsRag(['on_time', 'on_time']), 'green')
    assert.equal(returnsRag(['on_time', 'late']), 'amber')
    assert.equal(returnsRag(['late', 'on_time']), 'green')
    assert.equal(returnsRag(['on_time', 'in_grace']), 'amber')
    assert.equal(returnsRag(['late', 'overdue', 'on_time']), 'red')
  })
})

describe('milestones, status and progress', () => {
  test('milestones: grey before due, amber overdue, red after 30 days, green when done', () => {
    assert.equal(milestoneRag({ dueOn: '2026-05-01', doneOn: null }, '2026-05-01'), 'grey')
    assert.equal(milestoneRag({ dueOn: '2026-05-01', doneOn: null }, '2026-05-02'), 'amber')
    assert.equal(milestoneRag({ dueOn: '2026-05-01', doneOn: null }, '2026-06-01'), 'red')
    assert.equal(milestoneRag({ dueOn: '2026-05-01', doneOn: '2026-07-01' }, '2026-08-01'), 'green')
  })

  test('weighted milestone progress stays within 0–100 and is 100 when all are done', () => {
    const ms = fc.array(fc.record({ weight: fc.integer({ min: 0, max: 10 }), done: fc.boolean() }), { maxLength: 12 })
    fc.assert(
      fc.property(ms, (list) => {
        const input = list.map((m) => ({ weight: m.weight, doneOn: m.done ? '2026-01-01' : null }))
        const p = milestoneProgress(input)
        assert.ok(p >= 0 && p <= 100)
        if (list.some((m) => m.weight > 0) && list.every((m) => m.done)) assert.equal(p, 100)
        if (list.every((m) => !m.done)) assert.equal(p, 0)
      }),
    )
    assert.equal(
      milestoneProgress([
        { weight: 3, doneOn: '2026-01-01' },
        { weight: 1, doneOn: null },
      ]),
      75,
    )
  })

  test('the status follows the officer for finished services and the flag otherwise', () => {
    assert.equal(deliveryStatus('active', 'red'), 'off_track')
    assert.equal(deliveryStatus('active', 'amber'), 'at_risk')
    assert.equal(deliveryStatus('active', 'green'), 'on_track')
    assert.equal(deliveryStatus('active', 'grey'), 'on_track')
    assert.equal(deliveryStatus('completed', 'red'), 'completed')
    assert.equal(serviceRag('cancelled', ['red']), 'grey')
    assert.equal(serviceRag('active', ['green', 'red', 'grey']), 'red')
  })

  test('worstRag is the maximum and ignores order', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...RAGS)), (rs) => {
        const w = worstRag(rs)
        assert.ok(rs.every((r) => rank(r) <= rank(w)))
        assert.equal(worstRag([...rs].reverse()), w)
      }),
    )
  })
})

describe('roll-up of children to parents', () => {
  test('example: weighted by the children’s weights', () => {
    const out = rollUp([
      { id: 1, parentId: null, weight: 1, progress: 0, rag: 'grey' },
      { id: 2, parentId: 1, weight: 9, progress: 100, rag: 'green' },
      { id: 3, parentId: 1, weight: 1, progress: 0, rag: 'red' },
    ])
    assert.deepEqual(out.get(1), { progress: 90, rag: 'red' })
    assert.deepEqual(out.get(2), { progress: 100, rag: 'green' })
  })

  const tree = fc
    .array(
      fc.record({
        parent: fc.nat(),
        weight: fc.integer({ min: 0, max: 20 }),
        progress: fc.integer({ min: 0, max: 100 }),
        rag: fc.constantFrom(...RAGS),
      }),
      { minLength: 1, maxLength: 25 },
    )
    .map((rows) =>
      rows.map((r, i): TreeNode => ({
        id: i + 1,
        // Parents always come earlier, so these are trees (cycles are tested separately).
        parentId: i === 0 || r.parent % 3 === 0 ? null : (r.parent % i) + 1,
        weight: r.weight,
        progress: r.progress,
        rag: r.rag,
      })),
    )

  test('a parent’s progress lies between its children’s, and its flag is at least as bad as each child’s', () => {
    fc.assert(
      fc.property(tree, (nodes) => {
        const out = rollUp(nodes)
        for (const n of nodes) {
          const kids = nodes.filter((k) => k.parentId === n.id)
          const me = out.get(n.id)!
          assert.ok(me.progress >= 0 && me.progress <= 100)
          if (kids.length === 0) {
            assert.deepEqual(me, { progress: n.progress, rag: n.rag })
            continue
          }
          const ps = kids.map((k) => out.get(k.id)!.progress)
          assert.ok(me.progress >= Math.min(...ps) - 0.05 && me.progress <= Math.max(...ps) + 0.05)
          for (const k of kids) assert.ok(rank(me.rag) >= rank(out.get(k.id)!.rag))
        }
      }),
    )
  })

  test('scaling every weight by the same factor changes nothing', () => {
    fc.assert(
      fc.property(tree, fc.integer({ min: 2, max: 7 }), (nodes, f) => {
        const a = rollUp(nodes)
        const b = rollUp(nodes.map((n) => ({ ...n, weight: n.weight * f })))
        for (const n of nodes) assert.ok(Math.abs(a.get(n.id)!.progress - b.get(n.id)!.progress) <= 0.1)
      }),
    )
  })

  test('cancelled children do not hold a parent back; cycles end', () => {
    const out = rollUp([
      { id: 1, parentId: null, weight: 1, progress: 0, rag: 'grey' },
      { id: 2, parentId: 1, weight: 1, progress: 80, rag: 'green' },
      { id: 3, parentId: 1, weight: 5, progress: 0, rag: 'grey', cancelled: true },
    ])
    assert.equal(out.get(1)!.progress, 80)
    const loop = rollUp([
      { id: 1, parentId: 2, weight: 1, progress: 10, rag: 'green' },
      { id: 2, parentId: 1, weight: 1, progress: 30, rag: 'amber' },
    ])
    assert.equal(loop.size, 2)
  })
})

describe('spend from the ledger', () => {
  test('committed is open plus paid; remaining is open; split by partner', () => {
    const postings = [
      // commitment of £9,000 from pledge 1: allocated → committed
      { account: 'allocated', pledgeId: 1, commitmentRef: null, amountPence: -900_000 },
      { account: 'committed', pledgeId: 1, commitmentRef: 'WT-1', amountPence: 900_000 },
      // payment of £4,500: committed → paid
      { account: 'committed', pledgeId: 1, commitmentRef: 'WT-1', amountPence: -450_000 },
      { account: 'paid', pledgeId: 1, commitmentRef: 'WT-1', amountPence: 450_000 },
      // another contract's money is not counted
      { account: 'committed', pledgeId: 2, commitmentRef: 'WT-2', amountPence: 100_000 },
    ]
    const s = spendFromPostings(postings, new Set(['WT-1']), (id) => (id === 1 ? 'Council' : 'NHS'))
    assert.deepEqual(s, {
      committedPence: 900_000,
      paidPence: 450_000,
      remainingPence: 450_000,
      byPartner: [{ partnerName: 'Council', committedPence: 900_000, paidPence: 450_000 }],
    })
  })

  test('for any sequence of commitments and payments, committed = paid + remaining and partners add up', () => {
    const op = fc.record({ pledge: fc.integer({ min: 1, max: 3 }), commit: fc.nat(100_000), pay: fc.nat(100_000) })
    fc.assert(
      fc.property(fc.array(op, { maxLength: 20 }), (ops) => {
        const postings = ops.flatMap((o) => {
          const pay = Math.min(o.pay, o.commit)
          return [
            { account: 'committed', pledgeId: o.pledge, commitmentRef: 'R', amountPence: o.commit },
            { account: 'committed', pledgeId: o.pledge, commitmentRef: 'R', amountPence: -pay },
            { account: 'paid', pledgeId: o.pledge, commitmentRef: 'R', amountPence: pay },
          ]
        })
        const s = spendFromPostings(postings, new Set(['R']), (id) => `P${id}`)
        assert.equal(s.committedPence, s.paidPence + s.remainingPence)
        assert.equal(
          s.committedPence,
          ops.reduce((a, o) => a + o.commit, 0),
        )
        assert.equal(
          s.byPartner.reduce((a, p) => a + p.committedPence, 0),
          s.committedPence,
        )
        const doubled = addSpend(s, s)
        assert.equal(doubled.paidPence, 2 * s.paidPence)
      }),
    )
  })
})

describe('ratings and surveys', () => {
  test('summary counts only 1–5 and averages to one decimal', () => {
    assert.deepEqual(ratingSummary([5, 4, 4, 0, 6, 2.5]), { count: 3, average: 4.3, byStars: [0, 0, 0, 2, 1] })
    assert.deepEqual(ratingSummary([]), { count: 0, average: null, byStars: [0, 0, 0, 0, 0] })
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5 })), (stars) => {
        const s = ratingSummary(stars)
        assert.equal(s.count, stars.length)
        assert.equal(
          s.byStars.reduce((a, b) => a + b, 0),
          stars.length,
        )
        if (s.average !== null) assert.ok(s.average >= 1 && s.average <= 5)
      }),
    )
  })

  test('surveys go out at most once every 28 days', () => {
    assert.equal(maySendSurvey(null, '2026-05-01T00:00:00Z'), true)
    assert.equal(maySendSurvey('2026-05-01T00:00:00Z', '2026-05-28T23:59:59Z'), false)
    assert.equal(maySendSurvey('2026-05-01T00:00:00Z', '2026-05-29T00:00:00Z'), true)
  })
})
