import type { Kysely } from 'kysely'
import { ukToday } from '../../platform/i18n/index.js'
import type { Database } from '../../platform/db/index.js'
import type { AwardedContract } from '../commissioning/index.js'
import { listOrganisations } from '../directory/index.js'
import { listThemes } from '../engagement/index.js'
import { listFunds, listPartners, listPledges, listPostings } from '../ledger/index.js'
import {
  findService,
  insertKpi,
  insertMilestone,
  insertService,
  listKpis,
  listMilestones,
  listReturns,
  listServices,
  ratingStars,
  type Kpi,
  type Milestone,
  type Return,
  type TrackedService,
} from './delivery.repository.js'
import {
  addDays,
  addSpend,
  deliveryStatus,
  kpiRag,
  lateness,
  milestoneProgress,
  milestoneRag,
  parseKpiTarget,
  ratingSummary,
  reportingPeriods,
  returnsRag,
  rollUp,
  serviceRag,
  spendFromPostings,
  type DeliveryStatus,
  type Lateness,
  type Period,
  type Rag,
  type Spend,
} from './delivery.rules.js'

type Db = Kysely<Database>

/** The stable summary other modules (public programme pages, the accountability API) build on. */
export interface ServiceDeliverySummary {
  serviceId: number
  wardId: number
  parentId: number | null
  title: string
  providerName: string
  processId: number | null
  contractId: number | null
  priorityOptionId: number | null
  themeIds: number[]
  status: DeliveryStatus
  rag: Rag
  /** Children roll up to parents, weighted. */
  progressPercent: number
  kpis: { name: string; unit: string; target: number; latest: number | null; period: string | null; rag: Rag }[]
  spend: Spend
  lastReturnAt: string | null
  nextReturnDue: string | null
  /** Raw counts: published counts go through disclosure control by the caller. */
  ratings: { count: number; average: number | null }
}

export interface PeriodLine {
  period: Period
  ret: Return | undefined
  lateness: Lateness
}

/** Everything the module's own pages show about one service, beside its summary. */
export interface ServiceDetail {
  summary: ServiceDeliverySummary
  service: TrackedService
  milestones: (Milestone & { rag: Rag })[]
  kpis: (Kpi & { latest: number | null; rag: Rag; history: { periodIndex: number; value: number }[] })[]
  periods: PeriodLine[]
  overdue: number
  childIds: number[]
  byStars: [number, number, number, number, number]
}

const today = () => ukToday()
const REPORTED = new Set(['submitted', 'accepted', 'changes_requested'])

/**
 * Builds every service of a ward at once (one query per table, so a ward with many services stays a handful
 * of queries): flags, progress, roll-up, spend from the ledger and rating counts.
 */
