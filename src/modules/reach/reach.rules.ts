/** Reach arithmetic: pure functions, no I/O. Counts in, figures out. */

export const DEFAULT_THRESHOLD = 0.8
const Z95 = 1.959964

/** People heard per 1,000 residents; null where the area has no resident count. */
export function ratePer1000(heard: number, residents: number | null): number | null {
  if (residents === null || residents <= 0) return null
  return (heard / residents) * 1000
}

/** a ÷ b, or null when either is missing or b is 0 (a ratio to nothing is not a figure). */
export function ratio(a: number | null, b: number | null): number | null {
  if (a === null || b === null || b === 0) return null
  return a / b
}

/** Wilson score interval for a proportion x/n (95% by default); null when n is 0. */
export function wilson(x: number, n: number, z = Z95): { low: number; high: number } | null {
  if (n <= 0) return null
  const p = Math.min(1, Math.max(0, x / n))
  const z2 = z * z
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n)
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) }
}

export interface AreaInput {
  code: string
  name: string
  residents: number | null
  heard: number
  imdDecile?: number | null
  parentCode?: string | null
}

export interface AreaReach extends AreaInput {
  ratePer1000: number | null
  /** This area's rate ÷ the ward's rate. */
  ratioToWard: number | null
  noVoice: boolean
  /** More people to hear for this area to reach the ward's rate (0 when at or above it). */
  gap: number
  flagged: boolean
}

export interface WardReach {
  residents: number
  heard: number
  ratePer1000: number | null
  areas: AreaReach[]
}

/** Reach per area against the ward average (the ward rate counts only placed responses, as the areas do). */
export function areaReach(areas: AreaInput[], threshold = DEFAULT_THRESHOLD): WardReach {
  const residents = areas.reduce((s, a) => s + (a.residents ?? 0), 0)
  const heard = areas.reduce((s, a) => s + a.heard, 0)
  const wardRate = ratePer1000(heard, residents)
  return {
    residents,
    heard,
    ratePer1000: wardRate,
    areas: areas.map((a) => {
      const rate = ratePer1000(a.heard, a.residents)
      const r = ratio(rate, wardRate)
      const expected = wardRate === null || a.residents === null ? 0 : (a.residents * wardRate) / 1000
      return {
        ...a,
        ratePer1000: rate,
        ratioToWard: r,
        noVoice: a.heard === 0,
        gap: Math.max(0, Math.ceil(expected - a.heard - 1e-9)),
        flagged: a.heard === 0 || (r !== null && r < threshold),
      }
    }),
  }
}

export interface GroupInput {
  category: string
  /** Participants in the category after disclosure control (null: hidden). */
  participants: number | null
  residents: number
}

export interface GroupReach extends GroupInput {
  participantShare: number | null
  residentShare: number | null
  ratio: number | null
  interval: { low: number; high: number } | null
  /** The interval for the ratio (participant interval ÷ resident share). */
  ratioInterval: { low: number; high: number } | null
  flagged: boolean
  /** The interval's top is still under the threshold: the shortfall is not just chance. */
  clearlyUnder: boolean
  /** More participants in this category needed to match its share of residents (0 when none). */
  gap: number | null
}

/**
 * One characteristic's categories: each category's share of participants who gave one of these categories, vs its
 * share of residents. Hidden categories cannot be shared out, so the participants' base is the published counts
 * only (the page says so when any is hidden).
 */
export function groupReach(rows: GroupInput[], threshold = DEFAULT_THRESHOLD): { base: number; rows: GroupReach[] } {
  const base = rows.reduce((s, r) => s + (r.participants ?? 0), 0)
  const residentsTotal = rows.reduce((s, r) => s + r.residents, 0)
  return {
    base,
    rows: rows.map((r) => {
      const residentShare = residentsTotal > 0 ? r.residents / residentsTotal : null
      if (r.participants === null || base === 0)
        return {
          ...r,
          participantShare: null,
          residentShare,
          ratio: null,
          interval: null,
          ratioInterval: null,
          flagged: false,
          clearlyUnder: false,
          gap: null,
        }
      const participantShare = r.participants / base
      const rr = ratio(participantShare, residentShare)
      const interval = wilson(r.participants, base)
      const ratioInterval =
        interval && residentShare ? { low: interval.low / residentShare, high: interval.high / residentShare } : null
      return {
        ...r,
        participantShare,
        residentShare,
        ratio: rr,
        interval,
        ratioInterval,
        flagged: rr !== null && rr < threshold,
        clearlyUnder: ratioInterval !== null && ratioInterval.high < threshold,
        gap: residentShare === null ? null : Math.max(0, Math.ceil(residentShare * base - r.participants - 1e-9)),
      }
    }),
  }
}

export interface OutreachTarget {
  kind: 'area' | 'group'
  /** Area code, or `characteristic:category`. */
  key: string
  label: string
  ratio: number | null
  gap: number
  noVoice: boolean
}

/**
 * Where to go next: flagged areas and groups, furthest below parity first (no voice at all first of all), then by
 * the gap in people, then by key so the order is stable.
 */
export function rankOutreach(
  areas: AreaReach[],
  groups: { characteristic: string; rows: GroupReach[] }[],
): OutreachTarget[] {
  const targets: OutreachTarget[] = [
    ...areas
      .filter((a) => a.flagged)
      .map((a) => ({
        kind: 'area' as const,
        key: a.code,
        label: a.name,
        ratio: a.ratioToWard,
        gap: a.gap,
        noVoice: a.noVoice,
      })),
    ...groups.flatMap((g) =>
      g.rows
        .filter((r) => r.flagged)
        .map((r) => ({
          kind: 'group' as const,
          key: `${g.characteristic}:${r.category}`,
          label: r.category,
          ratio: r.ratio,
          gap: r.gap ?? 0,
          noVoice: false,
        })),
    ),
  ]
  return targets.sort(
    (a, b) =>
      Number(b.noVoice) - Number(a.noVoice) ||
      (a.ratio ?? 0) - (b.ratio ?? 0) ||
      b.gap - a.gap ||
      a.key.localeCompare(b.key),
  )
}

/** Sort keys the reach tables accept from a link (anything else falls back to the area code). */
export const AREA_SORTS = ['code', 'residents', 'heard', 'rate', 'ratio', 'imd'] as const
export type AreaSort = (typeof AREA_SORTS)[number]

export function sortAreas<T extends AreaReach>(rows: T[], sort: AreaSort, dir: 'asc' | 'desc'): T[] {
  const key = (a: T): number | string => {
    switch (sort) {
      case 'residents':
        return a.residents ?? -1
      case 'heard':
        return a.heard
      case 'rate':
        return a.ratePer1000 ?? -1
      case 'ratio':
        return a.ratioToWard ?? -1
      case 'imd':
        return a.imdDecile ?? 99
      default:
        return a.code
    }
  }
  const sign = dir === 'desc' ? -1 : 1
  return [...rows].sort((a, b) => {
    const ka = key(a)
    const kb = key(b)
    const c = typeof ka === 'number' && typeof kb === 'number' ? ka - kb : String(ka).localeCompare(String(kb))
    return c !== 0 ? sign * c : a.code.localeCompare(b.code)
  })
}
