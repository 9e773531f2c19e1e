// Reach benchmark: time to re-compute a ward's reach (place every response in an LSOA and output area, compare with
// the census, by area and by group, plus the weekly progress) over 100,000 responses, on the BUILT code (dist/).
//
// A temporary SQLite database is built exactly as the app builds its own (buildApp: migrations and the Kingston
// geography pack), then one consultation and N responses are bulk-inserted into the engagement tables, with real
// postcodes of the pilot ward (and, as in real life, some from elsewhere in Kingston, some unknown, some blank),
// spread over twelve weeks. Figures (median of `runs`, milliseconds of wall time):
//   readMs     baseline: reading the response rows the report reads (engagement's listResponsePlaces), nothing else;
//   reportMs   the officer's full report (service.report); ratio = reportMs ÷ readMs;
//   publicMs   the published, disclosure-controlled summary the API serves.
// The report's total is checked against N, so a fast figure cannot come from rows that were not there.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')
const WARD = 'E05013941'
const ms = (t0) => Math.round((performance.now() - t0) * 10) / 10
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

export async function benchReach(log = () => {}, opts = {}) {
  const n = opts.responses ?? 100_000
  const runs = opts.runs ?? 3
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wt-bench-reach-'))
  const { loadConfig } = await import(path.join(root, 'dist/src/config.js'))
  const { buildApp } = await import(path.join(root, 'dist/src/app.js'))
  const { findWardByCode } = await import(path.join(root, 'dist/src/platform/tenancy/index.js'))
  const { listWardPostcodes } = await import(path.join(root, 'dist/src/modules/geography/index.js'))
  const { listResponsePlaces } = await import(path.join(root, 'dist/src/modules/engagement/index.js'))
  const { createReachService } = await import(path.join(root, 'dist/src/modules/reach/index.js'))
  const built = await buildApp(
    loadConfig({ NODE_ENV: 'development', DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'silent', DEMO_MODE: 'false' }),
  )
  try {
    const db = built.db.db
    const ward = await findWardByCode(db, WARD)
    const now = new Date().toISOString()
    const c = await db
      .insertInto('engagement_consultation')
      .values({
        ward_id: ward.id,
        title: 'Bench consultation',
        summary: 'bench',
        status: 'open',
        allow_anonymous: 1,
        theme_ids_json: '[]',
        is_demo: 1,
        created_by_user_id: null,
        created_at: now,
        opened_at: now,
        closed_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    const inWard = (await listWardPostcodes(db, ward.id)).sort()
    // Deterministic mix: 90% ward postcodes, 4% elsewhere in Kingston, 3% not in the table, 3% none given.
    const postcodeOf = (i) => {
      const k = i % 100
      if (k < 90) return inWard[(i * 7919) % inWard.length]
      if (k < 94) return ['KT1 1AA', 'KT2 5AA', 'KT6 4AA'][i % 3]
      if (k < 97) return 'ZZ9 9ZZ'
      return null
    }
    const t0 = performance.now()
    const BATCH = 500
    await db.transaction().execute(async (trx) => {
      for (let start = 0; start < n; start += BATCH) {
        const rows = []
        for (let i = start; i < Math.min(n, start + BATCH); i++) {
          const day = new Date(Date.UTC(2026, 8, 1) + (i % 84) * 86_400_000).toISOString().slice(0, 10)
          rows.push({
            ward_id: ward.id,
            consultation_id: Number(c.id),
            submission_key: `bench-reach-${i}`.padEnd(20, 'x'),
            channel: 'paper',
            postcode: postcodeOf(i),
            area_code: null,
            respondent_user_id: null,
            entered_by_user_id: null,
            event_id: null,
            responded_on: day,
            is_demo: 1,
            created_at: now,
          })
        }
        await trx.insertInto('engagement_response').values(rows).execute()
      }
    })
    const insertMs = ms(t0)
    log(`reach: ${n} responses inserted in ${insertMs} ms`)

    const service = createReachService(db)
    const read = []
    const report = []
    const pub = []
    let last
    for (let r = 0; r < runs; r++) {
      let t = performance.now()
      const rows = await listResponsePlaces(db, ward.id)
      read.push(ms(t))
      if (rows.length !== n) throw new Error(`read ${rows.length} rows, expected ${n}`)
      t = performance.now()
      last = await service.report(ward, { threshold: 0.8 })
      report.push(ms(t))
      t = performance.now()
      await service.publicSummary(ward, 0.8)
      pub.push(ms(t))
      log(`reach: run ${r + 1}: read ${read[r]} ms, report ${report[r]} ms, public ${pub[r]} ms`)
    }
    if (last.placement.total !== n) throw new Error(`report counted ${last.placement.total}, expected ${n}`)
    const readMs = median(read)
    const reportMs = median(report)
    return {
      responses: n,
      runs,
      insertMs,
      readMs,
      reportMs,
      publicMs: median(pub),
      ratio: Math.round((reportMs / readMs) * 100) / 100,
      placed: last.placement.placed,
      outside: last.placement.outside,
      unknown: last.placement.unknown,
      none: last.placement.none,
      weeks: last.progress.length,
    }
  } finally {
    await built.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
