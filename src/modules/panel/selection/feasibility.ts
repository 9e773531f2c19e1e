import { normalizeKey } from './csv.js'
import type { CompiledProblem } from './compile.js'
import { PanelOracle } from './oracle.js'
import { panelRows } from './oracle.js'
import { solveOnce, SolverError } from './solver.js'
import type { LinearRow, Solver } from './solver.js'
import type { Instance, Quota } from './types.js'

/**
 * Why no panel can be drawn. `message` is English for the command line and logs; the fields beside it carry the
 * same facts, so that a page can say it in the reader's language.
 */
export type FeasibilityIssue =
  | { kind: 'pool-too-small'; k: number; available: number; message: string }
  | { kind: 'category-sum'; category: string; k: number; sumMin: number; sumMax: number; message: string }
  | { kind: 'quota-above-pool'; category: string; value: string; min: number; available: number; message: string }
  | { kind: 'unknown-value'; respondentId: string; category: string; value: string; message: string }
  | { kind: 'no-feasible-panel'; households: boolean; message: string }

export interface QuotaChange {
  category: string
  value: string
  min: number
  max: number
  newMin: number
  newMax: number
}

export interface Relaxation {
  /** Only the quotas that change. */
  changes: QuotaChange[]
  /** Objective value Σ ρ_f·(min decrease) + Σ (max increase), ρ_f = 1 + 2/min_f. */
  cost: number
  /** The full quota table with the changes applied. */
  quotas: Quota[]
}

export interface FeasibilityReport {
  feasible: boolean
  issues: FeasibilityIssue[]
  /** Smallest quota change that admits a panel, when the quotas are the problem and one exists. */
  relaxation?: Relaxation
  /** Ids of respondents who are in no feasible panel (only when coverage was checked). */
  uncoverable?: string[]
}

/** Checks that need no solver. Unknown values block solving; the others are reported as reasons for infeasibility. */
export function staticIssues(instance: Instance): FeasibilityIssue[] {
  const issues: FeasibilityIssue[] = []
  const n = instance.respondents.length
  if (instance.k > n)
    issues.push({
      kind: 'pool-too-small',
      k: instance.k,
      available: n,
      message: `the panel needs ${instance.k} people but the pool has only ${n}`,
    })
  for (const category of instance.categories) {
    const rows = instance.quotas.filter((q) => q.category === category)
    const sumMin = rows.reduce((s, q) => s + q.min, 0)
    const sumMax = rows.reduce((s, q) => s + q.max, 0)
    if (sumMin > instance.k || sumMax < instance.k)
      issues.push({
        kind: 'category-sum',
        category,
        k: instance.k,
        sumMin,
        sumMax,
        message:
          sumMin > instance.k
            ? `the minimums for ${category} add up to ${sumMin}, more than the panel size ${instance.k}`
            : `the maximums for ${category} add up to ${sumMax}, less than the panel size ${instance.k}`,
      })
  }
  const known = new Map<string, Set<string>>()
  for (const q of instance.quotas) {
    const key = normalizeKey(q.category)
    const set = known.get(key) ?? new Set<string>()
    set.add(normalizeKey(q.value))
    known.set(key, set)
  }
  const available = new Map<string, number>()
  for (const r of instance.respondents) {
    for (const category of instance.categories) {
      const value = r.values[category] ?? ''
      if (!known.get(normalizeKey(category))?.has(normalizeKey(value)))
        issues.push({
          kind: 'unknown-value',
          respondentId: r.id,
          category,
          value,
          message: `respondent ${r.id} has ${category} = "${value}", which has no row in the quota table`,
        })
      const key = `${normalizeKey(category)}\u0000${normalizeKey(value)}`
      available.set(key, (available.get(key) ?? 0) + 1)
    }
  }
  for (const q of instance.quotas) {
    const count = available.get(`${normalizeKey(q.category)}\u0000${normalizeKey(q.value)}`) ?? 0
    if (q.min > count)
      issues.push({
        kind: 'quota-above-pool',
        category: q.category,
        value: q.value,
        min: q.min,
        available: count,
        message: `at least ${q.min} with ${q.category} = ${q.value} are required but the pool has ${count}`,
      })
  }
  return issues
}

/**
 * The smallest relaxation of the quotas under which a panel exists (section 4 of the notes): integer decreases
 * a_f of minimums and increases b_f of maximums, minimising Σ ρ_f a_f + Σ b_f with ρ_f = 1 + 2/min_f, so cutting
 * an already small minimum costs more. Returns null when no quota change can help (pool smaller than k, or the
 * household rule alone rules every panel out).
 */
