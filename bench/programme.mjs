// Benchmark of the public programme page (issue 9 §4) on the BUILT code (dist/), in this process on a fresh SQLite
// file: Norbiton with 100,000 responses (each choosing 1-3 themes, at real ward postcodes so reach places them),
// 500 ideas, 20 tracked contracts under 5 parent services with 5 years of quarterly returns (3 KPIs each) and their
// commitments and quarterly payments posted through the real ledger. All data is GENERATED here; the figures measure
// speed only. Measured with app.inject: the page one request at a time and under load (8 requests in flight), the
// JSON API, the CSV and the PDF; the report alone (no HTML), cold and warm; the reach page for comparison; and, as
// the baseline in the same run, GET /healthz.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {
  dist,
  generateContract,
  generateProgramme,
  postContractMoney,
  stats,
  time,
  underLoad,
  WARD,
} from './support.mjs'

export async function benchProgramme(log = () => {}, opts = {}) {
  const responses = opts.responses ?? 100_000
  const ideas = opts.ideas ?? 500
  const years = opts.years ?? 5
  const runs = opts.runs ?? 10
  const loadRequests = opts.loadRequests ?? 32
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wt-bench-programme-'))
  const { loadConfig } = await dist('config.js')
  const { buildApp } = await dist('app.js')
  const { seedEngagement } = await dist('modules/engagement/index.js')
  const ledgerModule = await dist('modules/ledger/index.js')
  const { seedLedgerDemo, createLedger, listFunds, listPostings } = ledgerModule
  const { seedDemoRound } = await dist('modules/prioritisation/index.js')
  const repo = await dist('modules/delivery/delivery.repository.js')
  const rules = await dist('modules/delivery/delivery.rules.js')
  const { addMonths, addDays } = rules
  const { createProgrammeService } = await dist('modules/programme/index.js')
  const { insertUser } = await dist('modules/accounts/index.js')
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: dir,
    DEMO_MODE: 'false',
    PASSWORD_SCRYPT_LOG2N: '10',
  })
  const t0 = performance.now()
  const built = await buildApp(config, { logger: false })
  try {
    const db = built.db.db
    const ward = await built.wards.byCode(WARD)
    const today = new Date().toISOString().slice(0, 10)

    log(`programme: generating ${responses} responses, ${ideas} ideas, 20 contracts with ${years} years of returns`)
    await seedEngagement(db, built.tenant, ward.id, { demo: true, responses: 0 })
    await seedDemoRound(db, ward)
    const consultation = await db
      .selectFrom('engagement_consultation')
      .select('id')
      .where('ward_id', '=', ward.id)
      .executeTakeFirstOrThrow()
    const themesQuestion = await db
      .selectFrom('engagement_question')
      .select('id')
      .where('consultation_id', '=', consultation.id)
      .where('kind', '=', 'themes')
      .executeTakeFirstOrThrow()
    const themes = await db
      .selectFrom('engagement_theme')
      .select(['id', 'slug'])
      .where('ward_id', '=', ward.id)
      .execute()
    const postcodes = (
      await db.selectFrom('geography_postcode').select('postcode').where('ward_id', '=', ward.id).execute()
    ).map((p) => p.postcode)
    const channels = ['online', 'online', 'online', 'event', 'paper', 'doorstep', 'phone', 'assisted']
    const chunk = 2000
    await db.transaction().execute(async (trx) => {
      for (let start = 0; start < responses; start += chunk) {
        const rows = []
        for (let i = start; i < Math.min(responses, start + chunk); i++)
          rows.push({
            ward_id: ward.id,
            consultation_id: consultation.id,
            submission_key: `bench-${String(i).padStart(8, '0')}`,
            channel: channels[i % channels.length],
            postcode: postcodes.length ? postcodes[(i * 7919) % postcodes.length] : null,
            area_code: null,
            respondent_user_id: null,
            entered_by_user_id: null,
            event_id: null,
            responded_on: today,
            is_demo: 1,
            created_at: today,
          })
        const ids = await trx.insertInto('engagement_response').values(rows).returning('id').execute()
        await trx
          .insertInto('engagement_answer')
          .values(
            ids.map((r, k) => {
              const n = start + k
              const chosen = themes.filter((_, j) => (n >> j) % 2 === 1 || j === n % themes.length).slice(0, 3)
              return {
                ward_id: ward.id,
                response_id: r.id,
                question_id: themesQuestion.id,
                value: JSON.stringify(chosen.map((t) => t.slug)),
              }
            }),
          )
          .execute()
      }
    })
    const author = await insertUser(db, {
      email: 'bench-author@bench.example',
      name: 'Bench author',
      postcode: 'KT2 7AA',
      homeWardId: ward.id,
      passwordHash: 'x',
      isDemo: true,
    })
    await db.transaction().execute(async (trx) => {
      for (let start = 0; start < ideas; start += chunk)
        await trx
          .insertInto('ideas_idea')
          .values(
            Array.from({ length: Math.min(chunk, ideas - start) }, (_, k) => ({
              ward_id: ward.id,
              author_user_id: author,
              kind: 'idea',
              title: `Generated idea ${start + k}`,
              body: 'Generated for the benchmark.',
              theme_id: themes[(start + k) % themes.length].id,
              postcode: 'KT2 7AA',
              status: 'open',
              status_reason: null,
              hidden_at: null,
              hidden_reason: null,
              hidden_by_user_id: null,
              is_demo: 1,
              created_at: today,
            })),
          )
          .execute()
    })

    await seedLedgerDemo(db, { wardId: ward.id, wardName: ward.name, dialect: built.db.dialect })
    const fund = (await listFunds(db, ward.id))[0]
    const line = (await listPostings(db, fund.id)).find((p) => p.account === 'allocated' && p.theme !== null)
    const ledger = createLedger({ db, dialect: built.db.dialect, write: (w) => db.transaction().execute(w) })
    const startOn = addMonths(today, -12 * years)
    const endOn = addDays(addMonths(startOn, 12 * years + 12), -1)
    let returns = 0
    await db.transaction().execute(async (trx) => {
      for (let p = 0; p < 5; p++) {
        const parent = await generateProgramme(trx, repo, { p, wardId: ward.id, theme: line.theme, startOn, endOn })
        for (let c = 0; c < 4; c++) {
          const n = p * 4 + c
          const contract = await generateContract(
            trx,
            { repo, rules },
            { n, wardId: ward.id, parentId: parent, theme: line.theme, startOn, endOn, today },
          )
          returns += contract.returns
        }
      }
    })
    for (let n = 0; n < 20; n++)
      await postContractMoney(ledgerModule, ledger, { wardId: ward.id, fundId: fund.id, line, n, quarters: 4 * years })

    const generatedMs = Math.round(performance.now() - t0)
    log(
      `programme: generated in ${generatedMs} ms; timing ${runs} runs each, then ${loadRequests} page requests with 8 in flight`,
    )
    const inject = (url) => built.app.inject({ method: 'GET', url })
    const ok = async (url) => {
      const r = await inject(url)
      if (r.statusCode !== 200) throw new Error(`${url} answered ${r.statusCode}`)
      return r
    }
    const page = `/wards/${WARD}/programme`
    await ok(page)
    await inject('/healthz')
    const service = createProgrammeService(db)
    const base = await time(runs, () => inject('/healthz'))
    // Cold: a new service each time, so every response is placed and counted again (what the first request after
    // a new response pays). Warm: the tally is kept while the ward's responses are unchanged.
    const reportCold = await time(2, () => createProgrammeService(db).accountability(ward))
    await service.accountability(ward)
    const report = await time(runs, () => service.accountability(ward))
    // For comparison, the reach module's own public page, which places every response on each request.
    const reachPage = await time(1, () => ok(`/wards/${WARD}/reach`))
    const html = await time(runs, () => ok(page))
    const api = await time(runs, () => ok(`/api/v1/wards/${WARD}/accountability`))
    const csv = await time(3, () => ok(`${page}/report.csv`))
    const pdf = await time(2, () => ok(`${page}/report.pdf?lang=ko`))
    const load = await underLoad(loadRequests, 8, () => ok(page))

    const r = await service.accountability(ward)
    const out = {
      note: 'generated data, in-process SQLite, wall milliseconds on a shared machine',
      responses,
      ideas,
      contracts: 20,
      returns,
      generatedMs,
      healthz: stats(base),
      reportCold: stats(reportCold),
      reportWarm: stats(report),
      reachPageForComparison: stats(reachPage),
      page: stats(html),
      pageUnderLoad8: {
        ...stats(load.samples),
        requestsPerSecond: Math.round((loadRequests / load.wallMs) * 10000) / 10,
      },
      api: stats(api),
      csv: stats(csv),
      pdfKorean: stats(pdf),
    }
    out.pageP50VsHealthz = Math.round((out.page.p50Ms / Math.max(out.healthz.p50Ms, 0.01)) * 10) / 10
    // A sanity check that the figures were computed over the generated data, not an empty ward.
    out.sample = {
      publishedResponses: r.voices.responses,
      placedHeard: r.reach.heard,
      services: r.services.length,
      paidPence: r.fund.totals.paidPence,
    }
    return out
  } finally {
    await built.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
