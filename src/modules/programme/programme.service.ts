import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import type { Ward } from '../../platform/tenancy/index.js'
import { countIdeasByTheme } from '../ideas/index.js'
import { listCommissionedServices, type CommissionedService } from '../commissioning/index.js'
import { listWardDelivery, type ServiceDeliverySummary } from '../delivery/index.js'
import { listThemes, summariseWardVoices, wardResponsesVersion, type WardVoices } from '../engagement/index.js'
import { listFunds, listPartners, listPledges, listPostings } from '../ledger/index.js'
import { listWinningOptions } from '../prioritisation/index.js'
import { createReachService, DEFAULT_THRESHOLD, disclose } from '../reach/index.js'
import {
  addTotals,
  contractSpend,
  emptyTotals,
  moneyByPartner,
  moneyTotals,
  type MoneyTotals,
  type PostingIn,
} from './programme.rules.js'

/**
 * The public picture of one ward's programme. Every count of people or contributions has been through the reach
 * module's disclosure control (null: hidden because it was under 10, or to protect a hidden neighbour); money is
 * public record and shown exactly, in integer pence.
 */
export interface AccountabilityReport {
  ward: { code: string; name: string; programmeName: string; active: boolean }
  generatedAt: string
  themes: { slug: string; name: string; responses: number | null; ideas: number | null }[]
  voices: {
    consultations: number
    responses: number | null
    byChannel: { channel: string; responses: number | null }[]
  }
  reach: {
    heard: number | null
    notPlaced: number | null
    areas: { code: string; name: string; residents: number | null; heard: number | null; ratePer1000: number | null }[]
    groups: { characteristic: string; category: string; ratio: number | null; flagged: boolean; hidden: boolean }[]
  }
  priorities: {
    roundId: number
    roundTitle: string
    optionId: number
    title: string
    theme: string
    costPence: number
  }[]
  fund: {
    funds: { financialYear: string; name: string }[]
    totals: MoneyTotals
    byPartner: ({ partnerName: string; kind: string } & MoneyTotals)[]
  }
  services: ServiceLine[]
}

/**
 * A commissioned service or tracked delivery. Once the delivery module tracks it, `status`, `rag` and `progress` come
 * from its returns (children rolled up into parents); before that, `status` is the commissioning stage and progress
 * is null (nothing has been delivered yet, and we do not invent a figure).
 */
export interface ServiceLine {
  processId: number | null
  serviceId: number | null
  parentServiceId: number | null
  title: string
  theme: string
  status: string
  tracked: boolean
  rag: string | null
  progress: number | null
  providerName: string | null
  contractValuePence: number | null
  startDate: string | null
  endDate: string | null
  kpis: {
    name: string
    unit: string
    target: string
    latest: number | null
    period: string | null
    rag: string | null
  }[]
  spend: {
    committedPence: number
    paidPence: number
    remainingPence: number
    byPartner: { partnerName: string; committedPence: number; paidPence: number }[]
  }
  lastReturnAt: string | null
  nextReturnDue: string | null
  /** How many residents rated it (disclosure-controlled) and their average, shown only when the count is. */
  ratings: { count: number | null; average: number | null }
}

type PublicReach = Awaited<ReturnType<ReturnType<typeof createReachService>['publicSummary']>>

