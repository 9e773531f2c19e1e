// Benchmark of delivery tracking on the BUILT code (dist/), in this process on a fresh SQLite file: a ward with
// 5 programmes of 4 contracts each (20 contracts), 5 years of quarterly returns per contract (3 KPIs, evidence of
// progress through milestones), 200 ratings per contract and the contracts' commitments and quarterly payments
// posted through the real ledger. All data is GENERATED here; the figures measure speed only.
// Measured: building every service's summary (flags, roll-up, spend from postings), and rendering the public
// list, one service page and the officer dashboard through app.inject. Baseline, same run: GET /healthz.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { dist, generateContract, generateProgramme, postContractMoney, stats, time, WARD } from './support.mjs'

export async function benchDelivery(log = () => {}, opts = {}) {
  const runs = opts.runs ?? 40
  const years = opts.years ?? 5
  const ratingsPer = opts.ratingsPerService ?? 200
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wt-bench-delivery-'))
  const { loadConfig } = await dist('config.js')
  const { buildApp } = await dist('app.js')
  const repo = await dist('modules/delivery/delivery.repository.js')
  const rules = await dist('modules/delivery/delivery.rules.js')
  const { addMonths, addDays } = rules
  const { buildWardDelivery } = await dist('modules/delivery/index.js')
  const ledgerModule = await dist('modules/ledger/index.js')
  const { seedLedgerDemo, createLedger, listFunds, listPostings } = ledgerModule
  const { insertUser } = await dist('modules/accounts/index.js')
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: dir,
    DEMO_MODE: 'false',
    PASSWORD_SCRYPT_LOG2N: '10',
  })
  const built = await buildApp(config, { logger: false })
  try {
    const db = built.db.db
    const ward = await built.wards.byCode(WARD)
    log('delivery: generating ledger, 20 contracts, returns and ratings')
    await seedLedgerDemo(db, { wardId: ward.id, wardName: ward.name, dialect: built.db.dialect })
    const fund = (await listFunds(db, ward.id))[0]
    const line = (await listPostings(db, fund.id)).find((p) => p.account === 'allocated' && p.theme !== null)
    const ledger = createLedger({ db, dialect: built.db.dialect, write: (w) => db.transaction().execute(w) })
    const today = new Date().toISOString().slice(0, 10)
    const start = addMonths(today, -12 * years)
    const end = addDays(addMonths(start, 12 * years + 12), -1)

    const users = []
    for (let i = 0; i < ratingsPer; i++)
      users.push(
        await insertUser(db, {
          email: `bench-${i}@bench.example`,
          name: `Bench ${i}`,
          postcode: 'KT2 7AA',
          homeWardId: ward.id,
          passwordHash: 'x',
          isDemo: true,
        }),
      )

    let postings = 0
    let returns = 0
    let serviceId = 0
    await db.transaction().execute(async (trx) => {
      for (let p = 0; p < 5; p++) {
        const parent = await generateProgramme(trx, repo, {
          p,
          wardId: ward.id,
          theme: line.theme,
          startOn: start,
          endOn: end,
        })
        for (let c = 0; c < 4; c++) {
          const n = p * 4 + c
          const orgId = Number(
            (
              await trx
                .insertInto('directory_organisation')
                .values({
                  uuid: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
                  ward_id: ward.id,
                  name: `Bench provider ${n}`,
                  kind: 'charity',
                  description: '',
                  website: '',
                  email: '',
                  charity_number: '',
                  company_number: '',
                  is_demo: 1,
                  created_at: today,
                  updated_at: today,
                })
                .returning('id')
                .executeTakeFirstOrThrow()
            ).id,
          )
          const contract = await generateContract(
            trx,
            { repo, rules },
            {
              n,
              wardId: ward.id,
              parentId: parent,
              providerOrganisationId: orgId,
              theme: line.theme,
              startOn: start,
              endOn: end,
              today,
            },
          )
          const id = contract.id
          serviceId = id
          returns += contract.returns
          for (let u = 0; u < ratingsPer; u++)
            await repo.saveRating(trx, {
              serviceId: id,
              wardId: ward.id,
              userId: users[u],
              stars: 1 + ((u * 7 + n) % 5),
              comment: u % 4 === 0 ? `Generated comment ${u}` : '',
              wantsSurveys: u % 3 === 0,
            })
        }
      }
    })
    // Money moves through the real ledger: a commitment per contract and a payment per quarter.
    for (let n = 0; n < 20; n++)
      postings += await postContractMoney(ledgerModule, ledger, {
        wardId: ward.id,
        fundId: fund.id,
        line,
        n,
        quarters: 4 * years,
      })

    log(`delivery: timing ${runs} runs each`)
    const inject = (url, cookie) => built.app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} })
    await inject('/healthz')
    await buildWardDelivery(db, ward.id)
    const base = await time(runs, () => inject('/healthz'))
    const summary = await time(runs, () => buildWardDelivery(db, ward.id))
    const list = await time(runs, async () => {
      const r = await inject(`/wards/${WARD}/delivery`)
      if (r.statusCode !== 200) throw new Error(`list page ${r.statusCode}`)
    })
    const page = await time(runs, async () => {
      const r = await inject(`/wards/${WARD}/delivery/services/${serviceId}`)
      if (r.statusCode !== 200) throw new Error(`service page ${r.statusCode}`)
    })
    const all = await buildWardDelivery(db, ward.id)
    const out = {
      note: 'generated data, in-process SQLite, wall milliseconds on a shared machine',
      services: all.size,
      contracts: 20,
      returns,
      ratings: 20 * ratingsPer,
      ledgerPostings: postings,
      healthz: stats(base),
      wardSummary: stats(summary),
      publicListPage: stats(list),
      servicePage: stats(page),
    }
    out.listPageP50VsHealthz = Math.round((out.publicListPage.p50Ms / Math.max(out.healthz.p50Ms, 0.01)) * 10) / 10
    // A sanity check that the figures were computed over real data, not an empty ward.
    const sample = all.get(serviceId)
    out.sampleService = {
      rag: sample.summary.rag,
      progressPercent: sample.summary.progressPercent,
      paidPence: sample.summary.spend.paidPence,
      ratings: sample.summary.ratings.count,
    }
    return out
  } finally {
    await built.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
