import type { Election } from './election.js'
import { costOf } from './election.js'
import { CountingError } from './errors.js'
import { runGreedy } from './greedy.js'
import { createMesAdd1Engine } from './method-of-equal-shares-add1.js'
import { Rational } from './rational.js'
import { DEFAULT_TIE_BREAKING, makeTieBreaker, type TieBreakKey } from './tie-breaking.js'
import type { ProjectExplanation, RuleId, RuleOptions, RuleResult } from './types.js'

/**
 * Satisfaction measure (notes §2): `cost` (Cost_Sat, u = cost of an approved project) or `cardinality`
 * (Cardinality_Sat, u = 1). Both read any ballot as the set of projects it lists.
 */
export type MesSatisfaction = 'cost' | 'cardinality'

/** How one project was bought in a Method of Equal Shares run. */
export interface MesPurchase {
  readonly round: number
  /** ρ: price per unit of satisfaction. */
  readonly rho: Rational
  /** What each supporter who could afford it paid (ρ·u). */
  readonly share: Rational
  readonly fullPayers: number
  /** Supporters who had less than `share` left and paid all of it. */
  readonly partialPayers: number
  readonly partialPaid: Rational
}

export interface MesRun {
  readonly endowment: Rational
  /** Project indices in selection order, free projects first. */
  readonly selected: readonly number[]
  readonly purchases: ReadonlyMap<number, MesPurchase>
  /** Candidates dropped because their supporters' money fell below the cost: round and money left. */
  readonly unaffordable: ReadonlyMap<number, { readonly round: number; readonly money: Rational }>
}

// A voter group with no money left: it cannot pay, so it is left out of every sum.
const BROKE = -1

// Fixed-point binary places for shares between exact computations (see `runMesWithEndowment`).
const FP_BITS = 512
const FP_ONE = 1n << BigInt(FP_BITS)
// A fixed-point share whose error bound exceeds this fraction of the endowment is recomputed exactly, so
// the doubles read from it stay within a few ulps (the premise of REL below).
const FP_MAX_RELATIVE_ERROR = 2 ** -80

// Doubles only pre-select. Every double below carries an error far smaller than REL times the money at
// stake (class values: a few ulps of the endowment; sums: ulps of the total), so a comparison that is
// decided by more than that margin is the same in exact arithmetic, and anything closer is redone exactly.
const REL = 1e-10

interface Pool {
  readonly classes: number[]
  readonly weights: number[]
  readonly total: number
}

interface Scanned {
  readonly p: number
  readonly pool: Pool
  readonly lo: number
  readonly hi: number
  /** Budget classes (by index into pool.classes) that pay all they have, when doubles settled it. */
  readonly poor?: readonly number[]
}

/**
 * The Method of Equal Shares with a fixed endowment per voter, as pabutools' `method_of_equal_shares`
 * (notes §4.1). Each round buys the affordable project with the smallest exact ρ, ties by `tieBreaking`.
 *
 * Voters are tracked by budget class rather than one by one: with Cost_Sat or Cardinality_Sat every
 * supporter of a project has the same utility, so voters who started equal and paid for the same projects
 * hold the same amount. A class is its parent class minus one exact share, so its exact value is only
 * computed when a decision is too close to call on doubles; sums over many classes are done exactly as
 * `W·b − Σ share_q·W_q` over the projects bought so far, never class by class.
 *
 * Exact shares are themselves computed only on demand. Exact fractions here have denominators that multiply
 * round after round, so reducing them (bigint gcd) was almost all the time of a count. Each round's share is
 * instead carried in fixed point (FP_BITS binary places, plain bigint arithmetic, no gcd) with a proven error
 * bound; the doubles that pre-select are read from it. The exact share is a memoised thunk, forced only when
 * a comparison is too close for the doubles, when two projects are too close to rank, when the bound grows
 * too large, or when an explanation asks for the figures. Decisions therefore stay exact.
 */
