import type { Generated } from 'kysely'
import type { Flag, IsoTime } from '../../platform/db/index.js'

/**
 * A service being delivered: a commissioned contract (process_id), a funded priority (priority_option_id), or a
 * parent that groups children (Decidim's results tree). Its status and progress are worked out from milestones,
 * KPIs and returns; `state` holds only what an officer decides (not started, active, completed, cancelled).
 */
export interface DeliveryServiceTable {
  id: Generated<number>
  ward_id: number
  parent_id: number | null
  title: string
  description: string
  /** The directory organisation that delivers it and may submit its returns (none for a grouping parent). */
  provider_organisation_id: number | null
  process_id: number | null
  priority_option_id: number | null
  /** The ledger commitment reference the contract's money moves under (spend is read from the ledger). */
  commitment_ref: string | null
  /** The engagement theme's slug the money was ring-fenced to, when known. */
  theme: string | null
  /** How much this service counts in its parent's progress. */
  weight: number
  state: string
  start_on: string
  end_on: string
  period_months: number
  due_after_days: number
  grace_days: number
  is_demo: Flag
  created_by_user_id: number | null
  created_at: IsoTime
}

export interface DeliveryMilestoneTable {
  id: Generated<number>
  service_id: number
  title: string
  due_on: string
  done_on: string | null
  weight: number
  position: number
}

export interface DeliveryKpiTable {
  id: Generated<number>
  service_id: number
  name: string
  unit: string
  target: number
  /** 'higher' or 'lower' is better. */
  direction: string
  position: number
}

/** One reporting period's return from the provider; one per service and period. */
export interface DeliveryReturnTable {
  id: Generated<number>
  service_id: number
  ward_id: number
  period_index: number
  period_start: string
  period_end: string
  due_on: string
  state: string
  narrative: string
  submitted_at: IsoTime | null
  submitted_by_user_id: number | null
  reviewed_at: IsoTime | null
  reviewed_by_user_id: number | null
  review_comment: string | null
  created_at: IsoTime
  updated_at: IsoTime
}

export interface DeliveryReturnKpiTable {
  return_id: number
  kpi_id: number
  value: number
}

/** A milestone the provider reports done in a return; applied to the milestone when an officer accepts it. */
export interface DeliveryReturnMilestoneTable {
  return_id: number
  milestone_id: number
  done_on: string
}

/** Every review decision, kept (the return row holds only the latest): the audit trail of reviews. */
export interface DeliveryReviewTable {
  id: Generated<number>
  return_id: number
  decision: string
  comment: string
  reviewer_user_id: number | null
  created_at: IsoTime
}

/** One rating per person per service (changed by rating again). */
export interface DeliveryRatingTable {
  id: Generated<number>
  service_id: number
  ward_id: number
  user_id: number
  stars: number
  comment: string
  /** The person asked to get short follow-up surveys about this service. */
  wants_surveys: Flag
  hidden_at: IsoTime | null
  hidden_reason: string | null
  hidden_by_user_id: number | null
  created_at: IsoTime
  updated_at: IsoTime
}

export interface DeliveryRatingReportTable {
  id: Generated<number>
  rating_id: number
  ward_id: number
  reporter_user_id: number
  reason: string
  created_at: IsoTime
  resolved_at: IsoTime | null
}

/** A follow-up survey round sent to the people who asked to hear about a service. */
export interface DeliverySurveyTable {
  id: Generated<number>
  service_id: number
  ward_id: number
  sent_by_user_id: number | null
  recipients: number
  created_at: IsoTime
}

declare module '../../platform/db/schema.js' {
  interface Database {
    delivery_service: DeliveryServiceTable
    delivery_milestone: DeliveryMilestoneTable
    delivery_kpi: DeliveryKpiTable
    delivery_return: DeliveryReturnTable
    delivery_return_kpi: DeliveryReturnKpiTable
    delivery_return_milestone: DeliveryReturnMilestoneTable
    delivery_review: DeliveryReviewTable
    delivery_rating: DeliveryRatingTable
    delivery_rating_report: DeliveryRatingReportTable
    delivery_survey: DeliverySurveyTable
  }
}
