// Benchmarks of commissioning's pure code on the BUILT modules (dist/): ranking bids and building the officers'
// downloads (CSV and XLSX) from synthetic processes. Figures are milliseconds of wall time on this machine; the
// baseline is JSON.stringify of the same rows, measured in the same run, so the ratios travel between machines.
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const ms = (t0) => Math.round((performance.now() - t0) * 10) / 10
const ratio = (a, b) => Math.round((a / Math.max(b, 0.1)) * 100) / 100

/** A deterministic generator, so every run scores the same synthetic bids. */
function lcg(seed) {
  let s = seed >>> 0
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32
}

export async function benchCommissioning(log, { processes = 200, bidsPerProcess = 8, rankBidCount = 20_000 } = {}) {
  const { rankBids } = await import(path.join(root, 'dist/src/modules/commissioning/commissioning.rules.js'))
  const { exportSheets, toCsv, toXlsx } = await import(
    path.join(root, 'dist/src/modules/commissioning/commissioning.export.js')
  )
  const rnd = lcg(7)
  const criteria = [
    { key: 'quality', title: 'Quality', weight: 40 },
    { key: 'price', title: 'Value for money', weight: 20 },
    { key: 'social-value', title: 'Social value', weight: 20 },
    { key: 'local-benefit', title: 'Local benefit', weight: 20 },
  ]
  const score = () => Math.floor(rnd() * 11)

  log('commissioning: rankBids')
  const many = Array.from({ length: rankBidCount }, (_, i) => ({
    bidId: i + 1,
    pricePence: 100_000 + Math.floor(rnd() * 900_000),
    scores: Object.fromEntries(criteria.filter(() => rnd() > 0.05).map((c) => [c.key, score()])),
  }))
  let t0 = performance.now()
  const ranked = rankBids(criteria, many)
  const rankMs = ms(t0)

  log('commissioning: exports')
  let bidId = 0
  const items = Array.from({ length: processes }, (_, p) => {
    const bids = Array.from({ length: bidsPerProcess }, (_, b) => ({
      id: ++bidId,
      processId: p + 1,
      organisationId: b + 1,
      // One answer in ten starts like a formula, so the protection does real work.
      answers: Object.fromEntries(
        criteria.map((c) => [c.key, rnd() < 0.1 ? `=HYPERLINK("x","${c.key}")` : `Answer on ${c.title} `.repeat(20)]),
      ),
      pricePence: 100_000 + Math.floor(rnd() * 900_000),
      updatedAt: '2026-11-26T12:00:00.000Z',
    }))
    const scores = bids.flatMap((b) =>
      [101, 102, 103].flatMap((u) =>
        criteria.map((c) => ({ bidId: b.id, scorerUserId: u, criterion: c.key, score: score(), reason: 'Reason' })),
      ),
    )
    const moderation = bids.flatMap((b) =>
      criteria.map((c) => ({ bidId: b.id, criterion: c.key, score: score(), reason: 'Agreed' })),
    )
    return {
      process: {
        id: p + 1,
        title: `Process ${p + 1}`,
        opportunityKind: 'contract',
        criteria,
        awardApprovedAt: null,
        awardBidId: null,
      },
      bids,
      organisationName: (id) => `Organisation ${id}`,
      scores,
      moderation,
      contract: undefined,
      supplier: null,
      payments: [],
    }
  })
  t0 = performance.now()
  const sheets = exportSheets(items)
  const sheetsMs = ms(t0)
  const rows = sheets.reduce((s, x) => s + x.rows.length, 0)
  t0 = performance.now()
  const json = sheets.map((s) => JSON.stringify(s.rows))
  const jsonMs = ms(t0)
  t0 = performance.now()
  const csv = sheets.map((s) => toCsv(s.rows))
  const csvMs = ms(t0)
  t0 = performance.now()
  const xlsx = await toXlsx(sheets, 'bench', {
    bids: 'Bids',
    answers: 'Answers',
    scores: 'Scores',
    contracts: 'Contracts',
  })
  const xlsxMs = ms(t0)
  const protectedCells = csv.join('').split("'=HYPERLINK").length - 1
  return {
    rankBids: { bids: rankBidCount, ms: rankMs, complete: ranked.filter((r) => r.complete).length },
    export: {
      processes,
      bids: processes * bidsPerProcess,
      rows,
      buildSheetsMs: sheetsMs,
      jsonBaselineMs: jsonMs,
      csvMs,
      xlsxMs,
      csvToJson: ratio(csvMs, jsonMs),
      xlsxToJson: ratio(xlsxMs, jsonMs),
      csvBytes: csv.reduce((s, x) => s + Buffer.byteLength(x), 0),
      jsonBytes: json.reduce((s, x) => s + Buffer.byteLength(x), 0),
      xlsxBytes: xlsx.length,
      formulaCellsProtected: protectedCells,
    },
  }
}
