import type { Election } from './election.js'
import { costOf } from './election.js'
import { CountingError } from './errors.js'
import { runGreedy } from './greedy.js'
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
  const weightByProject = new Float64Array(projectCount)
  const shares: (Rational | undefined)[] = new Array(projectCount)

  const cost = (p: number): Rational => {
    const c = costs[p]
    if (c === undefined) throw new RangeError(`no project at index ${p}`)
    return c
  }
  const utility = (p: number): Rational => (satisfaction === 'cost' ? cost(p) : Rational.ONE)
  const valueOf = (k: number): Rational => {
    const known = exactValue[k]
    if (known !== undefined) return known
    const value = valueOf(parent[k] ?? 0).sub(shares[paidFor[k] ?? -1] ?? Rational.ZERO)
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
      sum = sum.sub((shares[q] ?? Rational.ZERO).mulInt(weightByProject[q] ?? 0))
      weightByProject[q] = 0
    }
    return sum
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
    shares[p] = Rational.ZERO
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
  const poolOf = (p: number): Pool => {
    const classes: number[] = []
    for (const g of supporters[p] ?? []) {
      const k = classOf[g] ?? BROKE
      if (k === BROKE) continue
      if (weightByClass[k] === 0) classes.push(k)
      weightByClass[k] = (weightByClass[k] ?? 0) + (groups[g]?.weight ?? 0)
    }
    let total = 0
    const weights = classes.map((k) => {
      const w = weightByClass[k] ?? 0
      weightByClass[k] = 0
      total += w
      return w
    })
    return { classes, weights, total }
  }

  // ρ from doubles with an error bound, and the classes that pay all they have; undefined when a share and
  // a class budget are too close to tell apart.
  const approxRho = (c: number, u: number, pool: Pool): Omit<Scanned, 'p' | 'pool'> | undefined => {
    const order = pool.classes
      .map((_, i) => i)
      .sort((i, j) => (approxValue[pool.classes[i] ?? 0] ?? 0) - (approxValue[pool.classes[j] ?? 0] ?? 0))
    const tolerance = REL * (pool.total * b0 + c)
    let paid = 0
    let rest = pool.total
    for (let n = 0; n < order.length; n++) {
      const i = order[n] ?? 0
      const value = approxValue[pool.classes[i] ?? 0] ?? 0
      const w = pool.weights[i] ?? 0
      const share = (c - paid) / rest
      const error = tolerance / rest
      if (Math.abs(share - value) <= error + REL * b0) return undefined
      if (share < value) return { lo: (share - error) / u, hi: (share + error) / u, poor: order.slice(0, n) }
      paid += value * w
      rest -= w
    }
    return undefined
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
      const cApprox = c.toNumber()
      let money = 0
      pool.classes.forEach((k, i) => (money += (approxValue[k] ?? 0) * (pool.weights[i] ?? 0)))
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
    let best: Rational | undefined
    let ties: Scanned[] = []
    for (const entry of scanned) {
      if (entry.lo > bestHi) continue
      const rho = exactRhoOf(entry)
      const order = best === undefined ? -1 : rho.compare(best)
      if (order < 0) {
        best = rho
        ties = [entry]
      } else if (order === 0) ties.push(entry)
    }
    if (best === undefined) break
    ties.sort((x, y) => tieBreak(x.p, y.p))
    const winner = ties[0]
    if (winner === undefined) break
    const share = best.mul(utility(winner.p))
    const shareApprox = share.toNumber()
    shares[winner.p] = share
    const newClass = new Map<number, number>()
    let fullPayers = 0
    let partialPayers = 0
    winner.pool.classes.forEach((k, i) => {
      const w = winner.pool.weights[i] ?? 0
      const difference = (approxValue[k] ?? 0) - shareApprox
      const order = Math.abs(difference) <= REL * (b0 + shareApprox) ? valueOf(k).compare(share) : Math.sign(difference)
      if (order > 0) {
        newClass.set(k, parent.length)
        parent.push(k)
        paidFor.push(winner.p)
        approxValue.push(difference)
        exactValue.push(undefined)
        fullPayers += w
      } else {
        newClass.set(k, BROKE)
        if (order === 0) fullPayers += w
        else partialPayers += w
      }
    })
    for (const g of supporters[winner.p] ?? []) {
      const k = classOf[g] ?? BROKE
      if (k !== BROKE) classOf[g] = newClass.get(k) ?? BROKE
    }
    if (weightByClass.length < parent.length) {
      const grown = new Float64Array(parent.length * 2)
      grown.set(weightByClass)
      weightByClass = grown
    }
    selected.push(winner.p)
    // Supporters pay the cost exactly, so what the poorer ones paid is the rest of it.
    const partialPaid = cost(winner.p).sub(share.mulInt(fullPayers))
    purchases.set(winner.p, { round, rho: best, share, fullPayers, partialPayers, partialPaid })
    candidates = kept.filter((p) => p !== winner.p)
  }
  return { endowment, selected, purchases, unaffordable }
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
    let endowment = B.divInt(n)
    run = runMesWithEndowment(election, endowment, satisfaction, tieBreaking)
    const everythingFits = costOf(election, election.costs.map((_, p) => p).filter(supported)).le(B)
    // Without the exhaustive stop the loop would never end when everything fits (notes §4.2, "termination
    // trap"), so add1 is skipped then, as the equalshares.net tool does.
    if (add1 && !(everythingFits && !exhaustiveStop)) {
      while (!(exhaustiveStop && isExhaustive(election, run.selected, mesCandidate))) {
        if (runs >= maxRuns) {
          throw new CountingError(
            'PRIORITISATION_TOO_MANY_ROUNDS',
            `add1 needed more than ${maxRuns} runs of equal shares; use a larger increment for this currency`,
          )
        }
        endowment = endowment.add(increment)
        const next = runMesWithEndowment(election, endowment, satisfaction, tieBreaking)
        runs++
        if (costOf(election, next.selected).gt(B)) break
        run = next
      }
    }
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
    return { selected: false, reason: 'no-support', stage: 'mes', message: `Nobody voted for ${id}.`, details: base }
  }
  const dropped = run.unaffordable.get(p)
  return {
    selected: false,
    reason: 'unaffordable',
    stage: 'mes',
    message:
      `By round ${dropped?.round ?? '?'} the ${votes} supporter(s) of ${id} had ${dropped?.money.toDecimalString(2) ?? '?'} left ` +
      `between them, less than its cost of ${cost.toDecimalString()}.`,
    details: { ...base, round: dropped?.round ?? 0, supportersMoney: dropped?.money.toString() ?? '' },
  }
}

/** MES with Cost_Sat, add1 and greedy completion by default (see `methodOfEqualShares`). */
export function equalSharesCost(election: Election, options: RuleOptions = {}): RuleResult {
  return methodOfEqualShares(election, 'cost', options, 'mes')
}
