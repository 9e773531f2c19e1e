import type { CompiledProblem } from './compile.js'
import { SelectionError } from './leximin.js'
import { SeededRandom } from './prng.js'

/**
 * LEGACY: the Sortition Foundation's earlier greedy method, kept only as the baseline the paper compares
 * LEXIMIN against (section 7 of the notes). It repeatedly picks the most "urgent" feature (the largest
 * (min − selected) / remaining, first in file order on ties), selects a uniformly random remaining member with
 * it, and removes people whose features have hit their maximum; a dead end restarts from scratch. It satisfies
 * the quotas but gives some people far lower chances than others.
 */
export class LegacySampler {
  private readonly F: number
  private readonly C: number
  private readonly lo: Int32Array
  private readonly hi: Int32Array
  /** Feature of agent a in category slot j at [a * C + j]. */
  private readonly agentFeature: Int32Array
  private readonly initialLists: Int32Array[]
  private readonly initialLen: Int32Array
  private readonly initialPos: Int32Array
  private readonly initialAlive: Uint8Array
  private readonly housemates: number[][]
  // Per-attempt state, reused to avoid allocation in the 10,000-run loops.
  private readonly lists: Int32Array[]
  private readonly len: Int32Array
  private readonly pos: Int32Array
  private readonly alive: Uint8Array
  private readonly selected: Int32Array

  constructor(private readonly problem: CompiledProblem) {
    if (problem.unknownValues.length > 0)
      throw new SelectionError('some respondents have values missing from the quota table; run the feasibility check')
    const n = problem.n
    this.F = problem.quotas.length
    this.C = problem.instance.categories.length
    this.lo = Int32Array.from(problem.quotas.map((q) => q.min))
    this.hi = Int32Array.from(problem.quotas.map((q) => q.max))
    this.agentFeature = new Int32Array(n * this.C)
    const members: number[][] = problem.quotas.map(() => [])
    problem.agentFeatures.forEach((fs, a) => {
      fs.forEach((f, j) => {
        this.agentFeature[a * this.C + j] = f
      })
    })
    // As in the SF library, people with a value whose maximum is 0 are never eligible.
    this.initialAlive = new Uint8Array(n)
    problem.agentFeatures.forEach((fs, a) => {
      if (fs.every((f) => (this.hi[f] ?? 0) > 0)) {
        this.initialAlive[a] = 1
        for (const f of fs) members[f]?.push(a)
      }
    })
    this.initialLists = members.map((m) => Int32Array.from(m))
    this.initialLen = Int32Array.from(members.map((m) => m.length))
    this.initialPos = new Int32Array(n * this.C)
    members.forEach((m, f) => {
      m.forEach((a, p) => {
        const j = (problem.agentFeatures[a] ?? []).indexOf(f)
        this.initialPos[a * this.C + j] = p
      })
    })
    this.housemates = problem.instance.respondents.map(() => [])
    if (problem.enforceHouseholds) {
      for (const h of problem.households) {
        const agents = h.map((g) => problem.groups[g]?.members[0] ?? -1)
        for (const a of agents) this.housemates[a] = agents.filter((b) => b !== a)
      }
    }
    this.lists = this.initialLists.map((l) => new Int32Array(l.length))
    this.len = new Int32Array(this.F)
    this.pos = new Int32Array(n * this.C)
    this.alive = new Uint8Array(n)
    this.selected = new Int32Array(this.F)
  }

  private remove(a: number): void {
    this.alive[a] = 0
    for (let j = 0; j < this.C; j++) {
      const f = this.agentFeature[a * this.C + j] ?? 0
      const list = this.lists[f]
      if (!list) continue
      const p = this.pos[a * this.C + j] ?? 0
      const last = (this.len[f] ?? 1) - 1
      const moved = list[last] ?? 0
      list[p] = moved
      // The moved agent's slot for this feature is the category slot where its feature is f.
      for (let jj = 0; jj < this.C; jj++)
        if (this.agentFeature[moved * this.C + jj] === f) this.pos[moved * this.C + jj] = p
      this.len[f] = last
    }
  }

