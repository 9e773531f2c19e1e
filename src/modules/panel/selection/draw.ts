import type { CompiledProblem } from './compile.js'
import { SeededRandom } from './prng.js'
import type { PanelDistribution } from './types.js'

export interface Draw {
  /** Pool indices of the drawn panel, ascending. */
  panel: number[]
  /** Index of the drawn composition in the distribution's published order. */
  compositionIndex: number
  /** The uniform number that chose the composition. */
  u: number
  seed: string
}

/**
 * Draws one panel from a LEXIMIN lottery, reproducibly from `seed` (see SeededRandom for the exact generator).
 *
 * 1. u = first number from the generator; walk the compositions in the distribution's order, adding up their
 *    weights, and take the first whose running total exceeds u (the last one if rounding leaves u uncovered).
 * 2. For each group on that composition, in increasing group order, take c members uniformly without
 *    replacement: a partial Fisher–Yates shuffle of the group's members (ascending pool order), using the
 *    following numbers from the same generator.
 *
 * Each person is then selected with exactly their LEXIMIN probability: the composition has probability q_P, and
 * given it a member of group g is on the panel with probability c_g / |g|.
 */
export function drawPanel(problem: CompiledProblem, distribution: PanelDistribution, seed: string): Draw {
  const rng = new SeededRandom(seed)
  const u = rng.next()
  const { compositions, weights } = distribution
  if (compositions.length === 0) throw new Error('empty distribution')
  let compositionIndex = compositions.length - 1
  let total = 0
  for (let j = 0; j < compositions.length; j++) {
    total += weights[j] ?? 0
    if (u < total) {
      compositionIndex = j
      break
    }
  }
  const composition = compositions[compositionIndex]
  const panel: number[] = []
  composition?.groups.forEach((g, j) => {
    const members = [...(problem.groups[g]?.members ?? [])]
    const c = composition.counts[j] ?? 0
    for (let t = 0; t < c; t++) {
      const pick = t + rng.int(members.length - t)
      const chosen = members[pick] ?? 0
      members[pick] = members[t] ?? 0
      members[t] = chosen
      panel.push(chosen)
    }
  })
  return { panel: panel.sort((a, b) => a - b), compositionIndex, u, seed }
}
