/** Reach over time: pure functions, no I/O. Responses with their day and the area they were placed in, in; weeks out. */

export interface DatedPlacement {
  /** The day the response was given (`YYYY-MM-DD`, or an ISO timestamp whose first ten characters are the day). */
  day: string
  /** Null when the response was not placed in an area of the ward (outside, unknown postcode, none given). */
  lsoaCode: string | null
  oaCode: string | null
}

export interface ProgressWeek {
  /** Monday of the week, `YYYY-MM-DD`. */
  weekStart: string
  /** Responses given in this week (placed or not). */
  responses: number
  /** Cumulative, to the end of this week. */
  totalResponses: number
  heard: number
  lsoasReached: number
  oasReached: number
  lsoaShare: number | null
  oaShare: number | null
}

/** Weeks shown at most; older weeks are folded into the first one shown, so the chart stays readable. */
export const MAX_WEEKS = 52

const DAY = 86_400_000

/** Monday on or before the day (UTC), as `YYYY-MM-DD`; null for a value that is not a date. */
export function weekStartOf(day: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(day)
  if (!m) return null
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))
  if (Number.isNaN(t)) return null
  const dow = (new Date(t).getUTCDay() + 6) % 7
  return new Date(t - dow * DAY).toISOString().slice(0, 10)
}

/**
 * Cumulative people heard and the share of areas with at least one voice, week by week from the first response to
 * the last (weeks with none are kept, so the line is honest about quiet spells). Responses without a readable day
 * count from the first week.
 */
export function progressByWeek(items: DatedPlacement[], totals: { lsoas: number; oas: number }): ProgressWeek[] {
  const weeks = items.map((i) => weekStartOf(i.day))
  const known = weeks.filter((w): w is string => w !== null).sort()
  if (items.length === 0) return []
  const first = known[0] ?? weekStartOf(new Date().toISOString())!
  const last = known[known.length - 1] ?? first
  let starts: string[] = []
  for (let t = Date.parse(`${first}T00:00:00Z`); t <= Date.parse(`${last}T00:00:00Z`); t += 7 * DAY)
    starts.push(new Date(t).toISOString().slice(0, 10))
  if (starts.length > MAX_WEEKS) starts = starts.slice(starts.length - MAX_WEEKS)
  const index = new Map(starts.map((s, i) => [s, i]))
  const perWeek = starts.map(() => [] as DatedPlacement[])
  items.forEach((item, i) => {
    const w = weeks[i]
    const k = w === null || w === undefined ? 0 : (index.get(w) ?? 0)
    perWeek[k]!.push(item)
  })
  const lsoas = new Set<string>()
  const oas = new Set<string>()
  let heard = 0
  let total = 0
  return starts.map((weekStart, k) => {
    for (const p of perWeek[k]!) {
      total += 1
      if (p.lsoaCode !== null) {
        heard += 1
        lsoas.add(p.lsoaCode)
        if (p.oaCode !== null) oas.add(p.oaCode)
      }
    }
    return {
      weekStart,
      responses: perWeek[k]!.length,
      totalResponses: total,
      heard,
      lsoasReached: lsoas.size,
      oasReached: oas.size,
      lsoaShare: totals.lsoas > 0 ? lsoas.size / totals.lsoas : null,
      oaShare: totals.oas > 0 ? oas.size / totals.oas : null,
    }
  })
}

export interface LineChart {
  width: number
  height: number
  /** Plot area: left, top, right, bottom in SVG units. */
  plot: { left: number; top: number; right: number; bottom: number }
  /** `x,y` pairs for an SVG polyline. */
  line: string
  points: { x: number; y: number; label: string; value: number }[]
  yTicks: { y: number; label: string }[]
  xTicks: { x: number; label: string }[]
}

/** A nice round top for the y axis (1, 2 or 5 × a power of ten), at least `max`. */
export function niceCeiling(max: number): number {
  if (max <= 0) return 1
  const p = 10 ** Math.floor(Math.log10(max))
  for (const m of [1, 2, 5, 10]) if (m * p >= max) return m * p
  return 10 * p
}

/** Lays out one series as a line chart; `format` writes the y-axis labels. */
export function layoutLineChart(
  series: { label: string; value: number }[],
  opts: { width?: number; height?: number; max?: number; format?: (v: number) => string } = {},
): LineChart {
  const width = opts.width ?? 640
  const height = opts.height ?? 240
  const plot = { left: 48, top: 12, right: width - 40, bottom: height - 36 }
  const top = opts.max ?? niceCeiling(Math.max(0, ...series.map((s) => s.value)))
  const format = opts.format ?? ((v: number) => String(v))
  const n = series.length
  const x = (i: number) =>
    n <= 1 ? (plot.left + plot.right) / 2 : plot.left + ((plot.right - plot.left) * i) / (n - 1)
  const y = (v: number) => plot.bottom - ((plot.bottom - plot.top) * Math.min(v, top)) / top
  const round = (v: number) => Math.round(v * 10) / 10
  const points = series.map((s, i) => ({ x: round(x(i)), y: round(y(s.value)), label: s.label, value: s.value }))
  const step = Math.max(1, Math.ceil(n / 6))
  return {
    width,
    height,
    plot,
    line: points.map((p) => `${p.x},${p.y}`).join(' '),
    points,
    yTicks: [0, 0.25, 0.5, 0.75, 1].map((f) => ({ y: round(y(top * f)), label: format(top * f) })),
    xTicks: points.filter((_, i) => i % step === 0 || i === n - 1).map((p) => ({ x: p.x, label: p.label })),
  }
}
