import { normalizeKey } from './csv.js'
import type { Composition, Instance, Quota } from './types.js'

/**
 * Agents with the same value in every category are interchangeable: swapping two of them maps feasible panels
 * to feasible panels. The leximin probability vector is unique, so it gives such agents equal probabilities, and
 * it suffices to optimise over how many members of each group a panel takes. This turns 2,000 binary variables
 * into 4 integer ones on `example_large_200` and is what makes that instance fast. Members of a multi-member
 * household are not interchangeable with anyone once households are enforced, so each becomes its own group.
 */
export interface AgentGroup {
  /** Agent indices (rows of the pool) in the group, ascending. */
  members: number[]
  /** Feature (quota row) indices the members have, one per category whose value is known. */
  features: number[]
}

export interface UnknownValue {
  agent: number
  category: string
  value: string
}

export interface CompiledProblem {
  instance: Instance
  k: number
  n: number
  quotas: Quota[]
  /** Feature indices per agent (one per category with a known value). */
  agentFeatures: number[][]
  /** Respondent values that match no quota row; such an instance cannot be solved until fixed. */
  unknownValues: UnknownValue[]
  groups: AgentGroup[]
  agentGroup: number[]
  /** Groups (each a single agent) that share a household; only lists with at least two entries. */
  households: number[][]
  /** Whether the at-most-one-per-household rule is enforced. */
  enforceHouseholds: boolean
}

export interface CompileOptions {
  /** Enforce at most one person per household (needs `household` on respondents). Default false. */
  households?: boolean
  /** Merge interchangeable agents into groups (default true). False gives one group per agent. */
  groupIdentical?: boolean
}

export function compileProblem(instance: Instance, options: CompileOptions = {}): CompiledProblem {
  const enforceHouseholds = options.households ?? false
  const groupIdentical = options.groupIdentical ?? true
  const featureIndex = new Map<string, number>()
  instance.quotas.forEach((q, f) => featureIndex.set(`${normalizeKey(q.category)}\u0000${normalizeKey(q.value)}`, f))
  const unknownValues: UnknownValue[] = []
  const agentFeatures = instance.respondents.map((r, agent) => {
    const fs: number[] = []
    for (const category of instance.categories) {
      const value = r.values[category] ?? ''
      const f = featureIndex.get(`${normalizeKey(category)}\u0000${normalizeKey(value)}`)
      if (f === undefined) unknownValues.push({ agent, category, value })
      else fs.push(f)
    }
    return fs
  })

  const householdMembers = new Map<string, number[]>()
  if (enforceHouseholds) {
    instance.respondents.forEach((r, agent) => {
      if (r.household === undefined) return
      const list = householdMembers.get(r.household)
      if (list) list.push(agent)
      else householdMembers.set(r.household, [agent])
    })
  }
  const sharesHousehold = new Set<number>()
  for (const members of householdMembers.values())
    if (members.length >= 2) for (const a of members) sharesHousehold.add(a)

  const groups: AgentGroup[] = []
  const agentGroup: number[] = []
  const groupByKey = new Map<string, number>()
  agentFeatures.forEach((fs, agent) => {
    const key = groupIdentical && !sharesHousehold.has(agent) ? fs.join(',') : `agent:${agent}`
    let g = groupByKey.get(key)
    if (g === undefined) {
      g = groups.length
      groupByKey.set(key, g)
      groups.push({ members: [], features: fs })
    }
    groups[g]?.members.push(agent)
    agentGroup.push(g)
  })
  const households: number[][] = []
  for (const members of householdMembers.values())
    if (members.length >= 2) households.push(members.map((a) => agentGroup[a] ?? -1))

  return {
    instance,
    k: instance.k,
    n: instance.respondents.length,
    quotas: instance.quotas,
    agentFeatures,
    unknownValues,
    groups,
    agentGroup,
    households,
    enforceHouseholds,
  }
}

/** Per-feature member counts of a composition. */
export function featureCounts(problem: CompiledProblem, composition: Composition): number[] {
  const counts = problem.quotas.map(() => 0)
  composition.groups.forEach((g, j) => {
    const c = composition.counts[j] ?? 0
    for (const f of problem.groups[g]?.features ?? []) counts[f] = (counts[f] ?? 0) + c
  })
  return counts
}

/** Why a composition is not a feasible panel, or an empty list when it is one. */
export function compositionViolations(problem: CompiledProblem, composition: Composition): string[] {
  const out: string[] = []
  let total = 0
  composition.groups.forEach((g, j) => {
    const c = composition.counts[j] ?? 0
    total += c
    const size = problem.groups[g]?.members.length ?? 0
    if (!Number.isInteger(c) || c < 0 || c > size) out.push(`group ${g} count ${c} outside 0..${size}`)
  })
  if (total !== problem.k) out.push(`panel has ${total} members, not ${problem.k}`)
  featureCounts(problem, composition).forEach((c, f) => {
    const q = problem.quotas[f]
    if (q && (c < q.min || c > q.max)) out.push(`${q.category}=${q.value}: ${c} not in [${q.min}, ${q.max}]`)
  })
  const chosen = new Set(composition.groups)
  for (const h of problem.households)
    if (h.filter((g) => chosen.has(g)).length > 1) out.push('two members of one household')
  return out
}

/** Panel-level check on concrete agent ids, independent of grouping: used to verify drawn panels. */
export function panelViolations(instance: Instance, panel: readonly string[], households = false): string[] {
  const out: string[] = []
  const byId = new Map(instance.respondents.map((r) => [r.id, r]))
  if (new Set(panel).size !== panel.length) out.push('panel lists someone twice')
  if (panel.length !== instance.k) out.push(`panel has ${panel.length} members, not ${instance.k}`)
  for (const q of instance.quotas) {
    const c = panel.filter((id) => {
      const v = byId.get(id)?.values[q.category]
      return v !== undefined && normalizeKey(v) === normalizeKey(q.value)
    }).length
    if (c < q.min || c > q.max) out.push(`${q.category}=${q.value}: ${c} not in [${q.min}, ${q.max}]`)
  }
  if (households) {
    const seen = new Set<string>()
    for (const id of panel) {
      const h = byId.get(id)?.household
      if (h === undefined) continue
      if (seen.has(h)) out.push(`two members of household ${h}`)
      seen.add(h)
    }
  }
  return out
}
