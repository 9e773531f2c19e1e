/**
 * Cohen's kappa: agreement between two coders beyond what chance would give, (po − pe) / (1 − pe). Pure.
 * Null when there is nothing to compare, or when both coders used one category only (pe = 1: kappa undefined).
 */
export function cohensKappa<T>(a: readonly T[], b: readonly T[]): number | null {
  if (a.length !== b.length) throw new Error('both coders must code the same items')
  const n = a.length
  if (n === 0) return null
  const categories = [...new Set([...a, ...b])]
  let agree = 0
  for (let i = 0; i < n; i++) if (a[i] === b[i]) agree += 1
  const po = agree / n
  let pe = 0
  for (const c of categories) pe += (a.filter((x) => x === c).length / n) * (b.filter((x) => x === c).length / n)
  if (pe === 1) return null
  return (po - pe) / (1 - pe)
}

/** Landis and Koch's words for a kappa, shown next to the figure so officers can read it. */
export function kappaBand(
  k: number | null,
): 'none' | 'poor' | 'slight' | 'fair' | 'moderate' | 'substantial' | 'almostPerfect' {
  if (k === null) return 'none'
  if (k < 0) return 'poor'
  if (k <= 0.2) return 'slight'
  if (k <= 0.4) return 'fair'
  if (k <= 0.6) return 'moderate'
  if (k <= 0.8) return 'substantial'
  return 'almostPerfect'
}

/** Kappa for one theme: each item is "has the theme" yes/no for each coder. */
export function kappaForTheme(
  pairs: readonly { a: readonly number[]; b: readonly number[] }[],
  theme: number,
): number | null {
  return cohensKappa(
    pairs.map((p) => p.a.includes(theme)),
    pairs.map((p) => p.b.includes(theme)),
  )
}
