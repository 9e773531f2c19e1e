/**
 * Opinion groups from agree / disagree / pass votes on short statements, in the manner of Pol.is: the vote
 * matrix (people × statements, agree +1, disagree −1, pass or not seen 0) is centred, reduced to two principal
 * components by power iteration, and the people's positions are grouped by k-means with k chosen by silhouette.
 * Then, per statement, which statements every group agrees with (they unite) and which split the groups (they
 * divide). Pure and deterministic: no I/O, the only randomness is a seeded generator, and the PCA starts from a
 * fixed vector, so the same votes always give the same groups.
 */
import { kmeansRestarts, silhouette, type Clustering } from './kmeans.js'
import type { SparseVector } from './tfidf.js'

export type VoteValue = 'agree' | 'disagree' | 'pass'

export interface Vote {
  voter: string
  statementId: number
  vote: VoteValue
}

/** Only people who voted on this many statements are placed: a single vote says nothing about a position. */
export const MIN_VOTES_TO_PLACE = 3
/** Fewer placed people than this gives one group: splitting a handful of people invents structure. */
export const MIN_PEOPLE_TO_GROUP = 8
/** Uniting: in every group at least this share of those who voted (agree + disagree + pass) agree, or disagree. */
export const UNITE_SHARE = 0.6
/** Dividing: the agree shares of two groups differ by at least this. */
export const DIVIDE_GAP = 0.4
/**
 * An opinion group must hold at least this share of the people placed. Votes are few and discrete, so many
 * people sit on exactly the same point; without this, silhouette rewards splitting off two or three identical
 * outliers as a "group", which is not an opinion group anyone could act on.
 */
export const MIN_GROUP_SHARE = 0.1
/** Silhouettes closer than this count as equal, and the smaller k wins: fewer groups are easier to read. */
export const SILHOUETTE_TOLERANCE = 0.02

/**
 * Tries k = 2..maxK, drops clusterings with a group under MIN_GROUP_SHARE of the people, and keeps the best mean
 * silhouette (within SILHOUETTE_TOLERANCE, the smaller k). Null when no k is admissible: then everyone is one group.
 */
export function chooseGroups(
  points: SparseVector[],
  seed: number,
  maxK: number,
): { best: Clustering | null; scores: { k: number; silhouette: number; admissible: boolean }[] } {
  const minSize = Math.max(2, Math.ceil(points.length * MIN_GROUP_SHARE))
  const scores: { k: number; silhouette: number; admissible: boolean }[] = []
  let best: Clustering | null = null
  let bestScore = -Infinity
  for (let k = 2; k <= Math.min(maxK, points.length - 1); k++) {
    const c = kmeansRestarts(points, k, 2, seed)
    const sizes = new Array<number>(k).fill(0)
    for (const g of c.assignment) sizes[g]! += 1
    const admissible = sizes.every((n) => n >= minSize)
    const s = silhouette(points, c.assignment)
    scores.push({ k, silhouette: s, admissible })
    if (admissible && s > bestScore + SILHOUETTE_TOLERANCE) {
      bestScore = s
      best = c
    }
  }
  return { best, scores }
}

const score = (v: VoteValue) => (v === 'agree' ? 1 : v === 'disagree' ? -1 : 0)

/** Rows (people) × columns (statements), and which statements and people they are, in a fixed order. */
export function voteMatrix(
  votes: readonly Vote[],
  statementIds: readonly number[],
): { voters: string[]; statements: number[]; rows: number[][] } {
  const statements = [...new Set(statementIds)].sort((a, b) => a - b)
  const col = new Map(statements.map((s, j) => [s, j]))
  const byVoter = new Map<string, Vote[]>()
  for (const v of votes) if (col.has(v.statementId)) byVoter.set(v.voter, [...(byVoter.get(v.voter) ?? []), v])
  const voters = [...byVoter.keys()]
    .filter((k) => byVoter.get(k)!.length >= MIN_VOTES_TO_PLACE)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const rows = voters.map((k) => {
    const row = new Array<number>(statements.length).fill(0)
    for (const v of byVoter.get(k)!) row[col.get(v.statementId)!] = score(v.vote)
    return row
  })
  return { voters, statements, rows }
}

const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0)
const norm = (a: readonly number[]) => Math.sqrt(dot(a, a))

/**
 * The first `components` principal components of the centred rows, by power iteration with deflation. Each
 * component's sign is fixed (its largest-magnitude entry positive) so results do not flip between runs.
 */
export function pca(
  rows: readonly number[][],
  components = 2,
  iterations = 200,
): { mean: number[]; axes: number[][]; projected: number[][]; variance: number[] } {
  const n = rows.length
  const d = rows[0]?.length ?? 0
  const mean = new Array<number>(d).fill(0)
  for (const r of rows) r.forEach((x, j) => (mean[j]! += x / n))
  const centred = rows.map((r) => r.map((x, j) => x - mean[j]!))
  // Covariance (d × d); d is the number of statements, a few dozen at most.
  const cov = Array.from({ length: d }, () => new Array<number>(d).fill(0))
  for (const r of centred) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) cov[i]![j]! += (r[i]! * r[j]!) / n
  const axes: number[][] = []
  const variance: number[] = []
  for (let c = 0; c < Math.min(components, d); c++) {
    // A fixed, non-symmetric start so it is not orthogonal to the leading eigenvector by accident.
    let v = Array.from({ length: d }, (_, j) => 1 + j / (d + 1))
    for (let it = 0; it < iterations; it++) {
      const w = cov.map((row) => dot(row, v))
      for (const a of axes) {
        const p = dot(w, a)
        w.forEach((_, j) => (w[j]! -= p * a[j]!))
      }
      const len = norm(w)
      if (len < 1e-12) {
        v = new Array<number>(d).fill(0)
        break
      }
      v = w.map((x) => x / len)
    }
    let big = 0
    v.forEach((x, j) => (Math.abs(x) > Math.abs(v[big]!) ? (big = j) : undefined))
    if (v[big]! < 0) v = v.map((x) => -x)
    const lambda = dot(
      cov.map((row) => dot(row, v)),
      v,
    )
    axes.push(v)
    variance.push(lambda)
  }
  const projected = centred.map((r) => axes.map((a) => dot(r, a)))
  return { mean, axes, projected, variance }
}

