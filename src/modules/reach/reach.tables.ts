import type { Generated } from 'kysely'
import type { Flag, IsoTime } from '../../platform/db/index.js'

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
  venue_id: number | null
  status: Generated<PlanStatus>
  people_reached: number | null
  responses_collected: number | null
  result_notes: string | null
  result_by_user_id: number | null
  result_at: IsoTime | null
  is_demo: Generated<Flag>
}

export type PlanStatus = 'planned' | 'done' | 'cancelled'

/** A place in the ward an officer keeps for outreach: placed in an LSOA and output area from its postcode. */
export interface ReachVenueTable {
  id: Generated<number>
  ward_id: number
  name: string
  address: string
  postcode: string | null
  lsoa_code: string | null
  oa_code: string | null
  accessibility: string
  notes: string
  is_demo: Generated<Flag>
  created_by_user_id: number | null
  created_at: IsoTime
  updated_at: IsoTime
}

/** Who an outreach plan is assigned to (ward volunteers and officers). */
export interface ReachPlanAssigneeTable {
  plan_id: number
  user_id: number
}

export type EiaSubjectKind = 'consultation' | 'priority_round' | 'service'
export type EiaStatus = 'draft' | 'signed_off'
export type EiaImpact = 'positive' | 'neutral' | 'negative' | 'unknown'

/** An Equality Impact Assessment of a consultation, priority round or service. */
export interface ReachEiaTable {
  id: Generated<number>
  ward_id: number
  subject_kind: EiaSubjectKind
  subject_id: number
  subject_label: string
  summary: string
  status: EiaStatus
  is_demo: Generated<Flag>
  created_by_user_id: number | null
  created_at: IsoTime
  updated_by_user_id: number | null
  updated_at: IsoTime
  signed_off_by_user_id: number | null
  signed_off_at: IsoTime | null
}

/** One protected characteristic's assessment within an EIA. */
export interface ReachEiaImpactTable {
  eia_id: number
  /** A code from the Equality Act 2010's nine (shared data `equality/protected_characteristics_equality_act_2010.json`). */
  characteristic: string
  impact: EiaImpact
  evidence: string
  /** The disclosure-controlled reach figures for the characteristic when the EIA was saved (JSON), if any. */
  reach_evidence_json: string | null
  mitigation: string
}

export interface ReachEiaEventTable {
  id: Generated<number>
  eia_id: number
  action: 'created' | 'updated' | 'signed_off'
  user_id: number | null
  at: IsoTime
}

declare module '../../platform/db/schema.js' {
  interface Database {
    reach_outreach_plan: ReachOutreachPlanTable
    reach_venue: ReachVenueTable
    reach_plan_assignee: ReachPlanAssigneeTable
    reach_eia: ReachEiaTable
    reach_eia_impact: ReachEiaImpactTable
    reach_eia_event: ReachEiaEventTable
  }
}