export function createProgrammeService(
  db: Kysely<Database>,
  opts: { responseCacheMs?: number; clock?: () => number } = {},
) {
  const reach = createReachService(db)
  const cacheMs = opts.responseCacheMs ?? 5 * 60_000
  const clock = opts.clock ?? Date.now
  const byWard = new Map<number, { version: string; at: number; value: Promise<[WardVoices, PublicReach]> }>()

  /**
   * The two costly parts (placing every response for reach; counting answers by theme) take seconds at 100,000
   * responses, so they are kept while the ward's responses are unchanged: any new, imported or deleted response or
   * equality answer changes the fingerprint and they are worked out again. The time limit bounds staleness from
   * changes the fingerprint cannot see (a postcode anonymised on erasure, a new geography import). Concurrent
   * requests share one computation.
   */
  async function responseFigures(ward: Ward): Promise<[WardVoices, PublicReach]> {
    const version = await wardResponsesVersion(db, ward.id)
    const hit = byWard.get(ward.id)
    if (hit && hit.version === version && clock() - hit.at < cacheMs) return hit.value
    const value = Promise.all([summariseWardVoices(db, ward.id), reach.publicSummary(ward, DEFAULT_THRESHOLD)])
    byWard.set(ward.id, { version, at: clock(), value })
    value.catch(() => {
      if (byWard.get(ward.id)?.value === value) byWard.delete(ward.id)
    })
    return value
  }

  async function ledgerOf(wardId: number) {
    const [funds, partners] = await Promise.all([listFunds(db, wardId), listPartners(db, wardId)])
    const perFund = await Promise.all(
      funds.map(async (f) => {
        const [pledges, postings] = await Promise.all([listPledges(db, f.id), listPostings(db, f.id)])
        return { fund: f, pledges, postings: postings as PostingIn[] }
      }),
    )
    return { funds, partners, perFund }
  }

  async function accountability(ward: Ward, now: Date = new Date()): Promise<AccountabilityReport> {
    const [[counted, summary], themes, ideas, winners, ledger, services, delivery] = await Promise.all([
      responseFigures(ward),
      listThemes(db, ward.id),
      countIdeasByTheme(db, ward.id),
      listWinningOptions(db, ward.id),
      ledgerOf(ward.id),
      listCommissionedServices(db, ward.id, now),
      listWardDelivery(db, ward.id),
    ])

    // Theme names and any theme added since are read fresh; the counts come from the (possibly kept) tally.
    const voices: WardVoices = {
      ...counted,
      byTheme: themes.map((t) => ({
        themeId: t.id,
        slug: t.slug,
        name: t.name,
        n: counted.byTheme.find((c) => c.slug === t.slug)?.n ?? 0,
      })),
    }
    // Channels add up to the total, so they are suppressed together (a lone hidden cell could be worked back).
    const channelCells = disclose(voices.byChannel.map((c) => c.n))
    // A response may choose several themes, so theme counts add up to no published total: each is suppressed alone.
    const themeCells = voices.byTheme.map((t) => disclose([t.n])[0] ?? null)
    const ideaCells = disclose(voices.byTheme.map((t) => ideas.find((i) => i.themeId === t.themeId)?.ideas ?? 0))

    // Options, processes and pledges name themes by slug; people read the ward's theme names.
    const themeName = (slug: string) => voices.byTheme.find((t) => t.slug === slug)?.name ?? slug
    const pledges = ledger.perFund.flatMap((f) => f.pledges)
    const postings = ledger.perFund.flatMap((f) => f.postings)
    const partners = ledger.partners.map((p) => ({ id: p.id, name: p.name, kind: p.kind }))
    return {
      ward: { code: ward.code, name: ward.name, programmeName: ward.programmeName, active: ward.isActive },
      generatedAt: now.toISOString(),
      themes: voices.byTheme.map((t, i) => ({
        slug: t.slug,
        name: t.name,
        responses: themeCells[i] ?? null,
        ideas: ideaCells[i] ?? null,
      })),
      voices: {
        consultations: voices.consultations,
        responses: disclose([voices.responses])[0] ?? null,
        byChannel: voices.byChannel.map((c, i) => ({ channel: c.channel, responses: channelCells[i] ?? null })),
      },
      reach: {
        heard: summary.total,
        notPlaced: summary.notPlaced,
        areas: summary.areas.map((a) => ({
          code: a.code,
          name: a.name,
          residents: a.residents,
          heard: a.heard,
          ratePer1000: a.ratePer1000 === null ? null : Number(a.ratePer1000.toFixed(1)),
        })),
        groups: summary.groups.flatMap((g) =>
          g.rows.map((r) => ({
            characteristic: g.characteristic,
            category: r.category,
            ratio: r.ratio === null ? null : Number(r.ratio.toFixed(2)),
            flagged: r.flagged,
            hidden: r.participants === null,
          })),
        ),
      },
      priorities: winners.map((w) => ({
        roundId: w.roundId,
        roundTitle: w.roundTitle,
        optionId: w.optionId,
        title: w.title,
        theme: themeName(w.theme),
        costPence: w.costPence,
      })),
      fund: {
        funds: ledger.funds.map((f) => ({ financialYear: f.financialYear, name: f.name })),
        totals: ledger.perFund.reduce((t, f) => addTotals(t, moneyTotals(f.postings)), emptyTotals()),
        byPartner: moneyByPartner(partners, pledges, postings),
      },
      services: mergeServices(
        services,
        delivery,
        (ref) => contractSpend(ref, partners, pledges, postings),
        (ids) =>
          voices.byTheme
            .filter((t) => ids.includes(t.themeId))
            .map((t) => t.name)
            .join(', '),
      ).map((s) => ({
        ...s,
        theme: themeName(s.theme),
      })),
    }
  }

  return { accountability }
}

