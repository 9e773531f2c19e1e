import { CountingError } from './errors.js'
import { Rational } from './rational.js'

/**
 * How ballots express preferences. Pabulib's `choose-1` is an approval ballot with one project, exactly as
 * pabutools treats it, so it maps to `approval`.
 */
export type BallotKind = 'approval' | 'cumulative' | 'ordinal' | 'scoring'

export interface ElectionProject {
  readonly id: string
  readonly cost: Rational
}

export interface ElectionBallot {
  /** Approval: a set (order ignored, duplicates collapse). Ordinal: most preferred first. */
  readonly projectIds: readonly string[]
  /** Cumulative and scoring ballots: points parallel to `projectIds`. */
  readonly points?: readonly Rational[]
}

/** Everything a counting rule needs, free of any file format or storage concern. */
export interface ElectionInput {
  readonly budget: Rational
  readonly projects: readonly ElectionProject[]
  readonly ballotKind: BallotKind
  /** One entry per voter, empty ballots included: they still dilute the MES endowment (notes §6.4). */
  readonly ballots: readonly ElectionBallot[]
  /**
   * Ordinal ballots: rank r (0 = first) is worth `ordinalLength − r` points, so a top-3 ballot scores
   * 3/2/1 as in Kraków (notes §3). Defaults to the longest ranking in the profile.
   */
  readonly ordinalLength?: number
  /** Scoring ballots: points for every project a voter does not list. */
  readonly defaultScore?: Rational
  /** The election's published minimum score (Pabulib `min_project_score_threshold`), if any. */
  readonly scoreThreshold?: Rational
}

/** Voters with identical approval sets merged into one weighted ballot ("multiprofile", notes §1.4). */
export interface BallotGroup {
  readonly projects: Int32Array
  readonly weight: number
}

/**
 * A compiled election: projects by index, per-project totals and grouped approval sets. Build it once with
 * `compileElection` and pass it to any rule.
 */
export interface Election {
  readonly budget: Rational
  readonly ballotKind: BallotKind
  readonly projectIds: readonly string[]
  readonly costs: readonly Rational[]
  readonly indexOf: ReadonlyMap<string, number>
  /** n: the number of ballots, empty ones included. */
  readonly voterCount: number
  /** A(p): ballots that list p (for ordinal and cumulative ballots too, as in Cost_Sat, notes §2). */
  readonly approvals: readonly number[]
  /** Total points: approvals for approval ballots, points for cumulative/scoring, positional for ordinal. */
  readonly scores: readonly Rational[]
  readonly groups: readonly BallotGroup[]
  /** For each project, the indices of the groups whose ballot lists it. */
  readonly supporters: readonly Int32Array[]
  readonly scoreThreshold?: Rational
}

/**
 * Validates the input and precomputes what the rules share. Throws `CountingError` for unknown or duplicate
 * project ids, negative costs or points, and points that do not match the ballot kind.
 */
