/**
 * Pure rules of delivery tracking: reporting periods, lateness, RAG flags, weighted progress and its roll-up
 * from children to parents, spend from ledger postings, and rating summaries. No I/O: dates come in as
 * ISO text (YYYY-MM-DD) from the caller's clock, so tests can move time freely.
 */

export type DeliveryStatus = 'not_started' | 'on_track' | 'at_risk' | 'off_track' | 'completed' | 'cancelled'
export type Rag = 'green' | 'amber' | 'red' | 'grey'
/** What an officer decides about a service; the rest of the status is worked out from the evidence. */
export type ServiceState = 'not_started' | 'active' | 'completed' | 'cancelled'
export type KpiDirection = 'higher' | 'lower'
export type ReturnState = 'draft' | 'submitted' | 'accepted' | 'changes_requested'
export type Lateness = 'not_due' | 'in_grace' | 'overdue' | 'on_time' | 'late'

export const SERVICE_STATES: readonly ServiceState[] = ['not_started', 'active', 'completed', 'cancelled']
export const RETURN_STATES: readonly ReturnState[] = ['draft', 'submitted', 'accepted', 'changes_requested']

const RAG_RANK: Record<Rag, number> = { grey: 0, green: 1, amber: 2, red: 3 }

/** The most serious flag; grey (no evidence yet) only when nothing else is known. */
export function worstRag(rags: readonly Rag[]): Rag {
  let out: Rag = 'grey'
  for (const r of rags) if (RAG_RANK[r] > RAG_RANK[out]) out = r
  return out
}

/** Share of the target a KPI may miss by and still be amber rather than red (10%). */
export const KPI_TOLERANCE = 0.1

/**
 * A KPI against its target. Higher-is-better: at or above target green, within the tolerance below it
 * amber, further below red. Lower-is-better mirrors it. No figure yet: grey.
 * Example: target 150, latest 140 → amber (140 ≥ 135); latest 120 → red.
 */
export function kpiRag(target: number, direction: KpiDirection, latest: number | null, tolerance = KPI_TOLERANCE): Rag {
  if (latest === null || !Number.isFinite(latest)) return 'grey'
  const slack = Math.abs(target) * tolerance
  if (direction === 'higher') {
    if (latest >= target) return 'green'
    return latest >= target - slack ? 'amber' : 'red'
  }
  if (latest <= target) return 'green'
  return latest <= target + slack ? 'amber' : 'red'
}

/** "150 a year" → {target: 150, unit: "a year"}; "85%" → {85, "%"}; text without a number → undefined. */
export function parseKpiTarget(text: string): { target: number; unit: string } | undefined {
  const m = /^\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*(.*)$/.exec(text)
  if (!m) return undefined
  const target = Number(m[1]!.replace(/,/g, ''))
  if (!Number.isFinite(target)) return undefined
  return { target, unit: m[2]!.trim().slice(0, 40) }
}

// --- Dates (UTC calendar days as YYYY-MM-DD) ----------------------------------------------------------------

