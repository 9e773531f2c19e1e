import type { Generated } from 'kysely'
import type { Flag, IsoTime } from '../../platform/db/index.js'

/** A partner organisation that can pledge to a ward's fund (council department, NHS, police, …). */
export interface LedgerPartnerTable {
  id: Generated<number>
  ward_id: number
  name: string
  kind: string
  created_at: IsoTime
}

/** Which people speak for a partner (a budget partner sees its own money's detail through this link). */
export interface LedgerPartnerUserTable {
  partner_id: number
  user_id: number
  created_at: IsoTime
}

/** A ward's pooled fund for one financial year; its row is also the lock every money movement takes. */
export interface LedgerFundTable {
  id: Generated<number>
  ward_id: number
  financial_year: string
  name: string
  created_at: IsoTime
}

/** A partner's promise with its conditions; the money itself lives in postings. Append-only. */
export interface LedgerPledgeTable {
  id: Generated<number>
  fund_id: number
  partner_id: number
  amount_pence: number
  themes_json: string
  expires_on: string | null
  approval_required: Flag
  note: string
  created_at: IsoTime
}

/** A partner's approval of the use of its pledge (its own row, so pledges are never updated). */
export interface LedgerPledgeApprovalTable {
  pledge_id: number
  approved_by_user_id: number | null
  created_at: IsoTime
}

/** One money-moving request: its idempotency key, the hash of its body and what it returned. Append-only. */
export interface LedgerTransactionTable {
  id: Generated<number>
  fund_id: number
  kind: string
  idempotency_key: string
  request_hash: string
  result_json: string
  memo: string
  reverses_transaction_id: number | null
  created_by_user_id: number | null
  created_at: IsoTime
}

/** One line of a transaction; a transaction's lines sum to zero. Append-only. */
export interface LedgerPostingTable {
  id: Generated<number>
  transaction_id: number
  fund_id: number
  account: string
  pledge_id: number
  theme: string | null
  purpose: string | null
  commitment_ref: string | null
  amount_pence: number
}

declare module '../../platform/db/schema.js' {
  interface Database {
    ledger_partner: LedgerPartnerTable
    ledger_partner_user: LedgerPartnerUserTable
    ledger_fund: LedgerFundTable
    ledger_pledge: LedgerPledgeTable
    ledger_pledge_approval: LedgerPledgeApprovalTable
    ledger_transaction: LedgerTransactionTable
    ledger_posting: LedgerPostingTable
  }
}
