/**
 * k-means on L2-normalised sparse TF-IDF vectors (dense centroids), seeded k-means++ and k chosen by silhouette.
 * Deterministic: the only randomness is a seeded generator. Pure.
 */
import type { SparseVector } from './tfidf.js'

/** mulberry32: small, fast and the same on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const sqNorm = (x: SparseVector) => x.val.reduce((s, v) => s + v * v, 0)

function distance2(x: SparseVector, xNorm: number, c: Float64Array, cNorm: number): number {
  let dot = 0
  for (let k = 0; k < x.idx.length; k++) dot += x.val[k]! * c[x.idx[k]!]!
  return Math.max(0, xNorm + cNorm - 2 * dot)
}

function sparseDistance2(a: SparseVector, b: SparseVector): number {
  let i = 0
  let j = 0
  let d = 0
  while (i < a.idx.length || j < b.idx.length) {
    const ai = a.idx[i] ?? Infinity
    const bj = b.idx[j] ?? Infinity
    if (ai === bj) d += (a.val[i++]! - b.val[j++]!) ** 2
    else if (ai < bj) d += a.val[i++]! ** 2
    else d += b.val[j++]! ** 2
  }
  return d
}

export interface Clustering {
  k: number
  assignment: number[]
  centroids: number[][]
  inertia: number
}

export function kmeans(xs: SparseVector[], k: number, dims: number, seed: number, maxIter = 100): Clustering {
  const n = xs.length
  if (k < 1 || k > n) throw new Error('k must be between 1 and the number of points')
  const rand = seededRandom(seed)
  const norms = xs.map(sqNorm)
  const toDense = (x: SparseVector) => {
    const c = new Float64Array(dims)
    x.idx.forEach((j, q) => (c[j] = x.val[q]!))
    return c
  }
  // k-means++: each next centre is drawn with probability proportional to its squared distance from the nearest.
  const centres: Float64Array[] = [toDense(xs[Math.floor(rand() * n)]!)]
  const denseNorm = (c: Float64Array) => c.reduce((s, v) => s + v * v, 0)
  const nearest = xs.map((x, i) => distance2(x, norms[i]!, centres[0]!, denseNorm(centres[0]!)))
  while (centres.length < k) {
    const total = nearest.reduce((s, d) => s + d, 0)
    let r = rand() * total
    let pick = nearest.findIndex((d) => (r -= d) <= 0)
    // All remaining points coincide with a centre (duplicates): take the first not yet used, still deterministic.
    if (pick < 0 || total === 0) pick = centres.length
    const c = toDense(xs[pick]!)
    centres.push(c)
    const cn = denseNorm(c)
    xs.forEach((x, i) => (nearest[i] = Math.min(nearest[i]!, distance2(x, norms[i]!, c, cn))))
  }
  const assignment = new Array<number>(n).fill(-1)
  let inertia = 0
  for (let iter = 0; iter < maxIter; iter++) {
    const cNorms = centres.map(denseNorm)
    let changed = false
    inertia = 0
    xs.forEach((x, i) => {
      let best = 0
      let bestD = Infinity
      centres.forEach((c, j) => {
        const d = distance2(x, norms[i]!, c, cNorms[j]!)
        if (d < bestD - 1e-12) {
          bestD = d
          best = j
        }
      })
      inertia += bestD
      if (assignment[i] !== best) {
        assignment[i] = best
        changed = true
      }
    })
    if (!changed) break
    const counts = new Array<number>(k).fill(0)
    const sums = centres.map(() => new Float64Array(dims))
    xs.forEach((x, i) => {
      const a = assignment[i]!
      counts[a]! += 1
      x.idx.forEach((j, q) => (sums[a]![j]! += x.val[q]!))
    })
    // An empty cluster keeps its old centre rather than jumping somewhere random: determinism over cleverness.
    sums.forEach((s, j) => {
      if (counts[j]! > 0) centres[j] = s.map((v) => v / counts[j]!)
    })
  }
  return { k, assignment, centroids: centres.map((c) => [...c]), inertia }
}

/** Mean silhouette over at most `sample` points (every ⌈n/sample⌉-th, so it stays deterministic). */
export function silhouette(xs: SparseVector[], assignment: number[], sample = 600): number {
  const n = xs.length
  const k = Math.max(...assignment) + 1
  if (k < 2 || n < 3) return 0
  const step = Math.max(1, Math.ceil(n / sample))
  const chosen = xs.map((_, i) => i).filter((i) => i % step === 0)
  let total = 0
  for (const i of chosen) {
    const sum = new Array<number>(k).fill(0)
    const cnt = new Array<number>(k).fill(0)
    for (const j of chosen) {
      if (j === i) continue
      sum[assignment[j]!]! += Math.sqrt(sparseDistance2(xs[i]!, xs[j]!))
      cnt[assignment[j]!]! += 1
    }
    const own = assignment[i]!
    if (cnt[own] === 0) continue
    const a = sum[own]! / cnt[own]!
    let b = Infinity
    for (let c = 0; c < k; c++) if (c !== own && cnt[c]! > 0) b = Math.min(b, sum[c]! / cnt[c]!)
    if (b === Infinity) continue
    total += (b - a) / Math.max(a, b)
  }
  return total / chosen.length
}

/** Best of several seeded starts (lowest inertia): one k-means++ start can land in a poor local optimum. */
export function kmeansRestarts(xs: SparseVector[], k: number, dims: number, seed: number, restarts = 5): Clustering {
  let best: Clustering | undefined
  for (let r = 0; r < restarts; r++) {
    const c = kmeans(xs, k, dims, seed + r * 7919)
    if (!best || c.inertia < best.inertia - 1e-12) best = c
  }
  return best!
}

/** Tries k = 2..maxK and keeps the best mean silhouette (ties: the smaller k, fewer themes to read). */
export function chooseK(
  xs: SparseVector[],
  dims: number,
  seed: number,
  maxK = 8,
): { best: Clustering; scores: { k: number; silhouette: number }[] } {
  const scores: { k: number; silhouette: number }[] = []
  let best: Clustering | undefined
  let bestScore = -Infinity
  for (let k = 2; k <= Math.min(maxK, xs.length - 1); k++) {
    const c = kmeansRestarts(xs, k, dims, seed)
    const s = silhouette(xs, c.assignment)
    scores.push({ k, silhouette: s })
    if (s > bestScore + 1e-9) {
      bestScore = s
      best = c
    }
  }
  return { best: best ?? kmeans(xs, 1, dims, seed), scores }
}