const DAY_MS = 86_400_000
const toMs = (d: string) => Date.parse(`${d.slice(0, 10)}T00:00:00Z`)
const fromMs = (ms: number) => new Date(ms).toISOString().slice(0, 10)
export const addDays = (d: string, n: number): string => fromMs(toMs(d) + n * DAY_MS)
export const isIsoDate = (d: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(d) && fromMs(toMs(d)) === d

/** The same day n months later, clamped to the month's end (31 January + 1 month → 28/29 February). */
export function addMonths(d: string, n: number): string {
  const y = Number(d.slice(0, 4))
  const m = Number(d.slice(5, 7)) - 1 + n
  const day = Number(d.slice(8, 10))
  const ty = y + Math.floor(m / 12)
  const tm = ((m % 12) + 12) % 12
  const last = new Date(Date.UTC(ty, tm + 1, 0)).getUTCDate()
  return fromMs(Date.UTC(ty, tm, Math.min(day, last)))
}

export interface Period {
  /** 1 for the first period of the service. */
  index: number
  start: string
  /** Inclusive last day. */
  end: string
  /** The return is due this many days after the period ends. */
  due: string
}

/**
 * The reporting periods that have started by `today` (the current one included, so a provider can draft
 * it), every `months` months from the service's start, the last one cut at its end date.
 * Example: start 2026-01-01, 3 months, due 14 days after → period 1 is 2026-01-01..2026-03-31, due 2026-04-14.
 */
export function reportingPeriods(
  s: { startOn: string; endOn: string; periodMonths: number; dueAfterDays: number },
  today: string,
  limit = 400,
): Period[] {
  const out: Period[] = []
  if (!isIsoDate(s.startOn) || !isIsoDate(s.endOn) || s.periodMonths < 1) return out
  for (let i = 0; i < limit; i++) {
    const start = addMonths(s.startOn, i * s.periodMonths)
    if (start > s.endOn || start > today) break
    let end = addDays(addMonths(s.startOn, (i + 1) * s.periodMonths), -1)
    if (end > s.endOn) end = s.endOn
    out.push({ index: i + 1, start, end, due: addDays(end, s.dueAfterDays) })
  }
  return out
}

/**
 * Is a period's return late? Submitted: on time unless it came after the due date plus the grace days.
 * Not submitted: not due yet, within grace (amber), or overdue (red).
 */
export function lateness(due: string, graceDays: number, submittedOn: string | null, today: string): Lateness {
  const limit = addDays(due, graceDays)
  if (submittedOn !== null) return submittedOn.slice(0, 10) > limit ? 'late' : 'on_time'
  if (today <= due) return 'not_due'
  return today <= limit ? 'in_grace' : 'overdue'
}

/** Flag for returns: an overdue return is red, one in its grace days amber, a late one last time amber. */
export function returnsRag(latenesses: readonly Lateness[]): Rag {
  if (latenesses.length === 0) return 'grey'
  if (latenesses.includes('overdue')) return 'red'
  const submitted = latenesses.filter((l) => l === 'on_time' || l === 'late')
  if (latenesses.includes('in_grace') || submitted.at(-1) === 'late') return 'amber'
  return 'green'
}

/** A milestone not done by its due date is amber, and red once it is more than 30 days behind. */
export const MILESTONE_RED_AFTER_DAYS = 30

export function milestoneRag(m: { dueOn: string; doneOn: string | null }, today: string): Rag {
  if (m.doneOn !== null) return 'green'
  if (today <= m.dueOn) return 'grey'
  return today > addDays(m.dueOn, MILESTONE_RED_AFTER_DAYS) ? 'red' : 'amber'
}

/** Progress from milestones, weighted: the share of weight done, 0–100 (no milestones: 0). */
export function milestoneProgress(ms: readonly { weight: number; doneOn: string | null }[]): number {
  const total = ms.reduce((s, m) => s + Math.max(0, m.weight), 0)
  if (total === 0) return 0
  const done = ms.reduce((s, m) => s + (m.doneOn !== null ? Math.max(0, m.weight) : 0), 0)
  return Math.round((done / total) * 100)
}

/** The status people see: an officer's decision when there is one, otherwise what the flags say. */
export function deliveryStatus(state: ServiceState, rag: Rag): DeliveryStatus {
  switch (state) {
    case 'not_started':
    case 'completed':
    case 'cancelled':
      return state
    case 'active':
      return rag === 'red' ? 'off_track' : rag === 'amber' ? 'at_risk' : 'on_track'
    default: {
      const never: never = state
      throw new Error(`unknown state ${String(never)}`)
    }
  }
}

/** RAG for a whole status: a finished or cancelled service is grey (nothing to act on). */
export function serviceRag(state: ServiceState, flags: readonly Rag[]): Rag {
  if (state === 'completed' || state === 'cancelled' || state === 'not_started') return 'grey'
  return worstRag(flags)
}

export interface TreeNode {
  id: number
  parentId: number | null
  /** How much this child counts in its parent's progress (e.g. its share of the budget). */
  weight: number
  progress: number
  rag: Rag
  /** Cancelled children do not hold a parent's progress back. */
  cancelled?: boolean
}

/**
 * Children roll up to parents (Decidim's results tree): a parent's progress is the weighted mean of its
 * children's rolled-up progress (plain mean when the weights are all zero), and its RAG the worst of its own
 * and its children's. A node without children keeps its own figures. Cycles and unknown parents are treated
 * as roots, so bad data cannot loop forever.
 */
export function rollUp(nodes: readonly TreeNode[]): Map<number, { progress: number; rag: Rag }> {
  const byId = new Map(nodes.map((n) => [n.id, n]))
  const children = new Map<number, TreeNode[]>()
  for (const n of nodes) {
    if (n.parentId === null || !byId.has(n.parentId) || n.parentId === n.id) continue
    children.set(n.parentId, [...(children.get(n.parentId) ?? []), n])
  }
  const out = new Map<number, { progress: number; rag: Rag }>()
  const visiting = new Set<number>()
  const visit = (n: TreeNode): { progress: number; rag: Rag } => {
    const done = out.get(n.id)
    if (done) return done
    if (visiting.has(n.id)) return { progress: n.progress, rag: n.rag }
    visiting.add(n.id)
    const kids = (children.get(n.id) ?? []).filter((k) => !visiting.has(k.id))
    let result = { progress: n.progress, rag: n.rag }
    if (kids.length > 0) {
      const rolled = kids.map((k) => ({ k, r: visit(k) }))
      const counted = rolled.filter((x) => !x.k.cancelled)
      const weights = counted.map((x) => Math.max(0, x.k.weight))
      const total = weights.reduce((a, b) => a + b, 0)
      const progress =
        counted.length === 0
          ? n.progress
          : total === 0
            ? counted.reduce((s, x) => s + x.r.progress, 0) / counted.length
            : counted.reduce((s, x, i) => s + x.r.progress * weights[i]!, 0) / total
      result = { progress: Math.round(progress * 10) / 10, rag: worstRag([n.rag, ...rolled.map((x) => x.r.rag)]) }
    }
    visiting.delete(n.id)
    out.set(n.id, result)
    return result
  }
  for (const n of nodes) visit(n)
  return out
}

export interface SpendPosting {
  account: string
  pledgeId: number
  commitmentRef: string | null
  /** Signed pence as the ledger stores it (debits positive). */
  amountPence: number
}

export interface Spend {
  committedPence: number
  paidPence: number
  remainingPence: number
  byPartner: { partnerName: string; committedPence: number; paidPence: number }[]
}

/**
 * Spend on one contract from the ledger's postings under its commitment reference: committed is everything
 * ever committed (still committed plus paid), paid is paid, remaining is what is committed and not yet paid.
 * Split by the partner whose pledge the money came from.
 */
export function spendFromPostings(
  postings: readonly SpendPosting[],
  refs: ReadonlySet<string>,
  partnerOfPledge: (pledgeId: number) => string,
): Spend {
  let open = 0
  let paid = 0
  const partners = new Map<string, { partnerName: string; committedPence: number; paidPence: number }>()
  for (const p of postings) {
    if (p.commitmentRef === null || !refs.has(p.commitmentRef)) continue
    if (p.account !== 'committed' && p.account !== 'paid') continue
    const name = partnerOfPledge(p.pledgeId)
    const row = partners.get(name) ?? { partnerName: name, committedPence: 0, paidPence: 0 }
    if (p.account === 'committed') {
      open += p.amountPence
      row.committedPence += p.amountPence
    } else {
      paid += p.amountPence
      row.paidPence += p.amountPence
      // A payment moves money out of "committed", so what was committed is the open amount plus the paid.
      row.committedPence += p.amountPence
    }
    partners.set(name, row)
  }
  return {
    committedPence: open + paid,
    paidPence: paid,
    remainingPence: open,
    byPartner: [...partners.values()]
      .filter((r) => r.committedPence !== 0 || r.paidPence !== 0)
      .sort((a, b) => a.partnerName.localeCompare(b.partnerName)),
  }
}

/** Adds spends (a parent's money is its own plus its children's). */
export function addSpend(a: Spend, b: Spend): Spend {
  const partners = new Map(a.byPartner.map((r) => [r.partnerName, { ...r }]))
  for (const r of b.byPartner) {
    const row = partners.get(r.partnerName) ?? { partnerName: r.partnerName, committedPence: 0, paidPence: 0 }
    row.committedPence += r.committedPence
    row.paidPence += r.paidPence
    partners.set(r.partnerName, row)
  }
  return {
    committedPence: a.committedPence + b.committedPence,
    paidPence: a.paidPence + b.paidPence,
    remainingPence: a.remainingPence + b.remainingPence,
    byPartner: [...partners.values()].sort((x, y) => x.partnerName.localeCompare(y.partnerName)),
  }
}

/** Count, mean (one decimal) and how many gave each star, from the visible ratings. */
export function ratingSummary(stars: readonly number[]): {
  count: number
  average: number | null
  byStars: [number, number, number, number, number]
} {
  const byStars: [number, number, number, number, number] = [0, 0, 0, 0, 0]
  let sum = 0
  let count = 0
  for (const s of stars) {
    if (!Number.isInteger(s) || s < 1 || s > 5) continue
    byStars[s - 1]! += 1
    sum += s
    count += 1
  }
  return { count, average: count === 0 ? null : Math.round((sum / count) * 10) / 10, byStars }
}

/** Follow-up surveys are periodic, not a stream: at most one round per service every 28 days. */
export const SURVEY_MIN_DAYS = 28

export function maySendSurvey(lastSentAt: string | null, now: string, minDays = SURVEY_MIN_DAYS): boolean {
  if (lastSentAt === null) return true
  return Date.parse(now) - Date.parse(lastSentAt) >= minDays * DAY_MS
}
