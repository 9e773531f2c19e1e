/** One row of the quota table: a (category, value) feature with its inclusive bounds. */
export interface Quota {
  category: string
  value: string
  min: number
  max: number
}

/** One pool member. `values` maps each quota category to that member's value for it. */
export interface Respondent {
  /** Stable string id: the `id` column when present, otherwise the 0-based row index. */
  id: string
  values: Record<string, string>
  /** Household key; members sharing one are never selected together when households are enforced. */
  household?: string
}

/** A selection problem: pool, quotas and panel size. */
export interface Instance {
  /** Category names in quota-file order. */
  categories: string[]
  quotas: Quota[]
  respondents: Respondent[]
  k: number
}

/**
 * A panel composition over agent groups. Agents with identical features (and no multi-member household) are
 * interchangeable, so a panel is described by how many members of each group it takes; see `compile.ts`.
 */
export interface Composition {
  /** Group indices in increasing order. */
  groups: number[]
  /** How many members of the group at the same position are on the panel (≥ 1). */
  counts: number[]
}

/** A lottery over panel compositions together with the per-agent selection probabilities it induces. */
export interface PanelDistribution {
  compositions: Composition[]
  /** Probability of each composition (same order), summing to 1. */
  weights: number[]
}
