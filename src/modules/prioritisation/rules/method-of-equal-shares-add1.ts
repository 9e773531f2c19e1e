import type { Election } from './election.js'
import type { MesSatisfaction } from './method-of-equal-shares.js'
import { Rational } from './rational.js'
import { DEFAULT_TIE_BREAKING, makeTieBreaker, type TieBreakKey } from './tie-breaking.js'

/**
 * The selections of MES at the endowments `start + k·increment`, k = 0, 1, 2, … (the add1 completion, notes
 * §4.2), each exactly what `runMesWithEndowment` selects at that endowment. Steps are meant to be asked for
 * in increasing order; an earlier step is counted from scratch.
 *
 * add1 reruns MES up to ~200 times on the bench elections (tens of thousands on some), and consecutive runs
 * mostly agree on their first rounds. For a fixed sequence of winners every voter's money is a
 * non-decreasing function of the endowment b (more money lowers every share), growing by at most a slope
 * A per unit: A = 1 at the start, and a purchase adds τ = Σ_poor w·A / Σ_full w to its payers' slopes (the
 * share falls by at most τ), voters who paid all they have included: at a higher endowment they may keep
 * something. Hence, as b rises, the winner's ρ can only fall, and any other candidate's ρ falls by at most
 * σ = Σ_poor w·A / (u·Σ_full w) per unit; a candidate dropped as unaffordable gains at most Σ w·A. Each
 * round records up to which step its decisions (who is dropped, who wins) stay certain, given the rounds
 * before keep theirs, and separately up to which step its classes do (no payer of the winner crosses the
 * share, which needs the same margin argument with slope A + τ).
 *
 * At the next step, leading rounds whose classes are certain are kept (only their money is recomputed),
 * further rounds whose decisions are certain buy the same winner again without looking at any other
 * candidate, and counting resumes at the first uncertain round; when every round is certain the selection
 * is reused whole. Margins and slopes come from the same double figures the run pre-selects with, margins
 * shrunk and slopes grown by SAFE, far beyond their rounding error, so a reused round is never wrong, at
 * worst needlessly redone; a comparison settled exactly, or a tie whose outcome could change, is certain
 * only at its own step. The money, shares and ρ of reused rounds are recomputed at the new endowment with
 * the same fixed point and exact fallbacks as a fresh run, so every decision stays exact.
 */
export interface MesAdd1Engine {
  /** Project indices in selection order, free projects first, at endowment start + step·increment. */
  selectedAt(step: number): readonly number[]
  /** Rounds counted afresh so far (a from-scratch run counts all of its rounds). */
  readonly countedRounds: number
  /** Rounds reused from an earlier endowment so far. */
  readonly reusedRounds: number
  /** Candidate evaluations whose one-pass scan was not enough, so every class was looked at. */
  readonly widenedScans: number
}

// A voter group with no money left.
const BROKE = -1
// Fixed point and double tolerances, as in method-of-equal-shares.ts (see there for why they are safe).
const FP_BITS = 512
const FP_ONE = 1n << BigInt(FP_BITS)
const FP_MAX_RELATIVE_ERROR = 2 ** -80
const REL = 1e-10
// Margins and slopes here are doubles a few hundred roundings deep at most (relative error < 1e-13), so
// shrinking margins and growing slopes by this factor makes every Δ a lower bound of the true one.
const SAFE = 1e-7
// A candidate's scan looks one by one at the classes with less money than this multiple of its last share.
const LOW_FACTOR = 1.5
const NO_GROUPS = new Int32Array(0)

interface Pool {
  readonly classes: number[]
  readonly weights: number[]
  readonly total: number
  /** Σ weight·brokeSlope over the supporters with nothing left. */
  readonly brokeMass: number
}

/** Classes (ids) that pay all they have, with their weights among a project's supporters. */
interface Poor {
  readonly classes: readonly number[]
  readonly weights: readonly number[]
}

interface Scanned {
  readonly p: number
  /** The supporters' classes, built when needed (an exact ρ, or the winner's purchase). */
  pool: Pool | undefined
  /** Weight of the supporters who have money left. */
  readonly total: number
  readonly lo: number
  readonly hi: number
  readonly poor?: Poor
  /** Upper bound of how fast ρ can fall per unit of endowment (see the engine's description). */
  readonly sigma: number
}