export function suggestRelaxation(solver: Solver, problem: CompiledProblem): Relaxation | null {
  if (problem.k > problem.n) return null
  const G = problem.groups.length
  const F = problem.quotas.length
  const base = panelRows(problem)
  // Keep the size row and the household rows; the quota rows are replaced by the relaxed pairs below.
  const sizeRow = base[0]
  if (!sizeRow) throw new SolverError('internal: missing size row')
  const householdRows = base.slice(1 + F)
  const rows: LinearRow[] = [sizeRow, ...householdRows]
  const byFeature: number[][] = problem.quotas.map(() => [])
  problem.groups.forEach((group, g) => {
    for (const f of group.features) byFeature[f]?.push(g)
  })
  problem.quotas.forEach((q, f) => {
    const gs = byFeature[f] ?? []
    const a = G + f
    const b = G + F + f
    rows.push({ lower: q.min, upper: Infinity, indices: [...gs, a], values: [...gs.map(() => 1), 1] })
    rows.push({ lower: -Infinity, upper: q.max, indices: [...gs, b], values: [...gs.map(() => 1), -1] })
  })
  const rho = problem.quotas.map((q) => (q.min > 0 ? 1 + 2 / q.min : 0))
  const result = solveOnce(solver, {
    sense: 'min',
    cost: [...problem.groups.map(() => 0), ...rho, ...problem.quotas.map(() => 1)],
    lower: new Array<number>(G + 2 * F).fill(0),
    upper: [
      ...problem.groups.map((g) => g.members.length),
      ...problem.quotas.map((q) => q.min),
      ...problem.quotas.map(() => problem.k),
    ],
    integer: new Array<boolean>(G + 2 * F).fill(true),
    rows,
  })
  if (!result.optimal) return null
  const changes: QuotaChange[] = []
  const quotas = problem.quotas.map((q, f) => {
    const a = Math.round(result.colValue[G + f] ?? 0)
    const b = Math.round(result.colValue[G + F + f] ?? 0)
    const relaxed = { ...q, min: q.min - a, max: q.max + b }
    if (a > 0 || b > 0)
      changes.push({
        category: q.category,
        value: q.value,
        min: q.min,
        max: q.max,
        newMin: relaxed.min,
        newMax: relaxed.max,
      })
    return relaxed
  })
  const cost = changes.reduce((s, c) => {
    const f = problem.quotas.findIndex((q) => q.category === c.category && q.value === c.value)
    return s + (rho[f] ?? 0) * (c.min - c.newMin) + (c.newMax - c.max)
  }, 0)
  return { changes, cost, quotas }
}

/** Groups that appear in no feasible panel: one ILP per group not already covered by `covered`. */
export function findUncoverableGroups(
  oracle: PanelOracle,
  problem: CompiledProblem,
  covered: ReadonlySet<number>,
): number[] {
  const out: number[] = []
  const G = problem.groups.length
  const known = new Set(covered)
  for (let g = 0; g < G; g++) {
    if (known.has(g)) continue
    const w = new Float64Array(G)
    w[g] = 1
    const panel = oracle.maximize(w)
    if (panel === null) throw new SolverError('no feasible panel')
    for (const h of panel.groups) known.add(h)
    if (!panel.groups.includes(g)) out.push(g)
  }
  return out
}

export interface FeasibilityOptions {
  /** Also list respondents who are in no feasible panel (up to one ILP per group). Default false. */
  coverage?: boolean
}

/**
 * Full feasibility check: the static checks, then whether the panel ILP has any solution, and when it has none
 * the suggested relaxation. Unknown values stop the check before the solver (the instance is malformed).
 */
export function checkFeasibility(
  solver: Solver,
  problem: CompiledProblem,
  options: FeasibilityOptions = {},
): FeasibilityReport {
  const issues = staticIssues(problem.instance)
  if (issues.some((i) => i.kind === 'unknown-value' || i.kind === 'pool-too-small')) return { feasible: false, issues }
  const oracle = new PanelOracle(solver, problem)
  try {
    const panel = oracle.maximize(new Float64Array(problem.groups.length))
    if (panel === null) {
      issues.push({
        kind: 'no-feasible-panel',
        households: problem.enforceHouseholds,
        message: problem.enforceHouseholds
          ? 'no panel meets all quotas with at most one person per household'
          : 'no panel of this size meets all quotas at once',
      })
      const report: FeasibilityReport = { feasible: false, issues }
      const relaxation = suggestRelaxation(solver, problem)
      if (relaxation) report.relaxation = relaxation
      return report
    }
    const report: FeasibilityReport = { feasible: true, issues }
    if (options.coverage) {
      const groups = findUncoverableGroups(oracle, problem, new Set(panel.groups))
      report.uncoverable = groups.flatMap((g) =>
        (problem.groups[g]?.members ?? []).map((a) => problem.instance.respondents[a]?.id ?? String(a)),
      )
    }
    return report
  } finally {
    oracle.dispose()
  }
}
