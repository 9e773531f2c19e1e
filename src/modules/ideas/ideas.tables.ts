import type { Generated } from 'kysely'
import type { Flag, IsoTime } from '../../platform/db/index.js'

export type IdeaStatus = 'new' | 'under_consideration' | 'taken_forward' | 'not_taken_forward'

/** An idea or a problem a resident raised, with a theme and a place (postcode). */
export interface IdeasIdeaTable {
  id: Generated<number>
  ward_id: number
  author_user_id: number
  kind: 'idea' | 'problem'
  title: string
  body: string
  theme_id: number
  postcode: string
  status: IdeaStatus
  /** The officer's public reason for the status (required for "not taken forward"). */
  status_reason: string | null
  /** Hidden by a moderator: not shown publicly; the author still sees it with the reason. */
  hidden_at: IsoTime | null
  hidden_reason: string | null
  hidden_by_user_id: number | null
  is_demo: Flag
  created_at: IsoTime
}

/** One support per person per idea: the primary key is the rule. */
export interface IdeasSupportTable {
  idea_id: number
  user_id: number
  ward_id: number
  created_at: IsoTime
}

export interface IdeasCommentTable {
  id: Generated<number>
  ward_id: number
  idea_id: number
  author_user_id: number
  body: string
  /** 1: an officer's public reply on behalf of the programme. */
  is_official: Flag
  hidden_at: IsoTime | null
  hidden_reason: string | null
  hidden_by_user_id: number | null
  created_at: IsoTime
}

/** Someone signed in asked a moderator to look at an idea or a comment. */
export interface IdeasReportTable {
  id: Generated<number>
  ward_id: number
  idea_id: number
  comment_id: number | null
  reporter_user_id: number
  reason: string
  created_at: IsoTime
  resolved_at: IsoTime | null
}

declare module '../../platform/db/schema.js' {
  interface Database {
    ideas_idea: IdeasIdeaTable
    ideas_support: IdeasSupportTable
    ideas_comment: IdeasCommentTable
    ideas_report: IdeasReportTable
  }
}
