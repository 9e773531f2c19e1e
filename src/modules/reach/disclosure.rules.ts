import { suppress } from '../engagement/index.js'

/**
 * Primary suppression (under 10 hidden, the rest rounded to 5, the engagement module's one rule) plus secondary
 * suppression over a set of cells that add up to a published total: when exactly one cell is hidden, the next
 * smallest is hidden too, so the hidden one cannot be worked out by differencing (security checklist P-7).
 */
export function disclose(counts: number[]): (number | null)[] {
  const out = counts.map((c) => suppress(c))
  const hidden = out.filter((c) => c === null).length
  if (hidden === 1 && counts.length > 1) {
    let pick = -1
    counts.forEach((c, i) => {
      if (out[i] !== null && (pick < 0 || c < counts[pick]!)) pick = i
    })
    if (pick >= 0) out[pick] = null
  }
  return out
}

/** The same second step for cells already passed through primary suppression elsewhere (equality summaries). */
export function secondarySuppress(cells: (number | null)[]): (number | null)[] {
  const out = [...cells]
  if (out.filter((c) => c === null).length !== 1 || out.length < 2) return out
  let pick = -1
  out.forEach((c, i) => {
    if (c !== null && (pick < 0 || c < out[pick]!)) pick = i
  })
  if (pick >= 0) out[pick] = null
  return out
}

export { suppress }