export type ProgrammeService = ReturnType<typeof createProgrammeService>

/** Tracked deliveries first (parents before their children), then published processes delivery does not track yet. */
function mergeServices(
  commissioned: readonly CommissionedService[],
  delivery: readonly ServiceDeliverySummary[],
  spendOf: (commitmentRef: string) => ServiceLine['spend'],
  themesOf: (themeIds: number[]) => string,
): ServiceLine[] {
  const byProcess = new Map(commissioned.map((c) => [c.processId, c]))
  const tracked = new Set<number>()
  const out: ServiceLine[] = []
  const order = [...delivery].sort(
    (a, b) => (a.parentId ?? a.serviceId) - (b.parentId ?? b.serviceId) || (a.parentId === null ? -1 : 1),
  )
  for (const d of order) {
    const c = d.processId === null ? undefined : byProcess.get(d.processId)
    if (d.processId !== null) tracked.add(d.processId)
    const [count] = disclose([d.ratings.count])
    out.push({
      processId: d.processId,
      serviceId: d.serviceId,
      parentServiceId: d.parentId,
      title: d.title,
      theme: c?.theme ?? themesOf(d.themeIds),
      status: d.status,
      tracked: true,
      rag: d.rag,
      progress: Math.round(d.progressPercent),
      providerName: d.providerName || c?.contract?.providerName || null,
      contractValuePence: c?.contract?.valuePence ?? null,
      startDate: c?.contract?.startDate ?? null,
      endDate: c?.contract?.endDate ?? null,
      kpis: d.kpis.map((k) => ({
        name: k.name,
        unit: k.unit,
        target: String(k.target),
        latest: k.latest,
        period: k.period,
        rag: k.rag,
      })),
      spend: d.spend,
      lastReturnAt: d.lastReturnAt,
      nextReturnDue: d.nextReturnDue,
      ratings: {
        count: count ?? null,
        average:
          count === null || count === undefined || d.ratings.average === null
            ? null
            : Number(d.ratings.average.toFixed(1)),
      },
    })
  }
  for (const c of commissioned) {
    if (tracked.has(c.processId)) continue
    out.push({
      processId: c.processId,
      serviceId: null,
      parentServiceId: null,
      title: c.title,
      theme: c.theme,
      status: c.stage,
      tracked: false,
      rag: null,
      progress: null,
      providerName: c.contract?.providerName || null,
      contractValuePence: c.contract?.valuePence ?? null,
      startDate: c.contract?.startDate ?? null,
      endDate: c.contract?.endDate ?? null,
      kpis: (c.contract?.kpis ?? []).map((k) => ({
        name: k.name,
        unit: '',
        target: k.target,
        latest: null,
        period: null,
        rag: null,
      })),
      spend: c.contract
        ? spendOf(c.contract.commitmentRef)
        : { committedPence: 0, paidPence: 0, remainingPence: 0, byPartner: [] },
      lastReturnAt: null,
      nextReturnDue: null,
      ratings: { count: null, average: null },
    })
  }
  return out
}
