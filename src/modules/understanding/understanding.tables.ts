import type { Generated } from 'kysely'
import type { Flag, IsoTime } from '../../platform/db/index.js'

/**
 * The ward's coding frame. Top-level rows mirror the engagement themes (engagement_theme_id); officers add
 * sub-themes and new themes here. Merged and split themes are kept (status) so old codes and history still read.
 */
export interface UnderstandingThemeTable {
  id: Generated<number>
  ward_id: number
  engagement_theme_id: number | null
  parent_id: number | null
  name: string
  definition: string
  examples: string
  status: 'active' | 'merged' | 'split'
  /** JSON array of theme ids this one became (merge target, or the split's new themes). */
  replaced_by_json: string
  created_at: IsoTime
}

/** Append-only history of the frame: created, edited, merged, split, accepted from an emerging theme. */
export interface UnderstandingThemeEventTable {
  id: Generated<number>
  ward_id: number
  theme_id: number
  action: 'created' | 'edited' | 'merged' | 'split' | 'accepted'
  detail_json: string
  by_user_id: number | null
  at: IsoTime
}

/** Answers that do not come from a consultation: the demo coding set (and, later, imported texts). */
export interface UnderstandingTextTable {
  id: Generated<number>
  ward_id: number
  body: string
  area_code: string | null
  is_demo: Flag
  created_at: IsoTime
}

/** One officer's coding of one text ("answer:12" or "text:3"): the themes chosen, or "other" (none fits). */
export interface UnderstandingCodingTable {
  id: Generated<number>
  ward_id: number
  item_ref: string
  coder_user_id: number
  theme_ids_json: string
  is_other: Flag
  coded_at: IsoTime
}

/** The last trained suggestion model per ward, with its held-out evaluation. */
export interface UnderstandingModelTable {
  ward_id: number
  trained_at: IsoTime
  trained_on: number
  held_out: number
  /** TF-IDF vocabulary and idf, theme ids, weights and biases. */
  model_json: string
  evaluation_json: string
}

/** A candidate theme proposed by clustering; an officer accepts, merges or dismisses it. */
export interface UnderstandingCandidateTable {
  id: Generated<number>
  ward_id: number
  run_at: IsoTime
  seed: number
  key_phrases_json: string
  quote_refs_json: string
  item_refs_json: string
  size: number
  status: 'open' | 'accepted' | 'merged' | 'dismissed'
  theme_id: number | null
  decided_by_user_id: number | null
}

export interface UnderstandingNeedTable {
  id: Generated<number>
  ward_id: number
  statement: string
  theme_id: number | null
  created_by_user_id: number | null
  created_at: IsoTime
}

export interface UnderstandingEvidenceTable {
  need_id: number
  ward_id: number
  item_ref: string
  added_by_user_id: number | null
  added_at: IsoTime
}

/**
 * A short opinion statement residents vote on (Pol.is style). Officers draw them from the conversation (then
 * `source_ref` points at the answer it came from) or approve residents' proposals; only published ones are shown.
 */
export interface UnderstandingStatementTable {
  id: Generated<number>
  ward_id: number
  body: string
  origin: 'officer' | 'resident'
  source_ref: string | null
  status: 'pending' | 'published' | 'rejected' | 'closed'
  proposed_by_user_id: number | null
  decided_by_user_id: number | null
  is_demo: Flag
  created_at: IsoTime
  decided_at: IsoTime | null
}

/**
 * One vote per person per statement, changeable. `voter_key` is "user:<id>" for a signed-in person; demo votes
 * seeded for the demonstration use "demo:<n>" and is_demo = 1, so they are never mistaken for real people.
 */
export interface UnderstandingVoteTable {
  statement_id: number
  ward_id: number
  voter_key: string
  vote: 'agree' | 'disagree' | 'pass'
  is_demo: Flag
  voted_at: IsoTime
}

declare module '../../platform/db/schema.js' {
  interface Database {
    understanding_theme: UnderstandingThemeTable
    understanding_theme_event: UnderstandingThemeEventTable
    understanding_text: UnderstandingTextTable
    understanding_coding: UnderstandingCodingTable
    understanding_model: UnderstandingModelTable
    understanding_candidate: UnderstandingCandidateTable
    understanding_need: UnderstandingNeedTable
    understanding_evidence: UnderstandingEvidenceTable
    understanding_statement: UnderstandingStatementTable
    understanding_vote: UnderstandingVoteTable
  }
}
