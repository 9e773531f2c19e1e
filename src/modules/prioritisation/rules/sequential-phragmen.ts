import type { Election } from './election.js'
import { costOf } from './election.js'
import { CountingError } from './errors.js'
import { Rational } from './rational.js'
import { DEFAULT_TIE_BREAKING, makeTieBreaker } from './tie-breaking.js'
import type { ProjectExplanation, RuleOptions, RuleResult } from './types.js'

/**
 * Sequential Phragmén, as pabutools' `sequential_phragmen` (notes §5), approval ballots only. Voters carry
 * a load; each round funds the project that would leave its approvers with the smallest common maximum
 * load `(Σ loads of its approvers + cost) / approvals`. Counting stops, without skipping, as soon as a
 * project with the smallest load (any of them, when tied) does not fit in the budget.
 *
 * `selected` is in selection order; pabutools returns the same set sorted by project id.
 *
 * Every approver of a funded project ends with the same load, so a voter's load is the load of the last
 * funded project they approve: loads are tracked by that round, not voter by voter.
 */
export function sequentialPhragmen(election: Election, options: RuleOptions = {}): RuleResult {
  if (election.ballotKind !== 'approval') {
    throw new CountingError(
      'PRIORITISATION_UNSUPPORTED_BALLOT',
      `sequential Phragmén counts approval ballots only, not ${election.ballotKind} ballots`,
    )
  }
  const tieBreaking = options.tieBreaking ?? DEFAULT_TIE_BREAKING
  const tieBreak = makeTieBreaker(election, tieBreaking)
  const { groups, supporters, costs, approvals, projectIds } = election
  const B = election.budget
  // -1: no load yet; otherwise the index in `roundLoadNum` of the last funded project the group approves.
  const loadRound = new Int32Array(groups.length).fill(-1)
  // Exact loads over one common denominator: round r's load is roundLoadNum[r] / denominator. Each load is
  // (Σ earlier loads + cost) / approvals, so multiplying the denominator by approvals × the cost's
  // denominator every round keeps every load an integer over it; sums and comparisons then need no gcd,
  // which is what made exact loads slow (their reduced denominators grow round after round anyway).
  const roundLoadNum: bigint[] = []
  let denominator = 1n
  const roundApprox: number[] = []
  let weightByRound = new Float64Array(16)
  // Σ weight·load over each project's approvers, as a double, kept up to date as loads change (only the
  // winner's approvers change, so a round costs their ballots, not every candidate's approvers). Loads only
  // rise (each round's load is at least every load so far), so every term added is non-negative and the
  // sum's relative error stays near (additions)·2^−53, far below WINDOW.
  const approxLoadOf = new Float64Array(projectIds.length)
  const costApprox = Float64Array.from(costs, (c) => c.toNumber())
  const groupWeight = Float64Array.from(groups, (g) => g.weight)
  const ballots = groups.map((g) => g.projects)
  const explanations: Record<string, ProjectExplanation> = {}
  const selected: number[] = []
  let spent = Rational.ZERO
  let candidates: number[] = []
  projectIds.forEach((id, p) => {
    const cost = costs[p] ?? Rational.ZERO
    if (cost.le(B)) candidates.push(p)
    else {
      explanations[id] = {
        selected: false,
        reason: 'over-budget',
        stage: 'phragmen',
        message: `${id} costs ${cost.toDecimalString()}, more than the whole budget.`,
        parts: [{ key: 'phragmen.overWholeBudget', params: { project: id, cost: cost.toDecimalString() } }],
        details: { votes: approvals[p] ?? 0, cost: cost.toDecimalString() },
      }
    }
  })

  for (let round = 1; candidates.length > 0; round++) {
    // Doubles pick the few candidates whose load is within a hair of the lowest; only those are compared
    // exactly. A double load here is a sum of positive terms, so its relative error is far below WINDOW.
    const approx = candidates.map((p) => {
      const a = approvals[p] ?? 0
      return a === 0 ? Infinity : ((approxLoadOf[p] ?? 0) + (costApprox[p] ?? 0)) / a
    })
    const lowest = Math.min(...approx)
    // undefined stands for +∞, the load of a project nobody approves.
    let bestLoad: Load | undefined
    let ties: number[] = []
    candidates.forEach((p, i) => {
      if ((approx[i] ?? Infinity) > lowest * (1 + WINDOW)) return
      const a = approvals[p] ?? 0
      const cost = costs[p] ?? Rational.ZERO
      // (Σ loads / denominator + cost) / a as one fraction, unreduced.
      const load: Load | undefined =
        a === 0
          ? undefined
          : {
              num: currentLoadNum(p) * cost.den + cost.num * denominator,
              den: denominator * cost.den * BigInt(a),
              scale: cost.den * BigInt(a),
            }
      const order = compareLoads(load, bestLoad, ties.length === 0)
      if (order < 0) {
        bestLoad = load
        ties = [p]
      } else if (order === 0) ties.push(p)
    })
    ties.sort(tieBreak)
    const blocker = ties.find((p) => spent.add(costs[p] ?? Rational.ZERO).gt(B))
    if (blocker !== undefined) {
      const blockerId = projectIds[blocker] ?? ''
      for (const p of candidates) {
        const id = projectIds[p] ?? ''
        const cost = costs[p] ?? Rational.ZERO
        explanations[id] = {
          selected: false,
          reason: p === blocker ? 'over-budget' : 'stopped',
          stage: 'phragmen',
          message:
            p === blocker
              ? `${id} was next in round ${round} but costs ${cost.toDecimalString()} with only ${B.sub(spent).toDecimalString()} left, so counting stopped.`
              : `Counting stopped in round ${round} at ${blockerId}, which did not fit, before ${id} was reached.`,
          parts: [
            p === blocker
              ? {
                  key: 'phragmen.overBudget',
                  params: {
                    project: id,
                    round,
                    cost: cost.toDecimalString(),
                    remaining: B.sub(spent).toDecimalString(),
                  },
                }
              : { key: 'phragmen.stopped', params: { project: id, round, blocker: blockerId } },
          ],
          details: { votes: approvals[p] ?? 0, cost: cost.toDecimalString(), round, blockedBy: blockerId },
        }
      }
      break
    }
    const winner = ties[0]
    if (winner === undefined) break
    const won: Load | undefined = bestLoad
    const best = won === undefined ? undefined : Rational.of(won.num, won.den)
    const id = projectIds[winner] ?? ''
    const cost = costs[winner] ?? Rational.ZERO
    explanations[id] = {
      selected: true,
      reason: 'funded',
      stage: 'phragmen',
      message:
        best === undefined
          ? `${id} was funded in round ${round}: nobody voted for it, but everything more popular was funded and it fitted.`
          : `${id} was funded in round ${round}: its ${approvals[winner] ?? 0} supporters share its cost and end with a load of ${best.toDecimalString(2)} each, the lowest on offer.`,
      parts: [
        best === undefined
          ? { key: 'phragmen.fundedUnsupported', params: { project: id, round } }
          : {
              key: 'phragmen.funded',
              params: { project: id, round, count: approvals[winner] ?? 0, load: best.toDecimalString(2) },
            },
      ],
      details: {
        votes: approvals[winner] ?? 0,
        cost: cost.toDecimalString(),
        round,
        load: best?.toString() ?? 'infinity',
      },
    }
    if (best !== undefined && won !== undefined) {
      const r = roundLoadNum.length
      for (let i = 0; i < r; i++) roundLoadNum[i] = (roundLoadNum[i] ?? 0n) * won.scale
      roundLoadNum.push(won.num)
      denominator = won.den
      roundApprox.push(best.toNumber())
      const load = roundApprox[r] ?? 0
      const approvers = supporters[winner]
      if (approvers !== undefined)
        spreadLoad(approvers, r, load, loadRound, roundApprox, groupWeight, ballots, approxLoadOf)
      if (weightByRound.length < roundLoadNum.length) {
        const grown = new Float64Array(roundLoadNum.length * 2)
        grown.set(weightByRound)
        weightByRound = grown
      }
    }
    selected.push(winner)
    spent = spent.add(cost)
    candidates = candidates.filter((p) => p !== winner)
  }

  // Σ weight·load over p's approvers, times `denominator`.
  function currentLoadNum(p: number): bigint {
    const touched: number[] = []
    for (const g of supporters[p] ?? []) {
      const r = loadRound[g] ?? -1
      if (r < 0) continue
      if (weightByRound[r] === 0) touched.push(r)
      weightByRound[r] = (weightByRound[r] ?? 0) + (groups[g]?.weight ?? 0)
    }
    let total = 0n
    for (const r of touched) {
      total += (roundLoadNum[r] ?? 0n) * BigInt(weightByRound[r] ?? 0)
      weightByRound[r] = 0
    }
    return total
  }

  return {
    rule: 'phragmen',
    selected: selected.map((p) => projectIds[p] ?? ''),
    budget: B,
    spent: costOf(election, selected),
    explanations,
    parameters: { tieBreaking },
  }
}

