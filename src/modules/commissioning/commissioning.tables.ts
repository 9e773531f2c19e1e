import type { Generated } from 'kysely'
import type { Flag, IsoTime } from '../../platform/db/index.js'

/**
 * One commissioning process: where it came from, the fund money it may draw on, and (once published)
 * the opportunity, its award and its stage. Evaluation criteria are a JSON list of {key, title, weight}.
 */
export interface CommissioningProcessTable {
  id: Generated<number>
  ward_id: number
  title: string
  source_kind: 'need' | 'priority'
  source_text: string
  priority_option_id: number | null
  fund_id: number
  pledge_id: number
  theme: string
  purpose: string
  opportunity_kind: 'contract' | 'grant' | null
  procedure: 'open' | 'invited' | null
  invited_json: string
  deadline: IsoTime | null
  criteria_json: string
  published_at: IsoTime | null
  award_bid_id: number | null
  award_reason: string
  award_proposed_by: number | null
  award_proposed_at: IsoTime | null
  award_approved_by: number | null
  award_approved_at: IsoTime | null
  is_demo: Flag
  created_by_user_id: number | null
  created_at: IsoTime
  /** Set on a lot: the opportunity it belongs to (lots are processes with their own bids and award). */
  parent_id: number | null
  lot_number: number | null
}

/** Each save of the specification is a new row; rows are never changed. */
export interface CommissioningSpecVersionTable {
  id: Generated<number>
  process_id: number
  version: number
  title: string
  outcomes: string
  kpis_json: string
  budget_pence: number
  duration_months: number
  equality_impact: string
  author_user_id: number | null
  created_at: IsoTime
}

export interface CommissioningCommentTable {
  id: Generated<number>
  process_id: number
  version: number
  author_user_id: number | null
  body: string
  created_at: IsoTime
}

/** A provider's question; the answer is published to everyone once given (the asker is never shown). */
export interface CommissioningClarificationTable {
  id: Generated<number>
  process_id: number
  organisation_id: number
  question: string
  answer: string | null
  answered_at: IsoTime | null
  created_at: IsoTime
}

/** One bid per organisation per process, editable until the deadline. */
export interface CommissioningBidTable {
  id: Generated<number>
  process_id: number
  organisation_id: number
  answers_json: string
  price_pence: number
  submitted_by_user_id: number | null
  created_at: IsoTime
  updated_at: IsoTime
}

/** One evaluator's independent score for one criterion of one bid. */
export interface CommissioningScoreTable {
  bid_id: number
  scorer_user_id: number
  criterion: string
  score: number
  reason: string
  created_at: IsoTime
}

/** The moderation meeting's agreed score for one criterion of one bid. */
export interface CommissioningModerationTable {
  bid_id: number
  criterion: string
  score: number
  reason: string
  moderated_by_user_id: number | null
  created_at: IsoTime
}

/** A declared conflict of interest: this evaluator may not see or score this organisation's bid. */
export interface CommissioningConflictTable {
  process_id: number
  user_id: number
  organisation_id: number
  reason: string
  created_at: IsoTime
}

/** The contract (or grant agreement) with its milestones, KPIs and payment schedule. */
export interface CommissioningContractTable {
  process_id: number
  bid_id: number
  value_pence: number
  start_date: string
  end_date: string
  milestones_json: string
  kpis_json: string
  schedule_json: string
  commitment_ref: string
  ledger_commitment_transaction_id: number
  created_by_user_id: number | null
  created_at: IsoTime
}

/** A payment of one instalment; the money itself lives in the ledger. */
export interface CommissioningPaymentTable {
  process_id: number
  instalment: number
  amount_pence: number
  ledger_transaction_id: number
  paid_by_user_id: number | null
  created_at: IsoTime
}

/** A supporting document of a bid; the file itself is in the platform's stored_file. */
export interface CommissioningBidDocumentTable {
  file_id: number
  bid_id: number
  removed_at: IsoTime | null
  created_at: IsoTime
}

declare module '../../platform/db/schema.js' {
  interface Database {
    commissioning_process: CommissioningProcessTable
    commissioning_spec_version: CommissioningSpecVersionTable
    commissioning_comment: CommissioningCommentTable
    commissioning_clarification: CommissioningClarificationTable
    commissioning_bid: CommissioningBidTable
    commissioning_score: CommissioningScoreTable
    commissioning_moderation: CommissioningModerationTable
    commissioning_conflict: CommissioningConflictTable
    commissioning_contract: CommissioningContractTable
    commissioning_payment: CommissioningPaymentTable
    commissioning_bid_document: CommissioningBidDocumentTable
  }
}
