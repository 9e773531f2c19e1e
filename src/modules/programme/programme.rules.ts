import { toCsv as csvFile, type SheetValue } from '../../platform/files/csv.js'

/**
 * Pure rules for the public programme picture: money read from the ledger's postings, chart layouts and the CSV
 * download. No I/O here; the service gathers the inputs and the routes render the results.
 */

/** A ledger posting as the ledger index returns it (signed pence: debits positive, the `pledged` credit negative). */
export interface PostingIn {
  account: string
  pledgeId: number
  commitmentRef: string | null
  amountPence: number
}

export interface MoneyTotals {
  /** Promised by partners. */
  pledgedPence: number
  /** Promised and received into the fund. */
  receivedPence: number
  /** Earmarked to a theme and priority, not yet committed to a contract. */
  allocatedPence: number
  /** Committed to contracts and grants, including what has since been paid. */
  committedPence: number
  paidPence: number
  /** Received and not yet earmarked. */
  availablePence: number
}

const ZERO: MoneyTotals = {
  pledgedPence: 0,
  receivedPence: 0,
  allocatedPence: 0,
  committedPence: 0,
  paidPence: 0,
  availablePence: 0,
}

/** Balances per account from postings, then the figures a partner board reads. */
export function moneyTotals(postings: readonly PostingIn[]): MoneyTotals {
  const b = new Map<string, number>()
  for (const p of postings) b.set(p.account, (b.get(p.account) ?? 0) + p.amountPence)
  const get = (a: string) => b.get(a) ?? 0
  const pledged = -get('pledged')
  return {
    pledgedPence: pledged,
    receivedPence: pledged - get('receivable'),
    allocatedPence: get('allocated'),
    committedPence: get('committed') + get('paid'),
    paidPence: get('paid'),
    availablePence: get('available'),
  }
}

export function addTotals(a: MoneyTotals, b: MoneyTotals): MoneyTotals {
  return {
    pledgedPence: a.pledgedPence + b.pledgedPence,
    receivedPence: a.receivedPence + b.receivedPence,
    allocatedPence: a.allocatedPence + b.allocatedPence,
    committedPence: a.committedPence + b.committedPence,
    paidPence: a.paidPence + b.paidPence,
    availablePence: a.availablePence + b.availablePence,
  }
}

export const emptyTotals = (): MoneyTotals => ({ ...ZERO })

/** Fund figures per partner: every posting belongs to the pledge its money came from, and a pledge to a partner. */
export function moneyByPartner(
  partners: readonly { id: number; name: string; kind: string }[],
  pledges: readonly { id: number; partnerId: number }[],
  postings: readonly PostingIn[],
): ({ partnerName: string; kind: string } & MoneyTotals)[] {
  const partnerOf = new Map(pledges.map((p) => [p.id, p.partnerId]))
  return partners
    .map((pa) => ({
      partnerName: pa.name,
      kind: pa.kind,
      ...moneyTotals(postings.filter((p) => partnerOf.get(p.pledgeId) === pa.id)),
    }))
    .filter((r) => r.pledgedPence !== 0)
}

/** One contract's money (its commitment reference), in total and per partner whose pledge paid for it. */
export function contractSpend(
  commitmentRef: string,
  partners: readonly { id: number; name: string }[],
  pledges: readonly { id: number; partnerId: number }[],
  postings: readonly PostingIn[],
): {
  committedPence: number
  paidPence: number
  remainingPence: number
  byPartner: { partnerName: string; committedPence: number; paidPence: number }[]
} {
  const mine = postings.filter((p) => p.commitmentRef === commitmentRef)
  const partnerOf = new Map(pledges.map((p) => [p.id, p.partnerId]))
  const all = moneyTotals(mine)
  const byPartner = partners
    .map((pa) => {
      const t = moneyTotals(mine.filter((p) => partnerOf.get(p.pledgeId) === pa.id))
      return { partnerName: pa.name, committedPence: t.committedPence, paidPence: t.paidPence }
    })
    .filter((r) => r.committedPence !== 0 || r.paidPence !== 0)
  return {
    committedPence: all.committedPence,
    paidPence: all.paidPence,
    remainingPence: all.committedPence - all.paidPence,
    byPartner,
  }
}

// --- Charts -------------------------------------------------------------------------------------------

export interface BarInput {
  label: string
  /** null: hidden by disclosure control (drawn as no bar, with the word the caller gives in `display`). */
  value: number | null
  display: string
}

export interface BarLayout {
  width: number
  height: number
  labelWidth: number
  barMax: number
  bars: { label: string; short: string; display: string; y: number; barWidth: number; textX: number; hidden: boolean }[]
}

/**
 * Horizontal bars with the label on the left and the figure written after each bar, so nothing is told by colour
 * or length alone. Bars scale to the largest shown value; zero and hidden values draw no bar.
 */
export function layoutBars(
  items: readonly BarInput[],
  opts: { width?: number; rowHeight?: number; labelWidth?: number; valueWidth?: number } = {},
): BarLayout {
  const width = opts.width ?? 640
  const rowHeight = opts.rowHeight ?? 32
  const labelWidth = opts.labelWidth ?? 220
  const valueWidth = opts.valueWidth ?? 110
  const barMax = Math.max(0, width - labelWidth - valueWidth - 16)
  const max = Math.max(0, ...items.map((i) => (i.value !== null && Number.isFinite(i.value) ? i.value : 0)))
  return {
    width,
    height: Math.max(rowHeight, items.length * rowHeight + 8),
    labelWidth,
    barMax,
    bars: items.map((i, n) => {
      const v = i.value !== null && Number.isFinite(i.value) && i.value > 0 ? i.value : 0
      const barWidth = max > 0 ? Math.round((v / max) * barMax) : 0
      return {
        label: i.label,
        // SVG text does not wrap: long labels are shortened here, and the table beside the chart has them in full.
        short: i.label.length > 30 ? `${i.label.slice(0, 29)}…` : i.label,
        display: i.display,
        y: n * rowHeight + 4,
        barWidth,
        textX: labelWidth + barWidth + 8,
        hidden: i.value === null,
      }
    }),
  }
}

// --- CSV ----------------------------------------------------------------------------------------------

export interface CsvSection {
  title: string
  head: string[]
  rows: (string | number | null)[][]
}

/**
 * One CSV file holding every table of the report, a titled block each with a blank line between. It starts with a
 * byte-order mark so spreadsheet programs read Polish and Korean text as UTF-8, and every cell goes through the
 * formula-injection guard (a leading = + - @ is read as text). A hidden (suppressed) count is an empty cell.
 */
export function toCsv(sections: readonly CsvSection[]): string {
  const rows: SheetValue[][] = []
  for (const s of sections) {
    if (rows.length > 0) rows.push([])
    rows.push([s.title], s.head, ...s.rows)
  }
  return csvFile(rows)
}
