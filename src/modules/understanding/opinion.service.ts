/**
 * The published view of opinion statements: every count goes through the reach capability's disclosure control
 * (under 10 hidden, the rest rounded to 5, with secondary suppression), and shares are worked out from published
 * counts only, so no figure on the page can be traced back to a handful of people.
 */
import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import { disclose } from '../reach/index.js'
import { analyseOpinions, type VoteValue } from './opinion.rules.js'
import { listStatements, listVotes, type Statement } from './understanding.repository.js'

type Db = Kysely<Database>

/** Fixed so the same votes always give the same groups. */
export const OPINION_SEED = 20261127

export interface PublishedCell {
  agree: number | null
  disagree: number | null
  pass: number | null
  /** Everyone who voted on it (agree + disagree + pass), published on its own. */
  total: number | null
  /** Agree as a whole percentage of the total, from the two published figures; null when either is hidden. */
  agreePercent: number | null
}

export interface OpinionView {
  statements: (Statement & { mine: VoteValue | null; overall: PublishedCell; byGroup: PublishedCell[] })[]
  voters: number | null
  placed: number | null
  /** Group letters and their published sizes. */
  groups: { label: string; size: number | null }[]
  uniting: number[]
  dividing: number[]
}

const letter = (i: number) => String.fromCharCode(65 + i)

function publish(t: { agree: number; disagree: number; pass: number }): PublishedCell {
  // The three answers add up to the total, so they are published as a set (secondary suppression). The share uses
  // the agree count and the total, each published on its own: both are rounded to 5, so a hidden cell of the set
  // cannot be worked out exactly from them.
  const [agree = null, disagree = null, pass = null] = disclose([t.agree, t.disagree, t.pass])
  const [total = null] = disclose([t.agree + t.disagree + t.pass])
  const [agreeAlone = null] = disclose([t.agree])
  const agreePercent = agreeAlone !== null && total ? Math.min(100, Math.round((100 * agreeAlone) / total)) : null
  return { agree, disagree, pass, total, agreePercent }
}

/** Statements that are published or closed (closed ones keep their results but take no more votes). */
export const isShown = (s: Statement) => s.status === 'published' || s.status === 'closed'

export async function opinionView(db: Db, wardId: number, voterKey: string | null): Promise<OpinionView> {
  const [all, votes] = await Promise.all([listStatements(db, wardId), listVotes(db, wardId)])
  const shown = all.filter(isShown)
  const shownIds = new Set(shown.map((s) => s.id))
  const counted = votes.filter((v) => shownIds.has(v.statementId))
  const analysis = analyseOpinions(
    counted.map((v) => ({ voter: v.voterKey, statementId: v.statementId, vote: v.vote })),
    shown.map((s) => s.id),
    OPINION_SEED,
  )
  const sizes = Array.from({ length: analysis.groups }, (_, g) => analysis.groupOf.filter((x) => x === g).length)
  const publishedSizes = disclose(sizes)
  const mine = new Map(counted.filter((v) => v.voterKey === voterKey).map((v) => [v.statementId, v.vote]))
  const tally = new Map(analysis.tallies.map((t) => [t.statementId, t]))
  return {
    statements: shown.map((s) => {
      const t = tally.get(s.id)
      return {
        ...s,
        mine: mine.get(s.id) ?? null,
        overall: publish(t?.overall ?? { agree: 0, disagree: 0, pass: 0 }),
        byGroup: (t?.byGroup ?? []).map(publish),
      }
    }),
    voters: disclose([new Set(counted.map((v) => v.voterKey)).size])[0] ?? null,
    placed: disclose([analysis.placed])[0] ?? null,
    groups: publishedSizes.map((size, g) => ({ label: letter(g), size })),
    uniting: analysis.uniting,
    dividing: analysis.dividing,
  }
}
