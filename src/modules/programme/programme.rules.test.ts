import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { contractSpend, layoutBars, moneyByPartner, moneyTotals, toCsv, type PostingIn } from './programme.rules.js'

const post = (
  account: string,
  pledgeId: number,
  amountPence: number,
  commitmentRef: string | null = null,
): PostingIn => ({
  account,
  pledgeId,
  amountPence,
  commitmentRef,
})

/** The postings the ledger makes for: pledge 100, receive 80, allocate 50, commit 30 to C1, pay 10. */
function lifecycle(pledgeId: number, ref = 'C1'): PostingIn[] {
  return [
    post('pledged', pledgeId, -100),
    post('receivable', pledgeId, 100),
    post('receivable', pledgeId, -80),
    post('available', pledgeId, 80),
    post('available', pledgeId, -50),
    post('allocated', pledgeId, 50),
    post('allocated', pledgeId, -30),
    post('committed', pledgeId, 30, ref),
    post('committed', pledgeId, -10, ref),
    post('paid', pledgeId, 10, ref),
  ]
}

describe('programme money rules', () => {
  test('totals read the ledger balances the way a partner board does', () => {
    assert.deepEqual(moneyTotals(lifecycle(1)), {
      pledgedPence: 100,
      receivedPence: 80,
      allocatedPence: 20,
      committedPence: 30,
      paidPence: 10,
      availablePence: 30,
    })
  })

  test('money is split by the partner whose pledge it came from; partners with no pledge are left out', () => {
    const rows = moneyByPartner(
      [
        { id: 1, name: 'Council', kind: 'council' },
        { id: 2, name: 'NHS', kind: 'nhs' },
        { id: 3, name: 'Nobody', kind: 'other' },
      ],
      [
        { id: 10, partnerId: 1 },
        { id: 11, partnerId: 2 },
      ],
      [...lifecycle(10), ...lifecycle(11).map((p) => ({ ...p, amountPence: p.amountPence * 2 }))],
    )
    assert.deepEqual(
      rows.map((r) => [r.partnerName, r.pledgedPence, r.paidPence]),
      [
        ['Council', 100, 10],
        ['NHS', 200, 20],
      ],
    )
  })

  test("a contract's spend counts only its own commitment reference", () => {
    const s = contractSpend(
      'C1',
      [{ id: 1, name: 'Council' }],
      [{ id: 10, partnerId: 1 }],
      [...lifecycle(10, 'C1'), post('committed', 10, 5, 'C2')],
    )
    assert.deepEqual(s, {
      committedPence: 30,
      paidPence: 10,
      remainingPence: 20,
      byPartner: [{ partnerName: 'Council', committedPence: 30, paidPence: 10 }],
    })
  })

  test('property: per-partner figures add up to the fund totals', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 1, maxLength: 6 }), (amounts) => {
        const partners = amounts.map((_, i) => ({ id: i + 1, name: `P${i}`, kind: 'other' }))
        const pledges = amounts.map((_, i) => ({ id: 100 + i, partnerId: i + 1 }))
        const postings = amounts.flatMap((a, i) =>
          lifecycle(100 + i).map((p) => ({ ...p, amountPence: p.amountPence * a })),
        )
        const all = moneyTotals(postings)
        const rows = moneyByPartner(partners, pledges, postings)
        for (const k of ['pledgedPence', 'receivedPence', 'committedPence', 'paidPence'] as const)
          assert.equal(
            rows.reduce((s, r) => s + r[k], 0),
            all[k],
          )
      }),
    )
  })
})

describe('bar chart layout', () => {
  test('bars scale to the largest shown value; hidden and zero values draw no bar but keep their words', () => {
    const l = layoutBars(
      [
        { label: 'A', value: 50, display: '50' },
        { label: 'B', value: 100, display: '100' },
        { label: 'C', value: null, display: 'hidden' },
        { label: 'D', value: 0, display: '0' },
      ],
      { width: 500, labelWidth: 100, valueWidth: 84 },
    )
    assert.equal(l.barMax, 300)
    assert.deepEqual(
      l.bars.map((b) => [b.barWidth, b.display, b.hidden]),
      [
        [150, '50', false],
        [300, '100', false],
        [0, 'hidden', true],
        [0, '0', false],
      ],
    )
    assert.ok(l.bars.every((b, i) => i === 0 || b.y > l.bars[i - 1]!.y))
  })

  test('long labels are shortened for the drawing only', () => {
    const label = 'A very long service title that would run into the bars'
    const [b] = layoutBars([{ label, value: 1, display: '1' }]).bars
    assert.equal(b!.label, label)
    assert.ok(b!.short.length <= 30 && b!.short.endsWith('…'))
  })

  test('property: no bar is wider than the space for bars, and none is negative', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.double({ min: -1e9, max: 1e9, noNaN: true }), { nil: null }), { maxLength: 20 }),
        (values) => {
          const l = layoutBars(values.map((v, i) => ({ label: `x${i}`, value: v, display: String(v) })))
          for (const b of l.bars) assert.ok(b.barWidth >= 0 && b.barWidth <= l.barMax)
        },
      ),
    )
  })
})

describe('CSV download', () => {
  test('starts with a byte-order mark, keeps every section, and neutralises spreadsheet formulas', () => {
    const csv = toCsv([
      {
        title: 'Partners',
        head: ['Name', 'Pledged'],
        rows: [
          ['=HYPERLINK("http://x")', 100],
          ['+1', null],
        ],
      },
      { title: 'Zażółć gęślą jaźń', head: ['테마'], rows: [['a,b']] },
    ])
    assert.ok(csv.startsWith('\uFEFF'))
    const lines = csv.slice(1).split('\r\n')
    assert.deepEqual(lines, [
      'Partners',
      'Name,Pledged',
      `"'=HYPERLINK(""http://x"")",100`,
      "'+1,",
      '',
      'Zażółć gęślą jaźń',
      '테마',
      '"a,b"',
      '',
    ])
  })

  test('property: no cell of any CSV line starts a formula', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.string(), { minLength: 1, maxLength: 4 }), { maxLength: 5 }), (rows) => {
        const csv = toCsv([{ title: 't', head: ['h'], rows }])
        for (const line of csv.slice(1).split('\r\n')) assert.ok(!/^[=+\-@]/.test(line), line)
      }),
    )
  })
})
