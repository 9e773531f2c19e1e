import type { Generated } from 'kysely'
import type { Flag, IsoTime } from '../../platform/db/index.js'

/** A theme residents' views are grouped under; the tenant's starting themes are seeded per ward, officers add more. */
export interface EngagementThemeTable {
  id: Generated<number>
  ward_id: number
  slug: string
  name: string
  description: string
  created_at: IsoTime
}

export interface EngagementConsultationTable {
  id: Generated<number>
  ward_id: number
  title: string
  summary: string
  status: 'draft' | 'open' | 'closed'
  /** 1: people may answer without an account (their postcode is still asked, to place the answer). */
  allow_anonymous: Flag
  /** JSON array of theme ids. */
  theme_ids_json: string
  is_demo: Flag
  created_by_user_id: number | null
  created_at: IsoTime
  opened_at: IsoTime | null
  closed_at: IsoTime | null
}

export interface EngagementQuestionTable {
  id: Generated<number>
  ward_id: number
  consultation_id: number
  position: number
  kind: 'short_text' | 'long_text' | 'single' | 'multiple' | 'rating' | 'ranking' | 'themes' | 'postcode' | 'place'
  prompt: string
  hint: string
  required: Flag
  /** JSON array of option labels (choice questions). */
  options_json: string
  theme_id: number | null
}

/** An outreach event: where, when, who ran it and how many people were spoken to. */
export interface EngagementEventTable {
  id: Generated<number>
  ward_id: number
  name: string
  place: string
  postcode: string | null
  held_on: string
  run_by: string
  people_spoken_to: number
  is_demo: Flag
  created_by_user_id: number | null
  created_at: IsoTime
}

export interface EngagementResponseTable {
  id: Generated<number>
  ward_id: number
  consultation_id: number
  /** One per form shown (or CSV row): a replay stores nothing new. */
  submission_key: string
  channel: 'online' | 'paper' | 'event' | 'phone' | 'doorstep' | 'assisted'
  postcode: string | null
  /** LSOA the postcode falls in (nearest output area centroid), for reach. */
  area_code: string | null
  respondent_user_id: number | null
  entered_by_user_id: number | null
  event_id: number | null
  responded_on: string
  is_demo: Flag
  created_at: IsoTime
}

export interface EngagementAnswerTable {
  id: Generated<number>
  ward_id: number
  response_id: number
  question_id: number
  /** Text, a choice label, a rating, a postcode, or a JSON array for multiple choices and themes. */
  value: string
}

/** Save and come back: a signed-in resident's unfinished answers. */
export interface EngagementDraftTable {
  user_id: number
  consultation_id: number
  ward_id: number
  answers_json: string
  updated_at: IsoTime
}

/**
 * Equality monitoring answers. Deliberately no user, response or consultation-answer link: a random pseudonym,
 * the ward and the consultation only, and the day (not the time) it was given, so a row cannot be matched back to
 * a response by timestamp. Read only by the aggregate counts (engagement.equality.ts), never row by row.
 */
export interface EngagementEqualityTable {
  id: Generated<number>
  ward_id: number
  consultation_id: number
  pseudonym: string
  submission_key: string
  age_band: string | null
  sex: string | null
  gender_identity: string | null
  sexual_orientation: string | null
  ethnic_group: string | null
  religion: string | null
  disability: string | null
  carer: string | null
  is_demo: Flag
  consented_on: string
}

/**
 * Another wording of a question: a translation (variant = a language code such as `pl`) or the easy-read version
 * (variant `easy`). Answers are always stored against the original wording (option labels of the original).
 */
export interface EngagementQuestionWordingTable {
  id: Generated<number>
  ward_id: number
  consultation_id: number
  question_id: number
  variant: string
  prompt: string
  hint: string
  /** JSON array of option labels, in the original's order (same length), or [] to keep the original labels. */
  options_json: string
  updated_at: IsoTime
}

declare module '../../platform/db/schema.js' {
  interface Database {
    engagement_theme: EngagementThemeTable
    engagement_consultation: EngagementConsultationTable
    engagement_question: EngagementQuestionTable
    engagement_event: EngagementEventTable
    engagement_response: EngagementResponseTable
    engagement_answer: EngagementAnswerTable
    engagement_draft: EngagementDraftTable
    engagement_equality: EngagementEqualityTable
    engagement_question_wording: EngagementQuestionWordingTable
  }
}
