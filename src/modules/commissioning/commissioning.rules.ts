/** Pure rules of the commissioning cycle: criteria, sealing, stages, ranking, two-person award. */

export interface Criterion {
  key: string
  title: string
  weight: number
}

export interface Kpi {
  name: string
  target: string
}

export interface Instalment {
  label: string
  due: string
  amountPence: number
}

/** Every opportunity is judged on these as well as its own criteria (the programme's promise to the ward). */
export const REQUIRED_CRITERIA = ['social-value', 'local-benefit'] as const

export const slug = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60)

export type CriteriaProblem = 'weights_sum' | 'required_missing' | 'duplicate' | 'empty'

export function checkCriteria(criteria: readonly Criterion[]): CriteriaProblem | undefined {
  if (criteria.length === 0) return 'empty'
  if (new Set(criteria.map((c) => c.key)).size !== criteria.length) return 'duplicate'
  if (!REQUIRED_CRITERIA.every((k) => criteria.some((c) => c.key === k))) return 'required_missing'
  if (criteria.some((c) => !Number.isInteger(c.weight) || c.weight <= 0)) return 'weights_sum'
  if (criteria.reduce((s, c) => s + c.weight, 0) !== 100) return 'weights_sum'
  return undefined
}

/** Bids stay sealed (no officer or panel member may read them) until the deadline has passed. */
export const isSealed = (deadline: string | null, now: Date): boolean =>
  deadline === null || now.getTime() < Date.parse(deadline)

export type Stage = 'specification' | 'tender' | 'evaluation' | 'award_proposed' | 'awarded' | 'contract'

export function stageOf(
  p: {
    publishedAt: string | null
    deadline: string | null
    awardProposedAt: string | null
    awardApprovedAt: string | null
  },
  hasContract: boolean,
  now: Date,
): Stage {
  if (hasContract) return 'contract'
  if (p.awardApprovedAt) return 'awarded'
  if (p.awardProposedAt) return 'award_proposed'
  if (!p.publishedAt) return 'specification'
  return isSealed(p.deadline, now) ? 'tender' : 'evaluation'
}

/** Z-7: an award is approved by a different authorised person from the one who proposed it. */
export const mayApproveAward = (proposedBy: number | null, approver: number): boolean =>
  proposedBy !== null && proposedBy !== approver

/**
 * Z-8: an evaluator is conflicted with an organisation they declared for this process, or one named in
 * the interests they declared as a panel member.
 */
export function isConflicted(
  organisation: { id: number; name: string },
  declaredOrganisationIds: readonly number[],
  panelInterests: string,
): boolean {
  if (declaredOrganisationIds.includes(organisation.id)) return true
  const name = organisation.name
    .replace(/^demo:\s*/i, '')
    .trim()
    .toLowerCase()
  return name.length >= 3 && panelInterests.toLowerCase().includes(name)
}

/**
 * Who may read and score sealed-then-opened bids: the ward's officers, and panel members only once they have
 * accepted their place on the ward's community panel (the role alone is not enough: an invited, declined or
 * never-drawn person holds no seat on the panel).
 */
export const mayEvaluate = (officer: boolean, panelStatus: 'invited' | 'accepted' | 'declined' | undefined): boolean =>
  officer || panelStatus === 'accepted'

export interface RankInput {
  bidId: number
  pricePence: number
  /** Agreed (moderated) score 0–10 per criterion key. */
  scores: Record<string, number>
}

export interface Ranked {
  bidId: number
  rank: number
  /** Weighted total in tenths of a point out of 100 (1000 = full marks), kept an integer so ties are exact. */
  totalTenths: number
  complete: boolean
}

/**
 * Weighted totals: each criterion gives weight × score / 10 points. A bid missing an agreed score ranks
 * after complete bids. Ties go to the lower price, then the earlier bid, so the order is total.
 */
export function rankBids(criteria: readonly Criterion[], bids: readonly RankInput[]): Ranked[] {
  const rows = bids.map((b) => {
    let total = 0
    let complete = true
    for (const c of criteria) {
      const s = b.scores[c.key]
      if (s === undefined) complete = false
      else total += c.weight * s
    }
    return { bidId: b.bidId, pricePence: b.pricePence, totalTenths: total, complete }
  })
  rows.sort(
    (a, b) =>
      Number(b.complete) - Number(a.complete) ||
      b.totalTenths - a.totalTenths ||
      a.pricePence - b.pricePence ||
      a.bidId - b.bidId,
  )
  return rows.map((r, i) => ({ bidId: r.bidId, rank: i + 1, totalTenths: r.totalTenths, complete: r.complete }))
}

export const formatTotal = (tenths: number): string => `${Math.floor(tenths / 10)}.${tenths % 10}`

/** The mean of the independent scores per criterion, as a starting point for moderation. */
export function meanScores(scores: readonly { criterion: string; score: number }[]): Record<string, string> {
  const by = new Map<string, number[]>()
  for (const s of scores) by.set(s.criterion, [...(by.get(s.criterion) ?? []), s.score])
  return Object.fromEntries([...by].map(([k, v]) => [k, (v.reduce((a, b) => a + b, 0) / v.length).toFixed(1)]))
}

export interface LotInput {
  title: string
  /** Undefined when the budget given was not a positive amount of money. */
  budgetPence: number | undefined
}

export type LotProblem = 'single' | 'budget_invalid' | 'over_budget'

/**
 * Lots split one opportunity into parts bid for, scored and awarded separately. None is fine (published whole);
 * a single lot is not a division; each lot needs a positive budget, and together they stay within the
 * specification's budget envelope.
 */
export function checkLots(lots: readonly LotInput[], specBudgetPence: number): LotProblem | undefined {
  if (lots.length === 0) return undefined
  if (lots.length === 1) return 'single'
  if (lots.some((l) => l.budgetPence === undefined || l.budgetPence <= 0)) return 'budget_invalid'
  if (lots.reduce((s, l) => s + (l.budgetPence ?? 0), 0) > specBudgetPence) return 'over_budget'
  return undefined
}

/** A payment schedule must pay exactly the contract's value. */
export const scheduleMatches = (schedule: readonly Instalment[], valuePence: number): boolean =>
  schedule.length > 0 && schedule.reduce((s, i) => s + i.amountPence, 0) === valuePence