export async function buildWardDelivery(db: Db, wardId: number, on = today()): Promise<Map<number, ServiceDetail>> {
  const services = await listServices(db, wardId)
  const ids = services.map((s) => s.id)
  const [milestones, kpis, returns, stars, orgs, themes, partners] = await Promise.all([
    listMilestones(db, ids),
    listKpis(db, ids),
    listReturns(db, ids),
    ratingStars(db, ids),
    listOrganisations(db, [wardId]),
    listThemes(db, wardId),
    listPartners(db, wardId),
  ])
  // Spend is read from the ledger's postings (the ledger is the only writer of money).
  const postings: Awaited<ReturnType<typeof listPostings>> = []
  const partnerOfPledge = new Map<number, string>()
  if (services.some((s) => s.commitmentRef !== null)) {
    for (const fund of await listFunds(db, wardId)) {
      postings.push(...(await listPostings(db, fund.id)))
      for (const p of await listPledges(db, fund.id))
        partnerOfPledge.set(p.id, partners.find((x) => x.id === p.partnerId)?.name ?? '')
    }
  }

  const group = <T extends { serviceId: number }>(xs: T[]) => {
    const m = new Map<number, T[]>()
    for (const x of xs) {
      const list = m.get(x.serviceId)
      if (list) list.push(x)
      else m.set(x.serviceId, [x])
    }
    return (id: number) => m.get(id) ?? []
  }
  const milestonesOf = group(milestones)
  const kpisOf = group(kpis)
  const returnsOf = group(returns)
  const starsOf = group(stars)
  const own = new Map<
    number,
    Omit<ServiceDetail, 'summary' | 'childIds'> & { spend: Spend; rag: Rag; progress: number }
  >()
  for (const s of services) {
    const ms = milestonesOf(s.id).map((m) => ({ ...m, rag: milestoneRag(m, on) }))
    const rets = returnsOf(s.id)
    const reported = rets.filter((r) => REPORTED.has(r.state))
    const ks = kpisOf(s.id).map((k) => {
      const history = reported
        .filter((r) => r.kpiValues.has(k.id))
        .map((r) => ({ periodIndex: r.periodIndex, value: r.kpiValues.get(k.id)! }))
      const latest = history.at(-1)?.value ?? null
      return { ...k, latest, history, rag: kpiRag(k.target, k.direction, latest) }
    })
    // A grouping parent without a provider reports nothing itself: its figures come from its children.
    const periods: PeriodLine[] = (s.providerOrganisationId === null ? [] : reportingPeriods(s, on)).map((period) => {
      const ret = rets.find((r) => r.periodIndex === period.index)
      const submitted = ret && REPORTED.has(ret.state) ? ret.submittedAt : null
      return { period, ret, lateness: lateness(period.due, s.graceDays, submitted, on) }
    })
    const flags: Rag[] = [
      returnsRag(periods.filter((p) => p.lateness !== 'not_due').map((p) => p.lateness)),
      ...ks.map((k) => k.rag),
      ...ms.map((m) => m.rag),
    ]
    const rag = serviceRag(s.state, flags)
    const progress = s.state === 'completed' ? 100 : milestoneProgress(ms)
    const spend = spendFromPostings(
      postings,
      new Set(s.commitmentRef ? [s.commitmentRef] : []),
      (id) => partnerOfPledge.get(id) ?? '',
    )
    const rating = ratingSummary(starsOf(s.id).map((x) => x.stars))
    own.set(s.id, {
      service: s,
      milestones: ms,
      kpis: ks,
      periods,
      overdue: periods.filter((p) => p.lateness === 'overdue').length,
      byStars: rating.byStars,
      spend,
      rag,
      progress,
    })
  }

  const rolled = rollUp(
    services.map((s) => ({
      id: s.id,
      parentId: s.parentId,
      weight: s.weight,
      progress: own.get(s.id)!.progress,
      rag: own.get(s.id)!.rag,
      cancelled: s.state === 'cancelled',
    })),
  )
  const childrenOf = (id: number) => services.filter((s) => s.parentId === id && s.id !== id).map((s) => s.id)
  const spendOf = (id: number, seen = new Set<number>()): Spend => {
    seen.add(id)
    return childrenOf(id)
      .filter((c) => !seen.has(c))
      .reduce((acc, c) => addSpend(acc, spendOf(c, seen)), own.get(id)!.spend)
  }

  const out = new Map<number, ServiceDetail>()
  for (const s of services) {
    const o = own.get(s.id)!
    const r = rolled.get(s.id) ?? { progress: o.progress, rag: o.rag }
    const reported = o.periods.filter((p) => p.ret && REPORTED.has(p.ret.state) && p.ret.submittedAt)
    const latestReturn = [...reported].sort((a, b) => (a.ret!.submittedAt! < b.ret!.submittedAt! ? -1 : 1)).at(-1)
    const nextDue = nextReturnDue(s, o.periods, on)
    const rating = ratingSummary(starsOf(s.id).map((x) => x.stars))
    const rolledRag = s.state === 'active' ? r.rag : serviceRag(s.state, [])
    out.set(s.id, {
      ...o,
      childIds: childrenOf(s.id),
      summary: {
        serviceId: s.id,
        wardId: s.wardId,
        parentId: s.parentId,
        title: s.title,
        providerName: orgs.find((x) => x.id === s.providerOrganisationId)?.name ?? '',
        processId: s.processId,
        contractId: s.commitmentRef !== null ? s.processId : null,
        priorityOptionId: s.priorityOptionId,
        themeIds: themes.filter((t) => t.slug === s.theme).map((t) => t.id),
        status: deliveryStatus(s.state, rolledRag),
        rag: rolledRag,
        progressPercent: s.state === 'completed' ? 100 : r.progress,
        kpis: o.kpis.map((k) => {
          const last = k.history.at(-1)
          const p = last ? o.periods.find((x) => x.period.index === last.periodIndex)?.period : undefined
          return {
            name: k.name,
            unit: k.unit,
            target: k.target,
            latest: k.latest,
            period: p ? `${p.start}/${p.end}` : null,
            rag: k.rag,
          }
        }),
        spend: spendOf(s.id),
        lastReturnAt: latestReturn?.ret?.submittedAt ?? null,
        nextReturnDue: nextDue,
        ratings: { count: rating.count, average: rating.average },
      },
    })
  }
  return out
}

