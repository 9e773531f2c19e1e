// What the module benchmarks share: where the built code is, the demo ward, and how samples are timed and summarised.
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** Imports a module of the BUILT app (`npm run build` first), e.g. `dist('app.js')`. */
export const dist = (f) => import(path.join(root, 'dist/src', f))

/** Norbiton, the pilot ward the generated data belongs to. */
export const WARD = 'E05013941'

/** p50, p99 and max of latency samples in ms (nearest-rank quantiles), to two decimals. */
export function stats(samples) {
  const s = [...samples].sort((a, b) => a - b)
  const at = (q) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]
  const r = (x) => Math.round(x * 100) / 100
  return { p50Ms: r(at(0.5)), p99Ms: r(at(0.99)), maxMs: r(s.at(-1)), runs: s.length }
}

/** Runs `fn` `n` times one after another; each run's duration in ms. */
export async function time(n, fn) {
  const out = []
  for (let i = 0; i < n; i++) {
    const t0 = performance.now()
    await fn()
    out.push(performance.now() - t0)
  }
  return out
}

/** `total` requests with `concurrency` in flight at once; each request's own latency is recorded. */
export async function underLoad(total, concurrency, fn) {
  const out = []
  let next = 0
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next += 1
        const s = performance.now()
        await fn()
        out.push(performance.now() - s)
      }
    }),
  )
  return { samples: out, wallMs: performance.now() - t0 }
}

/** What every generated service shares: active, quarterly returns due 14 days after a period, 7 days' grace. */
const benchService = ({ wardId, theme, startOn, endOn }) => ({
  wardId,
  description: '',
  processId: null,
  priorityOptionId: null,
  theme,
  state: 'active',
  startOn,
  endOn,
  periodMonths: 3,
  dueAfterDays: 14,
  graceDays: 7,
  isDemo: true,
  createdBy: null,
})

/** A generated parent service (a programme) that contracts roll up to. */
export function generateProgramme(trx, repo, { p, ...service }) {
  return repo.insertService(trx, {
    ...benchService(service),
    parentId: null,
    title: `Bench programme ${p + 1}`,
    providerOrganisationId: null,
    commitmentRef: null,
    weight: 1,
  })
}

/**
 * One generated tracked contract (delivery and programme benchmarks): the service, 6 milestones (4 done), 3 KPIs
 * and a submitted return for every reporting period but the current one, two in three of them accepted.
 * Returns the service id and the number of returns written.
 */
export async function generateContract(trx, { repo, rules }, c) {
  const { addMonths, addDays, reportingPeriods } = rules
  const { n, wardId, startOn, endOn, today } = c
  const id = await repo.insertService(trx, {
    ...benchService(c),
    parentId: c.parentId,
    title: `Bench contract ${n + 1}`,
    providerOrganisationId: c.providerOrganisationId ?? null,
    commitmentRef: `BENCH-${n}`,
    weight: 1 + (n % 5),
  })
  for (let m = 0; m < 6; m++)
    await repo.insertMilestone(trx, {
      serviceId: id,
      title: `Milestone ${m + 1}`,
      dueOn: addMonths(startOn, 10 * (m + 1)),
      doneOn: m < 4 ? addMonths(startOn, 10 * (m + 1)) : null,
      weight: 1 + (m % 3),
      position: m + 1,
    })
  const kpis = []
  for (let k = 0; k < 3; k++)
    kpis.push(
      await repo.insertKpi(trx, {
        serviceId: id,
        name: `KPI ${k + 1}`,
        unit: 'people',
        target: 100,
        direction: 'higher',
        position: k + 1,
      }),
    )
  let returns = 0
  const periods = reportingPeriods({ startOn, endOn, periodMonths: 3, dueAfterDays: 14 }, today)
  for (const period of periods.slice(0, -1)) {
    const rid = await repo.saveReturn(trx, {
      serviceId: id,
      wardId,
      period,
      narrative: 'Generated narrative for the benchmark.',
      kpiValues: kpis.map((kpiId, k) => ({ kpiId, value: 80 + ((period.index * 7 + k * 13 + n) % 40) })),
      milestonesDone: [],
      submit: true,
      userId: null,
      at: `${addDays(period.due, (period.index + n) % 11)}T09:00:00.000Z`,
    })
    returns += 1
    if (period.index % 3 !== 0)
      await repo.reviewReturn(trx, { returnId: rid, decision: 'accepted', comment: '', userId: null })
  }
  return { id, returns }
}

/**
 * The money of generated contract `n` through the real ledger: a commitment, then a payment each quarter.
 * Returns the number of postings (two per movement).
 */
export async function postContractMoney(ledgerModule, ledger, { wardId, fundId, line, n, quarters }) {
  const { commitFunds, payFunds } = ledgerModule
  const money = {
    wardId,
    fundId,
    pledgeId: line.pledgeId,
    theme: line.theme,
    purpose: line.purpose,
    commitmentRef: `BENCH-${n}`,
  }
  const actor = { userId: null }
  const c = await commitFunds(
    ledger,
    `bench-commit-${n}-000000`,
    { ...money, amountPence: 20_000, memo: 'bench' },
    actor,
  )
  if (!c.ok) throw new Error(`bench commitment: ${c.error}`)
  for (let q = 0; q < quarters; q++) {
    const r = await payFunds(ledger, `bench-pay-${n}-${q}-000000`, { ...money, amountPence: 500, memo: 'bench' }, actor)
    if (!r.ok) throw new Error(`bench payment: ${r.error}`)
  }
  return 2 * (1 + quarters)
}
