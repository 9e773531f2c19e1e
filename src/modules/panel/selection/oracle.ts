import { compositionViolations } from './compile.js'
import type { CompiledProblem } from './compile.js'
import { configure, isInfeasibleStatus, runModel, SolverError, toModelData } from './solver.js'
import type { LinearRow, Solver, SolverModel } from './solver.js'
import type { Composition } from './types.js'

/** Rows shared by every panel model: size k, the quotas, and the optional household rule. */
export function panelRows(problem: CompiledProblem): LinearRow[] {
  const rows: LinearRow[] = [
    {
      lower: problem.k,
      upper: problem.k,
      indices: problem.groups.map((_, g) => g),
      values: problem.groups.map(() => 1),
    },
  ]
  const byFeature: number[][] = problem.quotas.map(() => [])
  problem.groups.forEach((group, g) => {
    for (const f of group.features) byFeature[f]?.push(g)
  })
  problem.quotas.forEach((q, f) => {
    const gs = byFeature[f] ?? []
    rows.push({ lower: q.min, upper: q.max, indices: gs, values: gs.map(() => 1) })
  })
  for (const h of problem.households) {
    const gs = [...h].sort((a, b) => a - b)
    rows.push({ lower: -Infinity, upper: 1, indices: gs, values: gs.map(() => 1) })
  }
  return rows
}

/** Reads an integer solution as a composition (groups with a positive count). */
export function readComposition(colValue: ArrayLike<number>, numGroups: number): Composition {
  const groups: number[] = []
  const counts: number[] = []
  for (let g = 0; g < numGroups; g++) {
    const c = Math.round(colValue[g] ?? 0)
    if (c > 0) {
      groups.push(g)
      counts.push(c)
    }
  }
  return { groups, counts }
}

/**
 * The pricing ILP: a feasible panel maximising Σ_g w_g·c_g, where c_g is how many members of group g it takes.
 * Built once; only the objective changes between calls, as in the original implementations.
 */
export class PanelOracle {
  private readonly model: SolverModel
  calls = 0

  constructor(
    private readonly solver: Solver,
    private readonly problem: CompiledProblem,
  ) {
    const G = problem.groups.length
    this.model = solver.createModel(
      toModelData(solver, {
        sense: 'max',
        cost: problem.groups.map(() => 0),
        lower: problem.groups.map(() => 0),
        upper: problem.groups.map((g) => g.members.length),
        integer: problem.groups.map(() => true),
        rows: panelRows(problem),
      }),
    )
    configure(this.model, true)
    if (G === 0) throw new SolverError('empty pool')
  }

  /** Best panel for the per-group weights, or null when no feasible panel exists at all. */
  maximize(weights: ArrayLike<number>): Composition | null {
    const G = this.problem.groups.length
    const costs = new Float64Array(G)
    for (let g = 0; g < G; g++) costs[g] = weights[g] ?? 0
    this.model.changeColsCost({ kind: 'range', from: 0, to: G - 1 }, costs)
    this.calls++
    const outcome = runModel(this.solver, this.model)
    if (!outcome.optimal) {
      if (isInfeasibleStatus(this.solver, outcome.status)) return null
      throw new SolverError(
        `panel ILP failed (HiGHS model status ${outcome.status}${outcome.message ? `: ${outcome.message}` : ''})`,
      )
    }
    const composition = readComposition(this.model.getSolution().colValue, G)
    const violations = compositionViolations(this.problem, composition)
    // The ILP's own tolerances should never let this through; checking keeps every later step trustworthy.
    if (violations.length > 0) throw new SolverError(`panel ILP returned an infeasible panel: ${violations.join('; ')}`)
    return composition
  }

  dispose(): void {
    this.model.dispose()
  }
}
