import { compileProblem } from './compile.js'
import type { CompiledProblem } from './compile.js'
import { drawPanel } from './draw.js'
import type { Draw } from './draw.js'
import { checkFeasibility } from './feasibility.js'
import type { FeasibilityReport } from './feasibility.js'
import { estimateLegacy, legacyPanel } from './legacy.js'
import type { LegacyEstimate } from './legacy.js'
import { leximinWithSolver } from './leximin.js'
import type { LeximinOptions, LeximinResult } from './leximin.js'
import { randomSeed } from './prng.js'
import { loadSolver } from './solver.js'
import type { Instance } from './types.js'

export type SelectionMethod = 'leximin' | 'legacy'

export interface SelectOptions {
  method?: SelectionMethod
  /** Seed for the draw; a random one is generated (and returned) when omitted. */
  seed?: string
  /** At most one person per household (uses `Respondent.household`). */
  households?: boolean
  /** LEGACY: number of runs used to estimate probabilities. Default 10,000, as in the paper. */
  legacyRuns?: number
  leximin?: LeximinOptions
}

export interface SelectionResult {
  method: SelectionMethod
  seed: string
  k: number
  n: number
  /** Respondent ids in pool order; `probabilities` follows the same order. */
  ids: string[]
  probabilities: number[]
  minProbability: number
  /** Ids of the drawn panel, in pool order. */
  panel: string[]
  /** Ids of respondents in no feasible panel (probability 0). */
  uncoverable: string[]
  problem: CompiledProblem
  leximin?: LeximinResult
  draw?: Draw
  legacy?: LegacyEstimate
}

export type SelectOutcome = { ok: true; result: SelectionResult } | { ok: false; feasibility: FeasibilityReport }

/** Feasibility check, then the chosen method, then the seeded draw. Infeasible quotas come back with the report. */
export async function selectPanel(instance: Instance, options: SelectOptions = {}): Promise<SelectOutcome> {
  const method = options.method ?? 'leximin'
  const seed = options.seed ?? randomSeed()
  const solver = await loadSolver()
  const problem = compileProblem(instance, { households: options.households ?? false })
  const feasibility = checkFeasibility(solver, problem)
  if (!feasibility.feasible) return { ok: false, feasibility }
  const ids = instance.respondents.map((r) => r.id)
  const toIds = (agents: number[]): string[] => agents.map((a) => ids[a] ?? String(a))
  if (method === 'leximin') {
    const leximin = leximinWithSolver(solver, problem, options.leximin)
    const draw = drawPanel(problem, leximin.distribution, seed)
    return {
      ok: true,
      result: {
        method,
        seed,
        k: problem.k,
        n: problem.n,
        ids,
        probabilities: leximin.probabilities,
        minProbability: leximin.minProbability,
        panel: toIds(draw.panel),
        uncoverable: toIds(leximin.uncoverable),
        problem,
        leximin,
        draw,
      },
    }
  }
  // LEGACY: the drawn panel is one run seeded with `seed`; the probabilities are estimated from separate runs
  // seeded with `${seed}:estimate`, so the panel is not one of the estimation samples.
  const legacy = estimateLegacy(problem, { runs: options.legacyRuns ?? 10_000, seed: `${seed}:estimate` })
  const panel = legacyPanel(problem, seed)
  return {
    ok: true,
    result: {
      method,
      seed,
      k: problem.k,
      n: problem.n,
      ids,
      probabilities: legacy.probabilities,
      minProbability: legacy.minProbability,
      panel: toIds(panel),
      uncoverable: [],
      problem,
      legacy,
    },
  }
}
