import highsModule from 'highs'
import type { Highs, InitOptions, Model, ModelData } from 'highs'

/**
 * Small typed wrapper around highs-js (HiGHS compiled to WebAssembly). The runtime is loaded once per process and
 * reused: loading costs tens of milliseconds, every later call is synchronous.
 */
export type Solver = Highs
export type SolverModel = Model

type Loader = (options?: InitOptions) => Promise<Highs>

// At runtime Node loads the package's ESM build, whose default export is the loader. Its types.d.ts is read as
// CommonJS under NodeNext, so TypeScript sees the default import as the whole module with the loader on
// `.default`. Accept both shapes without casting.
const highsLoader: Loader = typeof highsModule === 'function' ? highsModule : highsModule.default

let loading: Promise<Solver> | undefined

export function loadSolver(): Promise<Solver> {
  const pending =
    loading ??
    highsLoader().catch((err: unknown) => {
      // Let a later call retry instead of caching the failure forever.
      loading = undefined
      throw err
    })
  loading = pending
  return pending
}

export class SolverError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SolverError'
  }
}

export interface LinearRow {
  lower: number
  upper: number
  indices: readonly number[]
  values: readonly number[]
}

export interface LinearProgram {
  sense: 'min' | 'max'
  cost: readonly number[]
  lower: readonly number[]
  upper: readonly number[]
  /** Marks integer columns; omitted means a pure LP. */
  integer?: readonly boolean[]
  rows: readonly LinearRow[]
}

export function toModelData(solver: Solver, lp: LinearProgram): ModelData {
  const starts: number[] = [0]
  const indices: number[] = []
  const values: number[] = []
  for (const row of lp.rows) {
    row.indices.forEach((c, j) => {
      indices.push(c)
      values.push(row.values[j] ?? 0)
    })
    starts.push(indices.length)
  }
  const base: ModelData = {
    numCols: lp.cost.length,
    numRows: lp.rows.length,
    sense: lp.sense === 'max' ? solver.constants.objectiveSense.maximize : solver.constants.objectiveSense.minimize,
    colCost: lp.cost,
    colLower: lp.lower,
    colUpper: lp.upper,
    rowLower: lp.rows.map((r) => r.lower),
    rowUpper: lp.rows.map((r) => r.upper),
    matrix: { format: 'csr', numRows: lp.rows.length, numCols: lp.cost.length, starts, indices, values },
  }
  if (!lp.integer) return base
  const { continuous, integer } = solver.constants.variableType
  return { ...base, integrality: lp.integer.map((isInt) => (isInt ? integer : continuous)) }
}

/** Options every model gets: quiet, and for MIPs an exact optimum because column generation relies on it. */
export function configure(model: SolverModel, mip: boolean): void {
  model.options.set({ output_flag: false })
  if (mip) model.options.set({ mip_rel_gap: 0, mip_abs_gap: 1e-9 })
}

export interface RunOutcome {
  optimal: boolean
  /** Numeric HiGHS model status, or -1 when `run()` threw. */
  status: number
  message?: string
}

/** `run()` can throw (HiGHS status -1) as well as report a non-optimal status; treat both alike. */
export function runModel(solver: Solver, model: SolverModel): RunOutcome {
  try {
    model.run()
  } catch (err: unknown) {
    return { optimal: false, status: -1, message: err instanceof Error ? err.message : String(err) }
  }
  const status = model.getModelStatus()
  return { optimal: status === solver.constants.modelStatus.optimal, status }
}

export function isInfeasibleStatus(solver: Solver, status: number): boolean {
  return status === solver.constants.modelStatus.infeasible
}

/** Builds, solves and disposes a one-off model. Returns column values, or the failing status. */
export function solveOnce(
  solver: Solver,
  lp: LinearProgram,
): { optimal: true; colValue: Float64Array; objective: number } | { optimal: false; status: number; message?: string } {
  const model = solver.createModel(toModelData(solver, lp))
  try {
    configure(model, lp.integer?.some((x) => x) ?? false)
    const outcome = runModel(solver, model)
    if (!outcome.optimal) {
      const failed: { optimal: false; status: number; message?: string } = { optimal: false, status: outcome.status }
      if (outcome.message !== undefined) failed.message = outcome.message
      return failed
    }
    return { optimal: true, colValue: model.getSolution().colValue, objective: model.getObjectiveValue() }
  } finally {
    model.dispose()
  }
}
