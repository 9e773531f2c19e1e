import ExcelJS from 'exceljs'
import { sheetText } from '../../platform/files/csv.js'
import type { Bid, Contract, Process, Score } from './commissioning.repository.js'
import { formatTotal, rankBids } from './commissioning.rules.js'

/**
 * Officers' downloads of bids, scores and contracts (CSV and XLSX). Pure apart from the XLSX writer: the caller
 * decides which bids the officer may see (sealed and conflicted bids are never passed in).
 */

export type Cell = string | number | null
export interface Sheet {
  name: 'bids' | 'answers' | 'scores' | 'contracts'
  rows: Cell[][]
}

export interface ProcessForExport {
  process: Process
  /** Only bids this officer may read: none while sealed, none from an organisation they are conflicted with. */
  bids: Bid[]
  organisationName: (organisationId: number) => string
  scores: Score[]
  moderation: { bidId: number; criterion: string; score: number; reason: string }[]
  contract: Contract | undefined
  /** The contracted organisation's name, even when this officer may not read its bid. */
  supplier: string | null
  payments: { instalment: number; amountPence: number; paidAt: string }[]
}

const pounds = (pence: number) => pence / 100

export function exportSheets(items: ProcessForExport[]): Sheet[] {
  const bids: Cell[][] = [
    [
      'process_id',
      'process',
      'kind',
      'organisation',
      'price_gbp',
      'updated_at',
      'complete',
      'weighted_total',
      'rank',
      'awarded',
    ],
  ]
  // Method statements one cell per answer, so a cell's text is exactly what the provider wrote (and is protected).
  const answers: Cell[][] = [['process_id', 'process', 'organisation', 'criterion', 'weight', 'answer']]
  const scores: Cell[][] = [
    ['process_id', 'process', 'organisation', 'criterion', 'weight', 'stage', 'evaluator', 'score', 'reason'],
  ]
  const contracts: Cell[][] = [
    [
      'process_id',
      'process',
      'kind',
      'supplier',
      'value_gbp',
      'start_date',
      'end_date',
      'commitment_ref',
      'instalments',
      'paid_gbp',
      'remaining_gbp',
      'milestones',
    ],
  ]
  for (const i of items) {
    const p = i.process
    const ranked = rankBids(
      p.criteria,
      i.bids.map((b) => ({
        bidId: b.id,
        pricePence: b.pricePence,
        scores: Object.fromEntries(i.moderation.filter((m) => m.bidId === b.id).map((m) => [m.criterion, m.score])),
      })),
    )
    // Evaluators are numbered within a process, never named: panel members are residents.
    const evaluators = [...new Set(i.scores.map((s) => s.scorerUserId))].sort((a, b) => a - b)
    for (const b of i.bids) {
      const r = ranked.find((x) => x.bidId === b.id)
      bids.push([
        p.id,
        p.title,
        p.opportunityKind,
        i.organisationName(b.organisationId),
        pounds(b.pricePence),
        b.updatedAt,
        r?.complete ? 'yes' : 'no',
        r?.complete ? formatTotal(r.totalTenths) : null,
        r?.complete ? r.rank : null,
        p.awardApprovedAt && p.awardBidId === b.id ? 'yes' : 'no',
      ])
      for (const c of p.criteria) {
        answers.push([p.id, p.title, i.organisationName(b.organisationId), c.title, c.weight, b.answers[c.key] ?? ''])
        for (const s of i.scores.filter((x) => x.bidId === b.id && x.criterion === c.key))
          scores.push([
            p.id,
            p.title,
            i.organisationName(b.organisationId),
            c.title,
            c.weight,
            'independent',
            `E${evaluators.indexOf(s.scorerUserId) + 1}`,
            s.score,
            s.reason,
          ])
        const m = i.moderation.find((x) => x.bidId === b.id && x.criterion === c.key)
        if (m)
          scores.push([
            p.id,
            p.title,
            i.organisationName(b.organisationId),
            c.title,
            c.weight,
            'moderated',
            null,
            m.score,
            m.reason,
          ])
      }
    }
    const c = i.contract
    if (c) {
      const paid = i.payments.reduce((s, x) => s + x.amountPence, 0)
      contracts.push([
        p.id,
        p.title,
        p.opportunityKind,
        i.supplier,
        pounds(c.valuePence),
        c.startDate,
        c.endDate,
        c.commitmentRef,
        c.schedule.length,
        pounds(paid),
        pounds(c.valuePence - paid),
        c.milestones.join('\n'),
      ])
    }
  }
  return [
    { name: 'bids', rows: bids },
    { name: 'answers', rows: answers },
    { name: 'scores', rows: scores },
    { name: 'contracts', rows: contracts },
  ]
}

export async function toXlsx(sheets: Sheet[], creator: string, titles: Record<Sheet['name'], string>) {
  const book = new ExcelJS.Workbook()
  book.creator = creator
  for (const s of sheets) {
    const sheet = book.addWorksheet(titles[s.name])
    // Cells are values, never formulas; text that looks like one is written as text (see sheetText in
    // platform/files/csv.ts).
    for (const row of s.rows) sheet.addRow(row.map(sheetText))
    sheet.getRow(1).font = { bold: true }
    sheet.views = [{ state: 'frozen', ySplit: 1 }]
  }
  return Buffer.from(await book.xlsx.writeBuffer())
}
