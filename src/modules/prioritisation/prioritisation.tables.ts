import type { Generated } from 'kysely'
import type { Flag, IsoTime } from '../../platform/db/index.js'

export type BallotType = 'approval' | 'basket' | 'ranking' | 'cumulative'
export type RoundStatus = 'draft' | 'open' | 'closed'
export type OptionStatus = 'proposed' | 'accepted' | 'rejected'

/**
 * A priority round. Everything that decides the outcome (ballot type, limits, budget, rule, options) is
 * editable only while `status` is `draft`: opening freezes it, and the repository refuses later edits.
 */
export interface PrioritisationRoundTable {
  id: Generated<number>
  ward_id: number
  title: string
  description: string
  status: RoundStatus
  ballot_type: BallotType
  rule_id: string
  budget_pence: number
  /** Approval and basket: fewest and most options a ballot may choose (0 = no limit for max). */
  min_choices: number
  max_choices: number
  /** Ranking: how many places a ballot ranks (top k). */
  rank_k: number
  /** Cumulative: points each voter shares out. */
  points_total: number
  /** greedy-threshold: the fewest votes (points) an option needs; null for other rules. */
  min_votes: number | null
  /** Voters may replace their ballot until the round closes. */
  allow_change: Flag
  /** Voters declare they are at least this old (0 = no age limit). */
  min_age: number
  /** A draft round that residents may propose options for. */
  proposals_open: Flag
  /** The pooled fund the budget comes from (its winners are allocated from it at close); null: no fund. */
  fund_id: number | null
  /** When the winners were allocated from that fund through the ledger. */
  fund_allocated_at: IsoTime | null
  is_demo: Flag
  /** The anonymised ballots as written at close (Pabulib), and the count of exactly that text. */
  ballots_pb: string | null
  result_json: string | null
  opened_at: IsoTime | null
  closed_at: IsoTime | null
  created_by_user_id: number | null
  created_at: IsoTime
  updated_at: IsoTime
}

export interface PrioritisationOptionTable {
  id: Generated<number>
  round_id: number
  title: string
  description: string
  theme: string
  place: string
  cost_pence: number
  is_demo: Flag
  created_at: IsoTime
  /** The understanding need this option answers, if it came from one. */
  need_id: number | null
  /** `proposed` by a resident and waiting for officers, `accepted` (on the ballot) or `rejected`. */
  status: OptionStatus
  proposed_by_user_id: number | null
  /** Why officers rejected a proposal; the proposer sees it. */
  decision_reason: string | null
  decided_by_user_id: number | null
  decided_at: IsoTime | null
}

/**
 * One anonymous ballot. No voter id, no channel and no timestamp: nothing here can be joined to the
 * register. The key is random (SQLite table WITHOUT ROWID) so storage order does not reveal voting order.
 */
export interface PrioritisationBallotTable {
  id: string
  round_id: number
  /** JSON: option ids in ballot order (ranking: first preference first); cumulative: [[optionId, points], …]. */
  choices_json: string
  /** Only in rounds that allow a change: HMAC(SECRET_KEY, the register's token hash), unique. */
  replace_hash: string | null
}

/**
 * Who has voted in a round (never how). `person_key` is `user:<id>` for account holders and
 * `paper:<name_key>` for paper voters without an account; the primary key (round_id, person_key) is the
 * one-person-one-ballot constraint. `name_key` (SHA-256 of normalised name and postcode) lets officers check
 * that a paper voter has not voted online, and the other way round.
 */
export interface PrioritisationVotedTable {
  round_id: number
  person_key: string
  user_id: number | null
  name_key: string
  channel: 'online' | 'paper'
  /** SHA-256 of a per-voter random token; only when the round allows changing a ballot. */
  token_hash: string | null
  entered_by_user_id: number | null
  voted_at: IsoTime
}

declare module '../../platform/db/schema.js' {
  interface Database {
    prioritisation_round: PrioritisationRoundTable
    prioritisation_option: PrioritisationOptionTable
    prioritisation_ballot: PrioritisationBallotTable
    prioritisation_voted: PrioritisationVotedTable
  }
}