export interface StatementTally {
  agree: number
  disagree: number
  pass: number
}

export interface OpinionAnalysis {
  /** How many people were placed (voted on enough statements). */
  placed: number
  /** Group of each placed voter (same order as `voters`). */
  voters: string[]
  groupOf: number[]
  groups: number
  silhouettes: { k: number; silhouette: number; admissible: boolean }[]
  /** Per statement: the tally overall and in each group. */
  tallies: { statementId: number; overall: StatementTally; byGroup: StatementTally[] }[]
  uniting: number[]
  dividing: number[]
}

const share = (t: StatementTally, v: keyof StatementTally) => {
  const total = t.agree + t.disagree + t.pass
  return total === 0 ? null : t[v] / total
}

/**
 * Places voters, groups them and tallies each statement per group. Statements that unite: in every group at least
 * UNITE_SHARE agree (or at least UNITE_SHARE disagree); that divide: agree shares differ by DIVIDE_GAP between two
 * groups. Groups smaller than `minGroupForClaims` are left out of both judgements, so a claim never rests on a
 * handful of people; ranked strongest first (ties by id).
 */
export function analyseOpinions(
  votes: readonly Vote[],
  statementIds: readonly number[],
  seed: number,
  opts: { maxGroups?: number; minGroupForClaims?: number } = {},
): OpinionAnalysis {
  const maxGroups = opts.maxGroups ?? 5
  const minGroup = opts.minGroupForClaims ?? 10
  const { voters, statements, rows } = voteMatrix(votes, statementIds)
  let groupOf = voters.map(() => 0)
  let groups = voters.length ? 1 : 0
  let silhouettes: { k: number; silhouette: number; admissible: boolean }[] = []
  let chosen: ReturnType<typeof chooseGroups> | undefined
  if (voters.length >= MIN_PEOPLE_TO_GROUP && statements.length >= 2) {
    const { projected } = pca(rows, 2)
    const points: SparseVector[] = projected.map((p) => ({ idx: [0, 1], val: [p[0] ?? 0, p[1] ?? 0] }))
    chosen = chooseGroups(points, seed, maxGroups)
    silhouettes = chosen.scores
  }
  if (chosen?.best) {
    // Relabel groups by size (largest first), then by their first member, so "Group A" is stable and readable.
    const sizes = new Map<number, { n: number; first: number }>()
    chosen.best.assignment.forEach((g, i) => {
      const s = sizes.get(g)
      sizes.set(g, s ? { n: s.n + 1, first: s.first } : { n: 1, first: i })
    })
    const order = [...sizes.entries()].sort((a, b) => b[1].n - a[1].n || a[1].first - b[1].first).map(([g]) => g)
    const relabel = new Map(order.map((g, i) => [g, i]))
    groupOf = chosen.best.assignment.map((g) => relabel.get(g)!)
    groups = order.length
  }
  const groupIndex = new Map(voters.map((v, i) => [v, groupOf[i]!]))
  const empty = (): StatementTally => ({ agree: 0, disagree: 0, pass: 0 })
  const tallies = statements.map((statementId) => ({
    statementId,
    overall: empty(),
    byGroup: Array.from({ length: groups }, empty),
  }))
  const at = new Map(statements.map((s, j) => [s, j]))
  // Every vote counts in the overall tally; only placed voters' votes count in their group.
  for (const v of votes) {
    const j = at.get(v.statementId)
    if (j === undefined) continue
    tallies[j]!.overall[v.vote] += 1
    const g = groupIndex.get(v.voter)
    if (g !== undefined) tallies[j]!.byGroup[g]![v.vote] += 1
  }
  const sizeOf = (g: number) => groupOf.filter((x) => x === g).length
  const judged = Array.from({ length: groups }, (_, g) => g).filter((g) => sizeOf(g) >= minGroup)
  const uniting: { id: number; strength: number }[] = []
  const dividing: { id: number; strength: number }[] = []
  if (judged.length >= 2) {
    for (const t of tallies) {
      const ag = judged.map((g) => share(t.byGroup[g]!, 'agree'))
      const dis = judged.map((g) => share(t.byGroup[g]!, 'disagree'))
      if (ag.some((x) => x === null)) continue
      const a = ag as number[]
      const d = dis as number[]
      if (Math.min(...a) >= UNITE_SHARE) uniting.push({ id: t.statementId, strength: Math.min(...a) })
      else if (Math.min(...d) >= UNITE_SHARE) uniting.push({ id: t.statementId, strength: Math.min(...d) })
      const gap = Math.max(...a) - Math.min(...a)
      if (gap >= DIVIDE_GAP) dividing.push({ id: t.statementId, strength: gap })
    }
  }
  const rank = (xs: { id: number; strength: number }[]) =>
    xs.sort((a, b) => b.strength - a.strength || a.id - b.id).map((x) => x.id)
  return {
    placed: voters.length,
    voters,
    groupOf,
    groups,
    silhouettes,
    tallies,
    uniting: rank(uniting),
    dividing: rank(dividing),
  }
}