export function compileElection(input: ElectionInput): Election {
  if (input.budget.sign() < 0) invalid('the budget is negative')
  const projectIds: string[] = []
  const costs: Rational[] = []
  const indexOf = new Map<string, number>()
  for (const project of input.projects) {
    if (indexOf.has(project.id)) {
      throw new CountingError('PRIORITISATION_DUPLICATE_PROJECT', `project ${project.id} is listed twice`)
    }
    if (project.cost.sign() < 0) invalid(`project ${project.id} has a negative cost`)
    indexOf.set(project.id, projectIds.length)
    projectIds.push(project.id)
    costs.push(project.cost)
  }
  const p = projectIds.length
  const approvals = new Array<number>(p).fill(0)
  const pointTotals = new Array<Rational>(p).fill(Rational.ZERO)
  const listedCount = new Array<number>(p).fill(0)
  const ordinalLength =
    input.ordinalLength ?? input.ballots.reduce((longest, ballot) => Math.max(longest, ballot.projectIds.length), 0)
  const groupIndex = new Map<string, number>()
  const groupProjects: Int32Array[] = []
  const groupWeights: number[] = []
  const seen = new Int32Array(p).fill(-1)

  input.ballots.forEach((ballot, ballotNo) => {
    const needsPoints = input.ballotKind === 'cumulative' || input.ballotKind === 'scoring'
    if (needsPoints && ballot.points?.length !== ballot.projectIds.length) {
      invalid(`ballot ${ballotNo + 1} needs one points value per listed project`)
    }
    if (!needsPoints && ballot.points !== undefined) {
      invalid(`ballot ${ballotNo + 1} has points, which ${input.ballotKind} ballots do not use`)
    }
    const members: number[] = []
    ballot.projectIds.forEach((id, position) => {
      const index = indexOf.get(id)
      if (index === undefined) {
        throw new CountingError('PRIORITISATION_UNKNOWN_PROJECT', `ballot ${ballotNo + 1} names unknown project ${id}`)
      }
      let points: Rational
      if (needsPoints) {
        points = ballot.points?.[position] ?? Rational.ZERO
        if (points.sign() < 0) invalid(`ballot ${ballotNo + 1} gives negative points to project ${id}`)
      } else if (input.ballotKind === 'ordinal') {
        points = Rational.of(Math.max(0, ordinalLength - position))
      } else {
        points = Rational.ONE
      }
      if (seen[index] === ballotNo) {
        // A repeated id adds points on cumulative ballots; on sets and rankings the first mention counts.
        if (input.ballotKind === 'cumulative' || input.ballotKind === 'scoring') {
          pointTotals[index] = (pointTotals[index] ?? Rational.ZERO).add(points)
        }
        return
      }
      seen[index] = ballotNo
      members.push(index)
      approvals[index] = (approvals[index] ?? 0) + 1
      listedCount[index] = (listedCount[index] ?? 0) + 1
      pointTotals[index] = (pointTotals[index] ?? Rational.ZERO).add(points)
    })
    members.sort((a, b) => a - b)
    const key = members.join(',')
    const existing = groupIndex.get(key)
    if (existing === undefined) {
      groupIndex.set(key, groupProjects.length)
      groupProjects.push(Int32Array.from(members))
      groupWeights.push(1)
    } else {
      groupWeights[existing] = (groupWeights[existing] ?? 0) + 1
    }
  })

  const voterCount = input.ballots.length
  let scores: Rational[]
  switch (input.ballotKind) {
    case 'approval':
      scores = approvals.map((a) => Rational.of(a))
      break
    case 'cumulative':
    case 'ordinal':
      scores = pointTotals
      break
    case 'scoring': {
      const defaultScore = input.defaultScore ?? Rational.ZERO
      scores = pointTotals.map((total, i) => total.add(defaultScore.mulInt(voterCount - (listedCount[i] ?? 0))))
      break
    }
    default: {
      const unreachable: never = input.ballotKind
      throw new CountingError('PRIORITISATION_UNSUPPORTED_BALLOT', `unknown ballot kind ${String(unreachable)}`)
    }
  }

  const supporterLists: number[][] = Array.from({ length: p }, () => [])
  groupProjects.forEach((members, g) => {
    for (const index of members) supporterLists[index]?.push(g)
  })
  const groups = groupProjects.map((projects, g) => ({ projects, weight: groupWeights[g] ?? 0 }))
  return {
    budget: input.budget,
    ballotKind: input.ballotKind,
    projectIds,
    costs,
    indexOf,
    voterCount,
    approvals,
    scores,
    groups,
    supporters: supporterLists.map((list) => Int32Array.from(list)),
    ...(input.scoreThreshold === undefined ? {} : { scoreThreshold: input.scoreThreshold }),
  }
}

function invalid(message: string): never {
  throw new CountingError('PRIORITISATION_INVALID_INPUT', message)
}

/** Total cost of the given project indices. */
export function costOf(election: Election, indices: Iterable<number>): Rational {
  let total = Rational.ZERO
  for (const i of indices) total = total.add(election.costs[i] ?? Rational.ZERO)
  return total
}
