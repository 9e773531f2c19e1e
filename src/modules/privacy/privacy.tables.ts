import type { Generated } from 'kysely'
import type { IsoTime } from '../../platform/db/index.js'
import type { ErasureStatus } from './privacy.rules.js'

/**
 * A request to erase a person's data. It holds the account number only (no name or address: after erasure that
 * number points at a tombstone), when it is due, and afterwards what was done, as counts.
 */
export interface PrivacyErasureRequestTable {
  id: Generated<number>
  user_id: number
  status: ErasureStatus
  requested_at: IsoTime
  due_at: IsoTime
  processed_at: IsoTime | null
  /** Staff who carried it out early; null when the scheduled purge did, or while pending. */
  processed_by_user_id: number | null
  cancelled_at: IsoTime | null
  /** JSON object of counts per kind of record erased or anonymised. */
  outcome_json: string | null
}

declare module '../../platform/db/schema.js' {
  interface Database {
    privacy_erasure_request: PrivacyErasureRequestTable
  }
}
