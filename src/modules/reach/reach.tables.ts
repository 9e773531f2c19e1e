import type { Generated } from 'kysely'
import type { IsoTime } from '../../platform/db/index.js'

/**
 * An outreach plan made from a gap on "where to go next". Engagement's events record what was held (with the
 * people spoken to), so a plan for the future lives here until it happens and is recorded there.
 */
export interface ReachOutreachPlanTable {
  id: Generated<number>
  ward_id: number
  target_kind: 'area' | 'group'
  /** Area code or `characteristic:category`. */
  target_key: string
  target_label: string
  place: string
  planned_on: string
  assigned_to: string
  notes: string
  created_by_user_id: number | null
  created_at: IsoTime
}

declare module '../../platform/db/schema.js' {
  interface Database {
    reach_outreach_plan: ReachOutreachPlanTable
  }
}
