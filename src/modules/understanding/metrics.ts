/** Evaluation of multi-label suggestions against officers' codes. Pure. */

export interface ClassScores {
  precision: number | null
  recall: number | null
  f1: number | null
  support: number
}

export interface Evaluation {
  perClass: ClassScores[]
  micro: { precision: number | null; recall: number | null; f1: number | null }
  examples: number
  /** k of the k-fold cross-validation it came from (absent on evaluations stored before it was used). */
  folds?: number
  /** What the coded answers were, so the figure says on which data it was measured. */
  data?: { consultationAnswers: number; demoTexts: number; importedTexts: number }
}

const ratio = (a: number, b: number) => (b === 0 ? null : a / b)
const f1 = (p: number | null, r: number | null) =>
  p === null || r === null || p + r === 0 ? null : (2 * p * r) / (p + r)

/**
 * Precision = of the themes suggested, how many the officer also chose; recall = of the themes the officer chose,
 * how many were suggested. Undefined ratios (nothing suggested, nothing chosen) are null, not 0 or 1, so a theme
 * with no examples is not reported as perfect.
 */
export function evaluateMultiLabel(truth: number[][], predicted: number[][], classes: number): Evaluation {
  const tp = new Array<number>(classes).fill(0)
  const fp = new Array<number>(classes).fill(0)
  const fn = new Array<number>(classes).fill(0)
  truth.forEach((t, i) => {
    const p = predicted[i] ?? []
    for (let c = 0; c < classes; c++) {
      const inT = t.includes(c)
      const inP = p.includes(c)
      if (inT && inP) tp[c]! += 1
      else if (inP) fp[c]! += 1
      else if (inT) fn[c]! += 1
    }
  })
  const perClass = tp.map((_, c) => {
    const precision = ratio(tp[c]!, tp[c]! + fp[c]!)
    const recall = ratio(tp[c]!, tp[c]! + fn[c]!)
    return { precision, recall, f1: f1(precision, recall), support: tp[c]! + fn[c]! }
  })
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)
  const precision = ratio(sum(tp), sum(tp) + sum(fp))
  const recall = ratio(sum(tp), sum(tp) + sum(fn))
  return { perClass, micro: { precision, recall, f1: f1(precision, recall) }, examples: truth.length }
}

/** FNV-1a: a stable hash, so whether an answer is held out depends only on its reference, not on row order. */
export function stableHash(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}

/** Deterministic hold-out: about `fraction` of keys go to the test part, the same ones every time. */
export function isHeldOut(key: string, fraction: number): boolean {
  return stableHash(key) % 1000 < fraction * 1000
}
