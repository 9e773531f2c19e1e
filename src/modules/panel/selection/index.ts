export type { Composition, Instance, PanelDistribution, Quota, Respondent } from './types.js'
export {
  InstanceFormatError,
  normalizeKey,
  parseCategoriesCsv,
  parseCsv,
  parseInstance,
  parseRespondentsCsv,
} from './csv.js'
export type { RespondentsOptions } from './csv.js'
export { compileProblem, compositionViolations, featureCounts, panelViolations } from './compile.js'
export type { AgentGroup, CompileOptions, CompiledProblem, UnknownValue } from './compile.js'
export { checkFeasibility, findUncoverableGroups, staticIssues, suggestRelaxation } from './feasibility.js'
export type { FeasibilityIssue, FeasibilityOptions, FeasibilityReport, QuotaChange, Relaxation } from './feasibility.js'
export { leximin, leximinWithSolver, SelectionError } from './leximin.js'
export type { LeximinOptions, LeximinResult, LeximinStats } from './leximin.js'
export { estimateLegacy, legacyPanel, LegacySampler } from './legacy.js'
export type { LegacyEstimate } from './legacy.js'
export { drawPanel } from './draw.js'
export type { Draw } from './draw.js'
export { randomSeed, SeededRandom } from './prng.js'
export { PanelOracle } from './oracle.js'
export { loadSolver, SolverError } from './solver.js'
export type { Solver } from './solver.js'
export { selectPanel } from './select.js'
export type { SelectionMethod, SelectionResult, SelectOptions, SelectOutcome } from './select.js'
