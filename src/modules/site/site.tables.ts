import type { Generated } from 'kysely'
import type { IsoTime } from '../../platform/db/index.js'

export interface SiteFeedbackTable {
  id: Generated<number>
  ward_id: number
  user_id: number | null
  /** One per form shown: a double submission of the same form stores one row. */
  submission_key: string
  rating: string
  comments: string
  created_at: IsoTime
}

declare module '../../platform/db/schema.js' {
  interface Database {
    site_feedback: SiteFeedbackTable
  }
}