/** The due date of the first period still waiting for its return, or of the next period to come. */
function nextReturnDue(s: TrackedService, periods: PeriodLine[], on: string): string | null {
  if (s.state === 'completed' || s.state === 'cancelled' || s.providerOrganisationId === null) return null
  const waiting = periods.find((p) => !p.ret || !REPORTED.has(p.ret.state))
  if (waiting) return waiting.period.due
  const all = reportingPeriods(s, s.endOn)
  const next = all.find((p) => p.start > on)
  return next ? next.due : null
}

/** Every service of a ward, parents before their children in id order. */
export async function listWardDelivery(db: Db, wardId: number): Promise<ServiceDeliverySummary[]> {
  return [...(await buildWardDelivery(db, wardId)).values()].map((d) => d.summary)
}

export async function getServiceDelivery(db: Db, serviceId: number): Promise<ServiceDeliverySummary | undefined> {
  const s = await findService(db, serviceId)
  if (!s) return undefined
  return (await buildWardDelivery(db, s.wardId)).get(serviceId)?.summary
}

/**
 * Starts tracking an awarded contract: the contract's milestones become dated milestones spread evenly over
 * its term (an officer can move them), its KPIs become numeric targets when their target starts with a number,
 * and the provider is the winning bid's organisation. Returns the new service's id.
 */
export async function trackContract(
  trx: Db,
  c: AwardedContract,
  opts: { parentId: number | null; weight: number; periodMonths: number; userId: number | null; isDemo?: boolean },
): Promise<number> {
  const start = c.contract.startDate
  const end = c.contract.endDate
  const id = await insertService(trx, {
    wardId: c.wardId,
    parentId: opts.parentId,
    title: c.title,
    description: '',
    providerOrganisationId: c.organisationId,
    processId: c.processId,
    priorityOptionId: c.priorityOptionId,
    commitmentRef: c.contract.commitmentRef,
    theme: c.theme,
    weight: opts.weight,
    state: 'active',
    startOn: start,
    endOn: end,
    periodMonths: opts.periodMonths,
    dueAfterDays: 14,
    graceDays: 7,
    isDemo: opts.isDemo,
    createdBy: opts.userId,
  })
  await copyPlan(
    trx,
    id,
    { start, end },
    c.contract.milestones,
    c.contract.kpis.flatMap((k) => {
      const t = parseKpiTarget(k.target)
      return t ? [{ name: k.name, ...t }] : []
    }),
  )
  return id
}

/** Milestones spread evenly over the term (an officer can move them) and KPIs as numeric targets, higher better. */
async function copyPlan(
  trx: Db,
  serviceId: number,
  term: { start: string; end: string },
  milestones: string[],
  kpis: { name: string; target: number; unit: string }[],
): Promise<void> {
  const days = Math.max(1, Math.round((Date.parse(term.end) - Date.parse(term.start)) / 86_400_000))
  const n = milestones.length
  for (const [i, title] of milestones.entries())
    await insertMilestone(trx, {
      serviceId,
      title,
      dueOn: addDays(term.start, Math.round((days * (i + 1)) / n)),
      weight: 1,
      position: i + 1,
    })
  for (const [i, k] of kpis.entries())
    await insertKpi(trx, {
      serviceId,
      name: k.name,
      unit: k.unit,
      target: k.target,
      direction: 'higher',
      position: i + 1,
    })
}

/** A winning option of a closed priority round that no contract covers, as the officer starts tracking it. */
export interface FundedPriority {
  wardId: number
  optionId: number
  title: string
  description: string
  theme: string | null
}

/**
 * Starts tracking a funded priority delivered without a contract (e.g. by a partner or the council itself):
 * the lead organisation reports on it like a contract's provider; milestones and KPIs are set up as on the
 * contract path. There is no contract commitment, so no spend is read for it. Returns the new service's id.
 */
export async function trackFundedPriority(
  trx: Db,
  p: FundedPriority,
  opts: {
    organisationId: number
    parentId: number | null
    weight: number
    periodMonths: number
    startOn: string
    endOn: string
    milestones: string[]
    kpis: { name: string; target: number; unit: string }[]
    userId: number | null
  },
): Promise<number> {
  const id = await insertService(trx, {
    wardId: p.wardId,
    parentId: opts.parentId,
    title: p.title,
    description: p.description,
    providerOrganisationId: opts.organisationId,
    processId: null,
    priorityOptionId: p.optionId,
    commitmentRef: null,
    theme: p.theme,
    weight: opts.weight,
    state: 'active',
    startOn: opts.startOn,
    endOn: opts.endOn,
    periodMonths: opts.periodMonths,
    dueAfterDays: 14,
    graceDays: 7,
    createdBy: opts.userId,
  })
  await copyPlan(trx, id, { start: opts.startOn, end: opts.endOn }, opts.milestones, opts.kpis)
  return id
}