/** A candidate's supporters read in one pass: totals, and the classes with less money than `low`. */
interface Scan {
  /** Views of the engine's scratch arrays: valid until the next scan. */
  readonly classes: Int32Array
  readonly weights: Float64Array
  readonly total: number
  readonly money: number
  readonly slope: number
  readonly brokeMass: number
  readonly low: number
}

/** One counted round, kept for reuse at later endowments. */
interface RoundRecord {
  /** Candidates when the round began. */
  readonly candidates: readonly number[]
  /** Number of budget classes when the round began; the round created classes classStart…classEnd−1. */
  classStart: number
  classEnd: number
  /** -1: no winner (every candidate left was unaffordable). */
  winner: number
  pool: Pool | undefined
  /** The classes that paid all they had (strictly less than the share). */
  poor: Poor
  /** Weight of the classes that paid the full share. */
  rest: number
  /** Groups whose class the round changed, and their class before it. */
  changedGroups: Int32Array
  changedFrom: Int32Array
  /** Below this step (a real number) the round's decisions are certain: same drops, same winner. */
  decisionUntil: number
  /** Below this step its budget classes are too: the same supporters pay all they have. At most the above. */
  structureUntil: number
}

export function createMesAdd1Engine(
  election: Election,
  satisfaction: MesSatisfaction,
  tieBreaking: readonly TieBreakKey[] = DEFAULT_TIE_BREAKING,
  start: Rational,
  increment: Rational,
): MesAdd1Engine {
  const { groups, supporters, costs, approvals } = election
  const projectCount = costs.length
  const tieBreak = makeTieBreaker(election, tieBreaking)
  const incrementApprox = increment.toNumber()
  const cost = (p: number): Rational => {
    const c = costs[p]
    if (c === undefined) throw new RangeError(`no project at index ${p}`)
    return c
  }
  const utility = (p: number): Rational => (satisfaction === 'cost' ? cost(p) : Rational.ONE)
  const costApprox = Float64Array.from(costs, (c) => c.toNumber())
  const utilityApprox = Float64Array.from(costs, (c) => (satisfaction === 'cost' ? c.toNumber() : 1))
  const groupWeight = Float64Array.from(groups, (g) => g.weight)
  // Every project's supporter groups and their weights side by side, so a scan reads memory in order.
  const supporterStart = new Int32Array(projectCount + 1)
  for (let p = 0; p < projectCount; p++) supporterStart[p + 1] = supporterStart[p]! + (supporters[p]?.length ?? 0)
  const supporterGroup = new Int32Array(supporterStart[projectCount]!)
  const supporterWeight = new Float64Array(supporterGroup.length)
  for (let p = 0; p < projectCount; p++) {
    const list = supporters[p] ?? new Int32Array(0)
    supporterGroup.set(list, supporterStart[p]!)
    for (let j = 0; j < list.length; j++) supporterWeight[supporterStart[p]! + j] = groupWeight[list[j]!]!
  }

  // Per endowment.
  let endowment = start
  let b0 = start.toNumber()
  let endowmentFp = 0n
  let fpLimit = 0
  const setEndowment = (value: Rational): void => {
    endowment = value
    b0 = value.toNumber()
    endowmentFp = (value.num * FP_ONE) / value.den
    fpLimit = b0 * FP_MAX_RELATIVE_ERROR * 2 ** FP_BITS
  }

  // Budget classes (see runMesWithEndowment), with each class's slope α in the endowment.
  const classOf = new Int32Array(groups.length)
  // Classes 0…classCount−1 live in typed arrays that only grow: each step truncates to the classes it keeps
  // and creates the rest again, hundreds of times, which plain arrays would reallocate every time.
  let classCount = 1
  let parent = new Int32Array(1024).fill(-1)
  let paidFor = new Int32Array(1024).fill(-1)
  let approxValue = new Float64Array(1024)
  const exactValue: (Rational | undefined)[] = [undefined]
  // Slopes: every budget grows by at most α per unit of endowment, and a group with nothing left (BROKE)
  // by at most brokeSlope (it may have something left at a higher endowment).
  let alpha = new Float64Array(1024).fill(1)
  const brokeSlope = new Float64Array(groups.length).fill(1)
  let weightByClass = new Float64Array(1024)
  // Scratch for a purchase: the class each class of the winner's pool becomes, and its slope.
  let newClassOf = new Int32Array(1024)
  let newSlopeOf = new Float64Array(1024)
  const grow = <T extends Float64Array | Int32Array>(array: T): T => {
    const grown = (
      array instanceof Float64Array ? new Float64Array(array.length * 2) : new Int32Array(array.length * 2)
    ) as T
    grown.set(array)
    return grown
  }
  const newClass = (from: number, p: number, value: number, slope: number): number => {
    if (classCount === parent.length) {
      parent = grow(parent)
      paidFor = grow(paidFor)
      approxValue = grow(approxValue)
      alpha = grow(alpha)
      weightByClass = grow(weightByClass)
      newClassOf = grow(newClassOf)
      newSlopeOf = grow(newSlopeOf)
    }
    const k = classCount++
    parent[k] = from
    paidFor[k] = p
    approxValue[k] = value
    exactValue[k] = undefined
    alpha[k] = slope
    return k
  }
  const weightByProject = new Float64Array(projectCount)
  const knownShare: (Rational | undefined)[] = new Array(projectCount)
  const shareThunk: ((() => Rational) | undefined)[] = new Array(projectCount)
  const shareFp: bigint[] = new Array<bigint>(projectCount).fill(0n)
  const shareFpError = new Float64Array(projectCount)
  const shareOf = (q: number): Rational => {
    let share = knownShare[q]
    if (share === undefined) {
      const thunk = shareThunk[q]
      if (thunk === undefined) throw new RangeError(`no share for project ${q}`)
      share = thunk()
      knownShare[q] = share
    }
    return share
  }
  const toFp = (r: Rational): bigint => (r.num * FP_ONE) / r.den
  const valueOf = (k: number): Rational => {
    const known = exactValue[k]
    if (known !== undefined) return known
    const value = k === 0 ? endowment : valueOf(parent[k] ?? 0).sub(shareOf(paidFor[k] ?? -1))
    exactValue[k] = value
    return value
  }
  const chainWeights = (classes: readonly number[], weights: readonly number[], touched: number[]): number => {
    let weight = 0
    for (let i = 0; i < classes.length; i++) {
      const w = weights[i] ?? 0
      weight += w
      for (let k = classes[i] ?? 0; k > 0; k = parent[k] ?? 0) {
        const q = paidFor[k] ?? 0
        if (weightByProject[q] === 0) touched.push(q)
        weightByProject[q] = (weightByProject[q] ?? 0) + w
      }
    }
    return weight
  }
  const exactSum = (classes: readonly number[], weights: readonly number[]): Rational => {
    const touched: number[] = []
    const weight = chainWeights(classes, weights, touched)
    let sum = endowment.mulInt(weight)
    for (const q of touched) {
      sum = sum.sub(shareOf(q).mulInt(weightByProject[q] ?? 0))
      weightByProject[q] = 0
    }
    return sum
  }
  const fpSum = (poor: Poor): { sum: bigint; error: number } => {
    const touched: number[] = []
    const weight = chainWeights(poor.classes, poor.weights, touched)
    let sum = endowmentFp * BigInt(weight)
    let error = weight
    for (const q of touched) {
      const w = weightByProject[q] ?? 0
      sum -= (shareFp[q] ?? 0n) * BigInt(w)
      error += (shareFpError[q] ?? 0) * w
      weightByProject[q] = 0
    }
    return { sum, error }
  }

  // Candidates, free projects and the lower bounds of ρ that hold at every endowment and round.
  const initialCandidates: number[] = []
  const firstLowerRho = new Float64Array(projectCount)
  const free: number[] = []
  election.projectIds.forEach((_, p) => {
    const a = approvals[p] ?? 0
    if (a === 0) return
    if (cost(p).isZero()) free.push(p)
    else {
      firstLowerRho[p] = cost(p).div(utility(p).mulInt(a)).toNumber() * (1 - REL)
      initialCandidates.push(p)
    }
  })
  free.sort(tieBreak)
  for (const p of free) knownShare[p] = Rational.ZERO
  const lowerRho = new Float64Array(projectCount)
  // Where a candidate's scan stops looking at classes one by one (see scanOf): LOW_FACTOR × its last share, or
  // at first 3× its share if every supporter paid alike.
  const lowGuess = new Float64Array(projectCount)
  let scansWidened = 0
  let poorScratch = new Uint8Array(1024)
  let scanClasses = new Int32Array(1024)
  let scanWeights = new Float64Array(1024)
  for (const p of initialCandidates) lowGuess[p] = 3 * (costApprox[p]! / (approvals[p] ?? 1))
  const lowerSigma = new Float64Array(projectCount)

  const records: RoundRecord[] = []
  let lastSelected: number[] = []
  let lastStep = -1
  let countedRounds = 0
  let reusedRounds = 0

  const poolOf = (p: number): Pool & { money: number; slope: number } => {
    const classes: number[] = []
    let brokeMass = 0
    for (let j = supporterStart[p]!, end = supporterStart[p + 1]!; j < end; j++) {
      const g = supporterGroup[j]!
      const k = classOf[g]!
      if (k === BROKE) {
        brokeMass += supporterWeight[j]! * brokeSlope[g]!
        continue
      }
      if (weightByClass[k] === 0) classes.push(k)
      weightByClass[k] = weightByClass[k]! + supporterWeight[j]!
    }
    let total = 0
    let money = 0
    let slope = brokeMass
    const weights = new Array<number>(classes.length)
    for (let i = 0; i < classes.length; i++) {
      const k = classes[i]!
      const w = weightByClass[k]!
      weightByClass[k] = 0
      weights[i] = w
      total += w
      money += approxValue[k]! * w
      slope += alpha[k]! * w
    }
    return { classes, weights, total, money, slope, brokeMass }
  }

  /**
   * One pass over p's supporters for a candidate's evaluation: the weight, money and slope of those with money
   * left, and only the classes whose money is below `low` (the only ones that can pay all they have when the
   * share stays clearly below `low`). Most candidates need no more than this; the full pool is built on demand.
   */
  const scanOf = (p: number, low: number): Scan => {
    let total = 0
    let money = 0
    let slope = 0
    let brokeMass = 0
    const start = supporterStart[p]!
    const end = supporterStart[p + 1]!
    if (scanClasses.length < end - start) {
      scanClasses = new Int32Array(2 * (end - start))
      scanWeights = new Float64Array(2 * (end - start))
    }
    let n = 0
    for (let j = start; j < end; j++) {
      const g = supporterGroup[j]!
      const k = classOf[g]!
      const w = supporterWeight[j]!
      if (k === BROKE) {
        brokeMass += w * brokeSlope[g]!
        continue
      }
      const value = approxValue[k]!
      total += w
      money += w * value
      slope += w * alpha[k]!
      if (value < low) {
        if (weightByClass[k] === 0) scanClasses[n++] = k
        weightByClass[k] = weightByClass[k]! + w
      }
    }
    for (let i = 0; i < n; i++) {
      const k = scanClasses[i]!
      scanWeights[i] = weightByClass[k]!
      weightByClass[k] = 0
    }
    const classes = scanClasses.subarray(0, n)
    const weights = scanWeights.subarray(0, n)
    return { classes, weights, total, money, slope: slope + brokeMass, brokeMass, low }
  }

  /**
   * ρ in doubles from a pool, or from a scan's low classes. Undefined when the doubles cannot tell (then ρ is
   * counted exactly) or, for a scan, when the share comes too near the scan's `low` (then the full pool
   * is needed).
   */
  const approxRho = (
    c: number,
    u: number,
    pool: Pool | Scan,
  ): Omit<Scanned, 'p' | 'pool' | 'sigma' | 'total'> | undefined => {
    const tolerance = REL * (pool.total * b0 + c)
    const { classes, weights } = pool
    const m = classes.length
    if (poorScratch.length < m) poorScratch = new Uint8Array(2 * m)
    const isPoor = poorScratch
    isPoor.fill(0, 0, m)
    let paid = 0
    let rest = pool.total
    let share = c / rest
    for (;;) {
      let changed = false
      for (let i = 0; i < m; i++) {
        if (isPoor[i] === 1) continue
        const value = approxValue[classes[i]!]!
        if (value < share) {
          isPoor[i] = 1
          paid += value * weights[i]!
          rest -= weights[i]!
          changed = true
        }
      }
      if (!changed) break
      if (rest <= 0) return undefined
      share = (c - paid) / rest
    }
    const error = tolerance / rest
    const near = error + REL * b0
    // Classes left out of a scan have at least `low`: they must be clearly above the share, and above the cut
    // sigmaOf uses.
    if ('low' in pool && !(share + near + 1e-8 * (b0 + share + near) < pool.low)) return undefined
    const poorClasses: number[] = []
    const poorWeights: number[] = []
    for (let i = 0; i < m; i++) {
      const value = approxValue[classes[i]!]!
      if (Math.abs(share - value) <= near) return undefined
      if (isPoor[i] === 1) {
        poorClasses.push(classes[i]!)
        poorWeights.push(weights[i]!)
      }
    }
    return { lo: (share - error) / u, hi: (share + error) / u, poor: { classes: poorClasses, weights: poorWeights } }
  }

  // An upper bound of how fast p's ρ can fall as the endowment rises: classes that may pay all they have at
  // a share up to `shareHi` count as poor, the rest as full payers. From a scan, every class at or below the
  // cut is among its low classes (approxRho made sure of it).
  const sigmaOf = (pool: Pool | Scan, shareHi: number, u: number): number => {
    const cut = shareHi + 1e-8 * (b0 + shareHi)
    let poorSlope = pool.brokeMass
    let poorWeight = 0
    for (let i = 0; i < pool.classes.length; i++) {
      const k = pool.classes[i]!
      const w = pool.weights[i]!
      if (approxValue[k]! <= cut) {
        poorSlope += alpha[k]! * w
        poorWeight += w
      }
    }
    if (poorSlope === 0) return 0
    const rest = pool.total - poorWeight
    if (rest <= 0) return Infinity
    return ((poorSlope / (u * rest)) * (1 + SAFE)) / (1 - SAFE)
  }

  const exactRhoOf = (entry: Scanned): Rational => {
    const c = cost(entry.p)
    const u = utility(entry.p)
    const { poor } = entry
    if (poor !== undefined) {
      const poorWeight = poor.weights.reduce((sum, w) => sum + w, 0)
      return c
        .sub(exactSum(poor.classes, poor.weights))
        .divInt(entry.total - poorWeight)
        .div(u)
    }
    const pool = fullPool(entry)
    const order = pool.classes
      .map((_, i) => i)
      .sort((i, j) => valueOf(pool.classes[i]!).compare(valueOf(pool.classes[j]!)))
    let paid = Rational.ZERO
    let rest = pool.total
    for (const i of order) {
      const value = valueOf(pool.classes[i]!)
      const w = pool.weights[i]!
      const share = c.sub(paid).divInt(rest)
      if (share.le(value)) return share.div(u)
      paid = paid.add(value.mulInt(w))
      rest -= w
    }
    throw new RangeError('exact ρ asked for an unaffordable project')
  }
  const fullPool = (entry: Scanned): Pool => {
    entry.pool ??= poolOf(entry.p)
    return entry.pool
  }

  // The winner's share at the current endowment from its (fixed) poor classes.
  const setShare = (p: number, poor: Poor, rest: number): void => {
    const c = cost(p)
    if (poor.classes.length === 0) {
      const share = c.divInt(rest)
      knownShare[p] = share
      shareThunk[p] = undefined
      shareFp[p] = toFp(share)
      shareFpError[p] = 1
      return
    }
    knownShare[p] = undefined
    shareThunk[p] = () => c.sub(exactSum(poor.classes, poor.weights)).divInt(rest)
    const paid = fpSum(poor)
    shareFp[p] = ((c.num * FP_ONE) / c.den - paid.sum) / BigInt(rest)
    shareFpError[p] = (1 + paid.error) / rest + 1
    if (shareFpError[p]! > fpLimit) {
      shareFp[p] = toFp(shareOf(p))
      shareFpError[p] = 1
    }
  }

  /**
   * Buys `won` in `record`'s round at the current endowment: its share, which classes pay all they have,
   * the new classes and slopes. Shrinks the record's structureUntil where a poor class could turn rich.
   */
  const buy = (record: RoundRecord, step: number, won: Scanned, best: Rational | undefined): void => {
    const u = utility(won.p)
    if (best !== undefined) knownShare[won.p] = best.mul(u)
    else shareThunk[won.p] = () => exactRhoOf(won).mul(u)
    if (best !== undefined || won.poor === undefined) {
      shareFp[won.p] = toFp(shareOf(won.p))
      shareFpError[won.p] = 1
    } else {
      const poor = won.poor
      const poorWeight = poor.weights.reduce((sum, w) => sum + w, 0)
      const rest = won.total - poorWeight
      const paid = fpSum(poor)
      const c = cost(won.p)
      shareFp[won.p] = ((c.num * FP_ONE) / c.den - paid.sum) / BigInt(rest)
      shareFpError[won.p] = (1 + paid.error) / rest + 1
      if ((shareFpError[won.p] ?? 0) > fpLimit) {
        shareFp[won.p] = toFp(shareOf(won.p))
        shareFpError[won.p] = 1
      }
    }
    const shareApprox = fpToNumber(shareFp[won.p] ?? 0n)
    const exactShare = (): Rational => shareOf(won.p)
    // Which classes pay the full share and keep money (order > 0), pay exactly all they have (0), or pay
    // all they have, less than the share (< 0); and whether the doubles told clearly.
    const pool = fullPool(won)
    const { classes, weights } = pool
    const orders = new Int8Array(classes.length)
    const clear = new Uint8Array(classes.length)
    let poorSlope = pool.brokeMass
    let rest = 0
    const poorClasses: number[] = []
    const poorWeights: number[] = []
    const near = REL * (b0 + shareApprox)
    for (let i = 0; i < classes.length; i++) {
      const k = classes[i]!
      const difference = approxValue[k]! - shareApprox
      const isClear = Math.abs(difference) > near
      const order = isClear ? Math.sign(difference) : valueOf(k).compare(exactShare())
      orders[i] = order
      clear[i] = isClear ? 1 : 0
      if (order < 0) {
        poorSlope += alpha[k]! * weights[i]!
        poorClasses.push(k)
        poorWeights.push(weights[i]!)
      } else rest += weights[i]!
    }
    // The share falls by at most τ per unit of endowment (those who pay all they have, broke ones included,
    // may have more; the full payers' money can only fill what they no longer pay).
    const tau = rest > 0 ? (poorSlope / rest) * (1 + SAFE) : Infinity
    let structureUntil = record.structureUntil
    for (let i = 0; i < classes.length; i++) {
      const order = orders[i]!
      if (order === 0 || (order < 0 && clear[i] !== 1)) structureUntil = step
      else if (order < 0) {
        // A poor class stays poor while its money stays below the (falling) share.
        const k = classes[i]!
        const margin = shareApprox - approxValue[k]! - near
        structureUntil = Math.min(structureUntil, step + untilOffset(margin, alpha[k]! + tau))
      }
    }
    record.structureUntil = Math.min(structureUntil, record.decisionUntil)

    for (let i = 0; i < classes.length; i++) {
      const k = classes[i]!
      const slope = alpha[k]! + tau
      const next = orders[i]! > 0 ? newClass(k, won.p, approxValue[k]! - shareApprox, slope) : BROKE
      newSlopeOf[k] = slope
      newClassOf[k] = next
    }
    const start = supporterStart[won.p]!
    const changedGroups = new Int32Array(supporterStart[won.p + 1]! - start)
    const changedFrom = new Int32Array(changedGroups.length)
    let changed = 0
    for (let j = start, end = start + changedGroups.length; j < end; j++) {
      const g = supporterGroup[j]!
      const k = classOf[g]!
      if (k !== BROKE) {
        changedGroups[changed] = g
        changedFrom[changed++] = k
        const next = newClassOf[k]!
        classOf[g] = next
        if (next === BROKE) brokeSlope[g] = newSlopeOf[k]!
      }
    }
    record.changedGroups = changedGroups.subarray(0, changed)
    record.changedFrom = changedFrom.subarray(0, changed)
    record.classEnd = classCount
    record.winner = won.p
    record.pool = pool
    record.poor = { classes: poorClasses, weights: poorWeights }
    record.rest = rest
  }

  // How many steps above the current one a comparison with this margin (> 0 keeps its outcome) can take
  // when the margin shrinks by at most `slope` per unit of endowment.
  const untilOffset = (margin: number, slope: number): number => {
    if (!(margin > 0)) return 0
    if (!(slope > 0)) return Infinity
    return (margin * (1 - SAFE)) / (slope * (1 + SAFE)) / incrementApprox
  }

  /**
   * Goes back to the beginning of round `counted` at the current endowment: rounds before `kept` keep their
   * classes (only money is recomputed), rounds from `kept` to `counted` buy their winners again.
   */
  const restore = (kept: number, counted: number, step: number): number[] => {
    const candidates = [...(counted < records.length ? (records[counted] as RoundRecord).candidates : [])]
    for (let r = records.length - 1; r >= kept; r--) {
      const record = records[r] as RoundRecord
      if (kept > 0) {
        for (let j = record.changedGroups.length - 1; j >= 0; j--)
          classOf[record.changedGroups[j] as number] = record.changedFrom[j] as number
      }
      if (record.winner >= 0) {
        knownShare[record.winner] = undefined
        shareThunk[record.winner] = undefined
      }
    }
    classCount = kept === 0 ? 1 : (records[kept] as RoundRecord).classStart
    if (kept === 0) classOf.fill(endowment.isZero() ? BROKE : 0)
    approxValue[0] = b0
    exactValue[0] = endowment
    const selected = [...free]
    for (let r = 0; r < kept; r++) {
      const record = records[r] as RoundRecord
      const { winner, pool } = record
      if (winner < 0 || pool === undefined) continue
      setShare(winner, record.poor, record.rest)
      const shareApprox = fpToNumber(shareFp[winner] ?? 0n)
      for (let k = record.classStart; k < record.classEnd; k++) {
        approxValue[k] = (approxValue[parent[k] ?? 0] ?? 0) - shareApprox
        exactValue[k] = undefined
      }
      selected.push(winner)
    }
    for (let r = kept; r < counted; r++) {
      const record = records[r] as RoundRecord
      const p = record.winner
      const pool = poolOf(p)
      const u = utilityApprox[p] as number
      const approx = approxRho(costApprox[p] as number, u, pool)
      record.classStart = classCount
      record.structureUntil = record.decisionUntil
      buy(
        record,
        step,
        {
          p,
          pool,
          total: pool.total,
          lo: 0,
          hi: 0,
          sigma: 0,
          ...(approx?.poor === undefined ? {} : { poor: approx.poor }),
        },
        undefined,
      )
      selected.push(p)
    }
    records.length = counted
    for (const p of candidates) {
      lowerRho[p] = firstLowerRho[p] ?? 0
      lowerSigma[p] = 0
    }
    return selected
  }

  const count = (step: number, selected: number[], candidatesAtStart: number[]): void => {
    let candidates = candidatesAtStart
    // A zero endowment funds nothing and shares no structure with positive ones: never reuse it.
    const reusable = !endowment.isZero()
    while (candidates.length > 0) {
      countedRounds++
      const record: RoundRecord = {
        candidates: [...candidates],
        classStart: classCount,
        classEnd: classCount,
        winner: -1,
        pool: undefined,
        poor: { classes: [], weights: [] },
        rest: 0,
        changedGroups: NO_GROUPS,
        changedFrom: NO_GROUPS,
        decisionUntil: reusable ? Infinity : step,
        structureUntil: reusable ? Infinity : step,
      }
      records.push(record)
      const limit = (margin: number, slope: number): void => {
        record.decisionUntil = Math.min(record.decisionUntil, step + untilOffset(margin, slope))
      }
      candidates.sort((a, b) => (lowerRho[a] ?? 0) - (lowerRho[b] ?? 0))
      let bestHi = Infinity
      const scanned: Scanned[] = []
      const kept: number[] = []
      const unscanned: number[] = []
      let scanning = true
      for (const p of candidates) {
        // Candidates are in order of their lower bounds: once one cannot beat the best so far, none can, and
        // none needs reading (one that cannot be afforded any more is dropped in a later round).
        if (!scanning || lowerRho[p]! > bestHi) {
          scanning = false
          kept.push(p)
          unscanned.push(p)
          continue
        }
        const c = cost(p)
        const cApprox = costApprox[p]!
        const scan = scanOf(p, lowGuess[p]!)
        const money = scan.money
        const tolerance = REL * (scan.total * b0 + cApprox)
        if (money < cApprox - tolerance) {
          // Its supporters' money grows by at most scan.slope per unit of endowment.
          limit(cApprox - tolerance - money, scan.slope)
          continue
        }
        if (money <= cApprox + tolerance) {
          const pool = poolOf(p)
          if (exactSum(pool.classes, pool.weights).lt(c)) {
            record.decisionUntil = step
            continue
          }
        }
        kept.push(p)
        const u = utilityApprox[p]!
        let entry: Scanned
        const fromScan = approxRho(cApprox, u, scan)
        if (fromScan !== undefined) {
          entry = { p, pool: undefined, total: scan.total, ...fromScan, sigma: sigmaOf(scan, fromScan.hi * u, u) }
        } else {
          // Near a class's money or near the scan's `low`: look at every class.
          scansWidened++
          const pool = poolOf(p)
          const approx = approxRho(cApprox, u, pool)
          if (approx !== undefined) {
            entry = { p, pool, total: pool.total, ...approx, sigma: sigmaOf(pool, approx.hi * u, u) }
          } else {
            const exact = exactRhoOf({ p, pool, total: pool.total, lo: 0, hi: 0, sigma: 0 }).toNumber()
            const hi = exact * (1 + REL)
            entry = { p, pool, total: pool.total, lo: exact * (1 - REL), hi, sigma: sigmaOf(pool, hi * u, u) }
          }
        }
        // Shares only rise from round to round, and change little from one endowment to the next.
        lowGuess[p] = LOW_FACTOR * entry.hi * u
        lowerRho[p] = entry.lo
        lowerSigma[p] = entry.sigma
        bestHi = Math.min(bestHi, entry.hi)
        scanned.push(entry)
      }
      const contenders = scanned.filter((entry) => entry.lo <= bestHi)
      let best: Rational | undefined
      let winner: Scanned | undefined
      const exactRho = new Map<number, Rational>()
      if (contenders.length === 1) winner = contenders[0]
      else {
        let ties: Scanned[] = []
        for (const entry of contenders) {
          const rho = exactRhoOf(entry)
          exactRho.set(entry.p, rho)
          const order = best === undefined ? -1 : rho.compare(best)
          if (order < 0) {
            best = rho
            ties = [entry]
          } else if (order === 0) ties.push(entry)
        }
        ties.sort((x, y) => tieBreak(x.p, y.p))
        winner = ties[0]
      }
      if (winner === undefined) {
        record.structureUntil = Math.min(record.structureUntil, record.decisionUntil)
        break
      }
      const won: Scanned = winner
      // The winner's ρ can only fall as the endowment rises; every other candidate's falls by at most its
      // σ per unit, so it stays dearer while its margin lasts (tied and losing the tie: only if its ρ
      // cannot fall at all).
      for (const entry of scanned) {
        if (entry.p === won.p) continue
        const rho = exactRho.get(entry.p)
        if (rho !== undefined && best !== undefined) {
          const margin = rho.sub(best)
          if (margin.sign() > 0) limit(margin.toNumber(), entry.sigma)
          else if (entry.sigma !== 0) record.decisionUntil = step
        } else limit(entry.lo - bestHi, entry.sigma)
      }
      for (const p of unscanned) limit((lowerRho[p] ?? 0) - bestHi, lowerSigma[p] ?? 0)
      buy(record, step, won, best)
      selected.push(won.p)
      candidates = kept.filter((p) => p !== won.p)
    }
  }

  return {
    selectedAt(step: number): readonly number[] {
      if (!Number.isSafeInteger(step) || step < 0) throw new RangeError(`bad add1 step ${step}`)
      // Leading rounds whose decisions (counted) and classes (kept) are certain at this step; records only
      // speak for steps above the ones they were counted at.
      let kept = 0
      let counted = 0
      if (step >= lastStep) {
        while (counted < records.length && step < (records[counted] as RoundRecord).decisionUntil) counted++
        while (kept < counted && step < (records[kept] as RoundRecord).structureUntil) kept++
      }
      if (lastStep >= 0 && step >= lastStep && counted === records.length) {
        reusedRounds += records.length
        lastStep = step
        return lastSelected
      }
      setEndowment(start.add(increment.mulInt(step)))
      reusedRounds += counted
      const candidates = counted === 0 ? [...initialCandidates] : [...(records[counted] as RoundRecord).candidates]
      const selected = restore(kept, counted, step)
      count(step, selected, candidates)
      lastSelected = selected
      lastStep = step
      return selected
    },
    get countedRounds() {
      return countedRounds
    },
    get reusedRounds() {
      return reusedRounds
    },
    get widenedScans() {
      return scansWidened
    },
  }
}

/** bigint·2^−FP_BITS as a double, within an ulp or so however large the bigint. */
function fpToNumber(x: bigint): number {
  const negative = x < 0n
  let v = negative ? -x : x
  let exponent = -FP_BITS
  const bits = v.toString(16).length * 4
  if (bits > 64) {
    v >>= BigInt(bits - 64)
    exponent += bits - 64
  }
  const value = Number(v) * 2 ** exponent
  return negative ? -value : value
}