  /** One attempt; returns pool indices of the panel, or null on a dead end. */
  attempt(rng: SeededRandom): number[] | null {
    const { F, C } = this
    this.initialLists.forEach((l, f) => this.lists[f]?.set(l))
    this.len.set(this.initialLen)
    this.pos.set(this.initialPos)
    this.alive.set(this.initialAlive)
    this.selected.fill(0)
    const panel: number[] = []
    for (let step = 0; step < this.problem.k; step++) {
      let best = -1
      let bestUrgency = -Infinity
      for (let f = 0; f < F; f++) {
        const lo = this.lo[f] ?? 0
        const sel = this.selected[f] ?? 0
        const rem = this.len[f] ?? 0
        if (sel < lo && rem < lo - sel) return null
        if (rem > 0 && (this.hi[f] ?? 0) > 0) {
          const urgency = (lo - sel) / rem
          if (urgency > bestUrgency) {
            bestUrgency = urgency
            best = f
          }
        }
      }
      if (best < 0) return null
      const list = this.lists[best]
      if (!list) return null
      const a = list[rng.int(this.len[best] ?? 0)] ?? 0
      panel.push(a)
      const features: number[] = []
      for (let j = 0; j < C; j++) features.push(this.agentFeature[a * C + j] ?? 0)
      this.remove(a)
      for (const f of features) this.selected[f] = (this.selected[f] ?? 0) + 1
      for (const b of this.housemates[a] ?? []) if (this.alive[b]) this.remove(b)
      for (const f of features) {
        if ((this.selected[f] ?? 0) >= (this.hi[f] ?? 0)) {
          const full = this.lists[f]
          while (full && (this.len[f] ?? 0) > 0) this.remove(full[0] ?? 0)
        }
      }
    }
    for (let f = 0; f < F; f++) if ((this.selected[f] ?? 0) < (this.lo[f] ?? 0)) return null
    return panel.sort((x, y) => x - y)
  }

  /** Retries until an attempt succeeds (the originals retry forever; we stop after `maxAttempts`). */
  sample(rng: SeededRandom, maxAttempts = 10_000): { panel: number[]; attempts: number } {
    for (let attempts = 1; attempts <= maxAttempts; attempts++) {
      const panel = this.attempt(rng)
      if (panel) return { panel, attempts }
    }
    throw new SelectionError(`LEGACY found no panel in ${maxAttempts} attempts; the quotas may be infeasible`)
  }
}

export interface LegacyEstimate {
  /** Selection frequency per respondent over `runs` panels. */
  probabilities: number[]
  minProbability: number
  runs: number
  /** Attempts in total, including dead ends. */
  attempts: number
  ms: number
}

/** One LEGACY panel drawn with the seeded generator (pool indices, ascending). */
export function legacyPanel(problem: CompiledProblem, seed: string): number[] {
  return new LegacySampler(problem).sample(new SeededRandom(seed)).panel
}

/**
 * LEGACY's selection probabilities estimated from `runs` independent panels (the paper used 10,000). The
 * estimate's standard error is about √(p(1−p)/runs), ≈ 0.003 at p = 0.1 and 10,000 runs.
 */
export function estimateLegacy(
  problem: CompiledProblem,
  options: { runs?: number; seed?: string } = {},
): LegacyEstimate {
  const started = Date.now()
  const runs = options.runs ?? 10_000
  const rng = new SeededRandom(options.seed ?? 'legacy-estimate')
  const sampler = new LegacySampler(problem)
  const counts = new Float64Array(problem.n)
  let attempts = 0
  for (let r = 0; r < runs; r++) {
    const result = sampler.sample(rng)
    attempts += result.attempts
    for (const a of result.panel) counts[a] = (counts[a] ?? 0) + 1
  }
  const probabilities = Array.from(counts, (c) => c / runs)
  return {
    probabilities,
    minProbability: probabilities.reduce((a, b) => Math.min(a, b), Infinity),
    runs,
    attempts,
    ms: Date.now() - started,
  }
}