export function runMesWithEndowment(
  election: Election,
  endowment: Rational,
  satisfaction: MesSatisfaction,
  tieBreaking: readonly TieBreakKey[] = DEFAULT_TIE_BREAKING,
): MesRun {
  const { groups, supporters, costs, approvals } = election
  const projectCount = costs.length
  const tieBreak = makeTieBreaker(election, tieBreaking)
  const b0 = endowment.toNumber()
  const classOf = new Int32Array(groups.length)
  if (endowment.isZero()) classOf.fill(BROKE)
  // Class k holds parent[k]'s money minus the share paid for paidFor[k]; class 0 is the endowment.
  const parent: number[] = [-1]
  const paidFor: number[] = [-1]
  const approxValue: number[] = [b0]
  const exactValue: (Rational | undefined)[] = [endowment]
  let weightByClass = new Float64Array(64)
  // Scratch: the class each class of the winner's pool becomes (reused every round).
  let newClassOf = new Int32Array(64)
  const weightByProject = new Float64Array(projectCount)
  // Exact shares once known, and how to work them out when they are not.
  const knownShare: (Rational | undefined)[] = new Array(projectCount)
  const shareThunk: ((() => Rational) | undefined)[] = new Array(projectCount)
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
  // Fixed point: value·2^FP_BITS, within ±fpError units of the exact value.
  const endowmentFp = (endowment.num * FP_ONE) / endowment.den
  const endowmentFpError = 1
  const shareFp: bigint[] = new Array<bigint>(projectCount).fill(0n)
  const shareFpError = new Float64Array(projectCount)
  const fpLimit = b0 * FP_MAX_RELATIVE_ERROR * 2 ** FP_BITS
  const toFp = (r: Rational): bigint => {
    const q = (r.num * FP_ONE) / r.den
    return q
  }

  const cost = (p: number): Rational => {
    const c = costs[p]
    if (c === undefined) throw new RangeError(`no project at index ${p}`)
    return c
  }
  const utility = (p: number): Rational => (satisfaction === 'cost' ? cost(p) : Rational.ONE)
  const costApprox = Float64Array.from(costs, (c) => c.toNumber())
  const valueOf = (k: number): Rational => {
    const known = exactValue[k]
    if (known !== undefined) return known
    const value = valueOf(parent[k] ?? 0).sub(shareOf(paidFor[k] ?? -1))
    exactValue[k] = value
    return value
  }
  // Exact Σ w·value over some classes of a pool: weight·endowment minus each bought project's share times
  // the weight of the classes that paid it.
  const exactSum = (pool: Pool, indices: Iterable<number>): Rational => {
    let weight = 0
    const touched: number[] = []
    for (const i of indices) {
      const w = pool.weights[i] ?? 0
      weight += w
      for (let k = pool.classes[i] ?? 0; k > 0; k = parent[k] ?? 0) {
        const q = paidFor[k] ?? 0
        if (weightByProject[q] === 0) touched.push(q)
        weightByProject[q] = (weightByProject[q] ?? 0) + w
      }
    }
    let sum = endowment.mulInt(weight)
    for (const q of touched) {
      sum = sum.sub(shareOf(q).mulInt(weightByProject[q] ?? 0))
      weightByProject[q] = 0
    }
    return sum
  }
  // The same sum in fixed point, with its error bound: no gcd anywhere.
  const fpSum = (pool: Pool, indices: Iterable<number>): { sum: bigint; error: number } => {
    let weight = 0
    const touched: number[] = []
    for (const i of indices) {
      const w = pool.weights[i] ?? 0
      weight += w
      for (let k = pool.classes[i] ?? 0; k > 0; k = parent[k] ?? 0) {
        const q = paidFor[k] ?? 0
        if (weightByProject[q] === 0) touched.push(q)
        weightByProject[q] = (weightByProject[q] ?? 0) + w
      }
    }
    let sum = endowmentFp * BigInt(weight)
    let error = endowmentFpError * weight
    for (const q of touched) {
      const w = weightByProject[q] ?? 0
      sum -= (shareFp[q] ?? 0n) * BigInt(w)
      error += (shareFpError[q] ?? 0) * w
      weightByProject[q] = 0
    }
    return { sum, error }
  }
  const allOf = (pool: Pool) => pool.classes.keys()

  const selected: number[] = []
  const purchases = new Map<number, MesPurchase>()
  const unaffordable = new Map<number, { round: number; money: Rational }>()
  // Lower bounds of ρ, as doubles (notes §4.1: ρ only rises as budgets fall).
  const lowerRho = new Float64Array(projectCount)
  let candidates: number[] = []
  const free: number[] = []
  election.projectIds.forEach((_, p) => {
    const a = approvals[p] ?? 0
    if (a === 0) return
    if (cost(p).isZero()) free.push(p)
    else {
      const rho = cost(p).div(utility(p).mulInt(a)).toNumber()
      lowerRho[p] = rho * (1 - REL)
      candidates.push(p)
    }
  })
  free.sort(tieBreak)
  for (const p of free) {
    selected.push(p)
    knownShare[p] = Rational.ZERO
    purchases.set(p, {
      round: 0,
      rho: Rational.ZERO,
      share: Rational.ZERO,
      fullPayers: approvals[p] ?? 0,
      partialPayers: 0,
      partialPaid: Rational.ZERO,
    })
  }

  // Supporters of p with money left, merged by budget class.
  // Hot loop (every candidate, every round, every add1 run): typed arrays, no per-group objects.
  const groupWeight = Float64Array.from(groups, (g) => g.weight)
  const poolOf = (p: number): Pool & { money: number } => {
    const classes: number[] = []
    const list = supporters[p]
    if (list !== undefined)
      for (let j = 0; j < list.length; j++) {
        const g = list[j] as number
        const k = classOf[g] as number
        if (k === BROKE) continue
        if (weightByClass[k] === 0) classes.push(k)
        weightByClass[k] = (weightByClass[k] as number) + (groupWeight[g] as number)
      }
    let total = 0
    let money = 0
    const weights = new Array<number>(classes.length)
    for (let i = 0; i < classes.length; i++) {
      const k = classes[i] as number
      const w = weightByClass[k] as number
      weightByClass[k] = 0
      weights[i] = w
      total += w
      money += (approxValue[k] as number) * w
    }
    return { classes, weights, total, money }
  }

  // ρ from doubles with an error bound, and the classes that pay all they have; undefined when a share and
  // a class budget are too close to tell apart.
  const approxRho = (c: number, u: number, pool: Pool): Omit<Scanned, 'p' | 'pool'> | undefined => {
    // Water-filling without sorting: classes poorer than the equal share pay all they have, which raises
    // the share for the rest; repeat until no class changes side. The share only rises, so this ends, and
    // it reaches the same split as scanning the classes from the poorest (notes §4.1 step 2c).
    const tolerance = REL * (pool.total * b0 + c)
    const { classes, weights } = pool
    const m = classes.length
    const isPoor = new Uint8Array(m)
    let paid = 0
    let rest = pool.total
    let share = c / rest
    for (;;) {
      let changed = false
      for (let i = 0; i < m; i++) {
        if (isPoor[i] === 1) continue
        const value = approxValue[classes[i] ?? 0] ?? 0
        if (value < share) {
          isPoor[i] = 1
          paid += value * (weights[i] ?? 0)
          rest -= weights[i] ?? 0
          changed = true
        }
      }
      if (!changed) break
      if (rest <= 0) return undefined
      share = (c - paid) / rest
    }
    // Every class must be clearly on its side; anything too close to the share is decided exactly.
    const error = tolerance / rest
    const poor: number[] = []
    for (let i = 0; i < m; i++) {
      const value = approxValue[classes[i] ?? 0] ?? 0
      if (Math.abs(share - value) <= error + REL * b0) return undefined
      if (isPoor[i] === 1) poor.push(i)
    }
    return { lo: (share - error) / u, hi: (share + error) / u, poor }
  }

  const exactRhoOf = (entry: Scanned): Rational => {
    const c = cost(entry.p)
    const u = utility(entry.p)
    const { pool, poor } = entry
    if (poor !== undefined) {
      const poorWeight = poor.reduce((sum, i) => sum + (pool.weights[i] ?? 0), 0)
      return c
        .sub(exactSum(pool, poor))
        .divInt(pool.total - poorWeight)
        .div(u)
    }
    // Notes §4.1 step 2c on exact class values: the poorest pay everything until an equal share of the
    // rest is within every remaining supporter's means.
    const order = pool.classes
      .map((_, i) => i)
      .sort((i, j) => valueOf(pool.classes[i] ?? 0).compare(valueOf(pool.classes[j] ?? 0)))
    let paid = Rational.ZERO
    let rest = pool.total
    for (const i of order) {
      const value = valueOf(pool.classes[i] ?? 0)
      const w = pool.weights[i] ?? 0
      const share = c.sub(paid).divInt(rest)
      if (share.le(value)) return share.div(u)
      paid = paid.add(value.mulInt(w))
      rest -= w
    }
    throw new RangeError('exact ρ asked for an unaffordable project')
  }

  for (let round = 1; candidates.length > 0; round++) {
    candidates.sort((a, b) => (lowerRho[a] ?? 0) - (lowerRho[b] ?? 0))
    let bestHi = Infinity
    const scanned: Scanned[] = []
    const kept: number[] = []
    let scanning = true
    for (const p of candidates) {
      if (!scanning) {
        kept.push(p)
        continue
      }
      const pool = poolOf(p)
      const c = cost(p)
      const cApprox = costApprox[p] as number
      const money = pool.money
      const tolerance = REL * (pool.total * b0 + cApprox)
      if (money < cApprox - tolerance || (money <= cApprox + tolerance && exactSum(pool, allOf(pool)).lt(c))) {
        // Classes never change value, so the exact money can be worked out later, for explanations only.
        let money: Rational | undefined
        unaffordable.set(p, {
          round,
          get money(): Rational {
            money ??= exactSum(pool, allOf(pool))
            return money
          },
        })
        continue
      }
      kept.push(p)
      if ((lowerRho[p] ?? 0) > bestHi) {
        scanning = false
        continue
      }
      let entry: Scanned
      const approx = approxRho(cApprox, utility(p).toNumber(), pool)
      if (approx !== undefined) entry = { p, pool, ...approx }
      else {
        const exact = exactRhoOf({ p, pool, lo: 0, hi: 0 }).toNumber()
        entry = { p, pool, lo: exact * (1 - REL), hi: exact * (1 + REL) }
      }
      lowerRho[p] = entry.lo
      bestHi = Math.min(bestHi, entry.hi)
      scanned.push(entry)
    }
    // Only projects whose ρ interval reaches the best upper bound can win. When just one does, its interval
    // lies wholly below every other project's, so it wins without its exact ρ.
    const contenders = scanned.filter((entry) => entry.lo <= bestHi)
    let best: Rational | undefined
    let winner: Scanned | undefined
    if (contenders.length === 1) winner = contenders[0]
    else {
      let ties: Scanned[] = []
      for (const entry of contenders) {
        const rho = exactRhoOf(entry)
        const order = best === undefined ? -1 : rho.compare(best)
        if (order < 0) {
          best = rho
          ties = [entry]
        } else if (order === 0) ties.push(entry)
      }
      ties.sort((x, y) => tieBreak(x.p, y.p))
      winner = ties[0]
    }
    if (winner === undefined) break
    const won: Scanned = winner
    const u = utility(won.p)
    if (best !== undefined) knownShare[won.p] = best.mul(u)
    else shareThunk[won.p] = () => exactRhoOf(won).mul(u)
    // The share in fixed point: exact when known, else (c − what the poorest pay) / the others' weight.
    if (best !== undefined || won.poor === undefined) {
      shareFp[won.p] = toFp(shareOf(won.p))
      shareFpError[won.p] = 1
    } else {
      const poor = won.poor
      const poorWeight = poor.reduce((sum, i) => sum + (won.pool.weights[i] ?? 0), 0)
      const rest = won.pool.total - poorWeight
      const paid = fpSum(won.pool, poor)
      const c = cost(won.p)
      // c·2^F rounded down (error < 1), minus the poor's money (error paid.error), over the rest (+1 for the floor).
      shareFp[won.p] = ((c.num * FP_ONE) / c.den - paid.sum) / BigInt(rest)
      shareFpError[won.p] = (1 + paid.error) / rest + 1
      if ((shareFpError[won.p] ?? 0) > fpLimit) {
        shareFp[won.p] = toFp(shareOf(won.p))
        shareFpError[won.p] = 1
      }
    }
    const shareApprox = fpToNumber(shareFp[won.p] ?? 0n)
    const exactShare = (): Rational => shareOf(won.p)
    if (newClassOf.length < parent.length) newClassOf = new Int32Array(parent.length * 2)
    let fullPayers = 0
    let partialPayers = 0
    won.pool.classes.forEach((k, i) => {
      const w = won.pool.weights[i] ?? 0
      const difference = (approxValue[k] ?? 0) - shareApprox
      const order =
        Math.abs(difference) <= REL * (b0 + shareApprox) ? valueOf(k).compare(exactShare()) : Math.sign(difference)
      if (order > 0) {
        newClassOf[k] = parent.length
        parent.push(k)
        paidFor.push(winner.p)
        approxValue.push(difference)
        exactValue.push(undefined)
        fullPayers += w
      } else {
        newClassOf[k] = BROKE
        if (order === 0) fullPayers += w
        else partialPayers += w
      }
    })
    // Every class in the winner's pool got an entry above, so the lookup is always set.
    for (const g of supporters[won.p] ?? []) {
      const k = classOf[g] as number
      if (k !== BROKE) classOf[g] = newClassOf[k] as number
    }
    if (weightByClass.length < parent.length) {
      const grown = new Float64Array(parent.length * 2)
      grown.set(weightByClass)
      weightByClass = grown
    }
    selected.push(won.p)
    // The exact figures are for explanations, so they are worked out only if one is written.
    const purchaseRound = round
    const payers = fullPayers
    purchases.set(won.p, {
      round: purchaseRound,
      fullPayers: payers,
      partialPayers,
      get share(): Rational {
        return exactShare()
      },
      get rho(): Rational {
        return exactShare().div(u)
      },
      // Supporters pay the cost exactly, so what the poorer ones paid is the rest of it.
      get partialPaid(): Rational {
        return cost(won.p).sub(exactShare().mulInt(payers))
      },
    })
    candidates = kept.filter((p) => p !== won.p)
  }
  return { endowment, selected, purchases, unaffordable }
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

/** Whether no project outside `chosen` that passes `eligible` still fits in the budget. */
function isExhaustive(election: Election, chosen: readonly number[], eligible: (p: number) => boolean): boolean {
  const inChosen = new Set(chosen)
  const left = election.budget.sub(costOf(election, chosen))
  return election.costs.every((c, p) => inChosen.has(p) || !eligible(p) || c.gt(left))
}

/**
 * Method of Equal Shares completed as cities do it (notes §4.2–4.3):
 * 1. run MES with endowment B/n (n counts empty ballots);
 * 2. "add1": raise the endowment by `increment` (default 1 currency unit) and rerun from scratch while the
 *    outcome costs at most B, keeping the last outcome within budget; with `exhaustiveStop` (default, as
 *    pabutools) stop early at the first outcome to which no supported project can be added;
 * 3. with `greedyCompletion` (default), fill what is left greedily by the same satisfaction measure,
 *    zero-vote projects included (pabutools' completion does fund them).
 *
 * City variants: Wieliczka 2023 is `exhaustiveStop: false` (without completion the comparison step keeps
 * MES); Assen 2024 is `greedyCompletion: false`; Świecie 2023 matches the defaults.
 */
export function methodOfEqualShares(
  election: Election,
  satisfaction: MesSatisfaction,
  options: RuleOptions = {},
  rule: RuleId = satisfaction === 'cost' ? 'mes' : 'mes-cardinal',
): RuleResult {
  const tieBreaking = options.tieBreaking ?? DEFAULT_TIE_BREAKING
  const increment = options.increment ?? Rational.ONE
  const add1 = options.add1 ?? true
  const exhaustiveStop = options.exhaustiveStop ?? true
  const greedyCompletion = options.greedyCompletion ?? true
  const maxRuns = options.maxRuns ?? 100_000
  if (increment.sign() <= 0)
    throw new CountingError('PRIORITISATION_INVALID_INPUT', 'the add1 increment must be positive')
  const B = election.budget
  const n = election.voterCount
  const supported = (p: number): boolean => (election.approvals[p] ?? 0) > 0
  const mesCandidate = (p: number): boolean => supported(p) && !(election.costs[p] ?? Rational.ZERO).isZero()

  let run: MesRun
  let runs = 1
  if (n === 0) {
    run = { endowment: Rational.ZERO, selected: [], purchases: new Map(), unaffordable: new Map() }
  } else {
    const start = B.divInt(n)
    const everythingFits = costOf(election, election.costs.map((_, p) => p).filter(supported)).le(B)
    // Without the exhaustive stop the loop would never end when everything fits (notes §4.2, "termination
    // trap"), so add1 is skipped then, as the equalshares.net tool does.
    let step = 0
    if (add1 && !(everythingFits && !exhaustiveStop)) {
      // Each step's selection is exactly a from-scratch run's at start + step·increment; the engine only
      // avoids recounting the rounds that cannot change (see method-of-equal-shares-add1.ts). The explained
      // run is then counted afresh at the endowment kept.
      const engine = createMesAdd1Engine(election, satisfaction, tieBreaking, start, increment)
      let selected = engine.selectedAt(0)
      while (!(exhaustiveStop && isExhaustive(election, selected, mesCandidate))) {
        if (runs >= maxRuns) {
          throw new CountingError(
            'PRIORITISATION_TOO_MANY_ROUNDS',
            `add1 needed more than ${maxRuns} runs of equal shares; use a larger increment for this currency`,
          )
        }
        const next = engine.selectedAt(step + 1)
        runs++
        if (costOf(election, next).gt(B)) break
        step++
        selected = next
      }
    }
    run = runMesWithEndowment(election, start.add(increment.mulInt(step)), satisfaction, tieBreaking)
  }

  const explanations: Record<string, ProjectExplanation> = {}
  election.projectIds.forEach((id, p) => {
    explanations[id] = explainMes(election, run, p, satisfaction)
  })
  const selected = [...run.selected]
  let completionUsed = false
  if (greedyCompletion && !isExhaustive(election, selected, () => true)) {
    completionUsed = true
    const completion = runGreedy(election, {
      measure: satisfaction,
      skip: true,
      includeUnsupported: true,
      initial: selected,
      tieBreaking,
      stage: 'completion',
    })
    for (const [p, explanation] of completion.explanations) {
      const id = election.projectIds[p] ?? ''
      const mes = explanations[id]
      explanations[id] = {
        ...explanation,
        message: mes ? `${mes.message} ${explanation.message}` : explanation.message,
        parts: [...(mes?.parts ?? []), ...explanation.parts],
        details: { ...(mes?.details ?? {}), ...explanation.details, mesReason: mes?.reason ?? 'no-support' },
      }
    }
    selected.push(...completion.selected)
  }

  return {
    rule,
    selected: selected.map((p) => election.projectIds[p] ?? ''),
    budget: B,
    spent: costOf(election, selected),
    explanations,
    parameters: {
      satisfaction,
      tieBreaking,
      add1,
      increment: increment.toString(),
      exhaustiveStop,
      greedyCompletion,
      completionUsed,
      endowment: run.endowment.toString(),
      endowmentDecimal: run.endowment.toDecimalString(2),
      mesRuns: runs,
    },
  }
}

function explainMes(election: Election, run: MesRun, p: number, satisfaction: MesSatisfaction): ProjectExplanation {
  const id = election.projectIds[p] ?? ''
  const cost = election.costs[p] ?? Rational.ZERO
  const votes = election.approvals[p] ?? 0
  const base = { votes, cost: cost.toDecimalString(), endowment: run.endowment.toString() }
  const purchase = run.purchases.get(p)
  if (purchase !== undefined && purchase.round === 0) {
    return {
      selected: true,
      reason: 'funded-at-no-cost',
      stage: 'mes',
      message: `${id} costs nothing and has supporters, so it was funded before the first round.`,
      parts: [{ key: 'mes.free', params: { project: id } }],
      details: base,
    }
  }
  if (purchase !== undefined) {
    const broke = votes - purchase.fullPayers - purchase.partialPayers
    const partial =
      (purchase.partialPayers > 0
        ? ` ${purchase.partialPayers} supporter(s) had less left and paid all of it (${purchase.partialPaid.toDecimalString(2)} in total).`
        : '') + (broke > 0 ? ` ${broke} supporter(s) had no money left.` : '')
    return {
      selected: true,
      reason: 'funded',
      stage: 'mes',
      message:
        `${id} was bought in round ${purchase.round}: ${purchase.fullPayers} supporter(s) each paid ` +
        `${purchase.share.toDecimalString(2)} of their equal share.${partial}`,
      parts: [
        {
          key: 'mes.funded',
          params: {
            project: id,
            round: purchase.round,
            count: purchase.fullPayers,
            share: purchase.share.toDecimalString(2),
          },
        },
        ...(purchase.partialPayers > 0
          ? [
              {
                key: 'mes.partial',
                params: { count: purchase.partialPayers, paid: purchase.partialPaid.toDecimalString(2) },
              },
            ]
          : []),
        ...(broke > 0 ? [{ key: 'mes.broke', params: { count: broke } }] : []),
      ],
      details: {
        ...base,
        round: purchase.round,
        rho: purchase.rho.toString(),
        satisfaction,
        sharePerVoter: purchase.share.toString(),
        fullPayers: purchase.fullPayers,
        partialPayers: purchase.partialPayers,
        partialPaid: purchase.partialPaid.toString(),
      },
    }
  }
  if (votes === 0) {
    return {
      selected: false,
      reason: 'no-support',
      stage: 'mes',
      message: `Nobody voted for ${id}.`,
      parts: [{ key: 'mes.no-support', params: { project: id } }],
      details: base,
    }
  }
  const dropped = run.unaffordable.get(p)
  return {
    selected: false,
    reason: 'unaffordable',
    stage: 'mes',
    message:
      `By round ${dropped?.round ?? '?'} the ${votes} supporter(s) of ${id} had ${dropped?.money.toDecimalString(2) ?? '?'} left ` +
      `between them, less than its cost of ${cost.toDecimalString()}.`,
    parts: [
      {
        key: 'mes.unaffordable',
        params: {
          project: id,
          round: dropped?.round ?? 0,
          count: votes,
          money: dropped?.money.toDecimalString(2) ?? '',
          cost: cost.toDecimalString(),
        },
      },
    ],
    details: { ...base, round: dropped?.round ?? 0, supportersMoney: dropped?.money.toString() ?? '' },
  }
}

/** MES with Cost_Sat, add1 and greedy completion by default (see `methodOfEqualShares`). */
export function equalSharesCost(election: Election, options: RuleOptions = {}): RuleResult {
  return methodOfEqualShares(election, 'cost', options, 'mes')
}