const WINDOW = 1e-9

/**
 * The hot loop (every approver's ballot, every round): the winner's approvers now carry round r's load, so every
 * project on their ballots gains weight × (new load − old load). A small function of typed arrays on its own, so
 * the engine optimises it at once instead of running the first rounds of a cold count in the interpreter.
 */
function spreadLoad(
  approvers: Int32Array,
  r: number,
  load: number,
  loadRound: Int32Array,
  roundApprox: readonly number[],
  groupWeight: Float64Array,
  ballots: readonly Int32Array[],
  approxLoadOf: Float64Array,
): void {
  for (let j = 0; j < approvers.length; j++) {
    const g = approvers[j] as number
    const before = loadRound[g] as number
    const delta = (groupWeight[g] as number) * (load - (before < 0 ? 0 : (roundApprox[before] as number)))
    const ballot = ballots[g] as Int32Array
    for (let i = 0; i < ballot.length; i++) {
      const q = ballot[i] as number
      approxLoadOf[q] = (approxLoadOf[q] as number) + delta
    }
    loadRound[g] = r
  }
}

/** A load as an unreduced fraction num/den (den > 0); den = the common denominator × scale. */
interface Load {
  readonly num: bigint
  readonly den: bigint
  readonly scale: bigint
}

// Orders a candidate load against the best so far; `noBest` means nothing has been seen yet.
function compareLoads(load: Load | undefined, best: Load | undefined, noBest: boolean): number {
  if (noBest) return -1
  if (load === undefined) return best === undefined ? 0 : 1
  if (best === undefined) return -1
  const left = load.num * best.den
  const right = best.num * load.den
  return left < right ? -1 : left > right ? 1 : 0
}
