import type { Election } from './election.js'

/**
 * Tie-breaking keys, applied in order, the project id always last:
 * - `id`: smaller project id first, compared as strings (`"10"` before `"9"`), pabutools' default;
 * - `more-support`: more ballots listing the project first;
 * - `lower-cost` / `higher-cost`: cheaper / dearer project first.
 *
 * The default is `['id']`, which reproduces the reference implementation; the notes (§4.1) suggest
 * `['more-support', 'lower-cost', 'id']` for new rounds, which a round can choose and must publish.
 */
export type TieBreakKey = 'id' | 'more-support' | 'lower-cost' | 'higher-cost'

export const DEFAULT_TIE_BREAKING: readonly TieBreakKey[] = ['id']

export const TIE_BREAK_KEYS: readonly TieBreakKey[] = ['id', 'more-support', 'lower-cost', 'higher-cost']

/** Comparator over project indices: negative when `a` wins the tie. Total, because ids are unique. */
export function makeTieBreaker(election: Election, keys: readonly TieBreakKey[] = DEFAULT_TIE_BREAKING) {
  const ids = election.projectIds
  const compareIds = (a: number, b: number): number => {
    const x = ids[a] ?? ''
    const y = ids[b] ?? ''
    return x < y ? -1 : x > y ? 1 : 0
  }
  const comparators = keys.map((key): ((a: number, b: number) => number) => {
    switch (key) {
      case 'id':
        return compareIds
      case 'more-support':
        return (a, b) => (election.approvals[b] ?? 0) - (election.approvals[a] ?? 0)
      case 'lower-cost':
        return (a, b) => cost(election, a).compare(cost(election, b))
      case 'higher-cost':
        return (a, b) => cost(election, b).compare(cost(election, a))
      default: {
        const unreachable: never = key
        throw new Error(`unknown tie-breaking key ${String(unreachable)}`)
      }
    }
  })
  comparators.push(compareIds)
  return (a: number, b: number): number => {
    for (const compare of comparators) {
      const c = compare(a, b)
      if (c !== 0) return c
    }
    return 0
  }
}

function cost(election: Election, index: number) {
  const c = election.costs[index]
  if (c === undefined) throw new RangeError(`no project at index ${index}`)
  return c
}
