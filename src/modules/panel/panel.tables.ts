import type { Generated } from 'kysely'
import type { Flag, IsoTime } from '../../platform/db/index.js'

/** The ward's panel set-up: size, household rule and the quota table (JSON of `Quota[]`). */
export interface PanelSettingsTable {
  ward_id: number
  k: number
  one_per_household: Flag
  quotas_json: string
  updated_by_user_id: number | null
  updated_at: IsoTime
}

/**
 * One pool member. The feature columns are special category data kept only for selection: they are read by the
 * selection service and the officer's selection screens, and blanked when the person withdraws.
 */
export interface PanelVolunteerTable {
  id: Generated<number>
  ward_id: number
  /** Random id shown on selection screens and in the audit log instead of a name. */
  pseudonym: string
  /** null for people imported from a CSV pool (no account here). */
  user_id: number | null
  source: 'self' | 'import'
  /** The reference an officer's CSV gave this person (to find them in their own records). */
  external_ref: string | null
  age_band: string
  sex: string
  ethnic_group: string
  disability: string
  tenure: string
  area: string
  /** Household key (postcode for residents who volunteer here), used only when the ward asks one per household. */
  household: string | null
  status: 'active' | 'withdrawn'
  consent_at: IsoTime
  created_at: IsoTime
  updated_at: IsoTime
}

/** One LEXIMIN run (initial or replacement) with everything needed to re-check it, and its draw once made. */
export interface PanelRunTable {
  id: Generated<number>
  ward_id: number
  kind: 'initial' | 'replacement'
  method: 'leximin'
  k: number
  n: number
  /** The instance exactly as solved: categories, quotas, respondents (pseudonyms and features), k. */
  instance_json: string
  one_per_household: Flag
  /** LEXIMIN lottery over compositions (see selection/types.ts). */
  distribution_json: string
  /** [pseudonym, probability] pairs in pool order. */
  probabilities_json: string
  probabilities_hash: string
  min_probability: number
  legacy_min_probability: number | null
  legacy_probabilities_json: string | null
  leximin_ms: number
  seed: string | null
  panel_json: string | null
  drawn_at: IsoTime | null
  drawn_by_user_id: number | null
  created_by_user_id: number | null
  created_at: IsoTime
}

export interface PanelMemberTable {
  id: Generated<number>
  ward_id: number
  volunteer_id: number
  run_id: number
  status: 'invited' | 'accepted' | 'declined'
  interests: string
  responded_at: IsoTime | null
  created_at: IsoTime
}

declare module '../../platform/db/schema.js' {
  interface Database {
    panel_settings: PanelSettingsTable
    panel_volunteer: PanelVolunteerTable
    panel_run: PanelRunTable
    panel_member: PanelMemberTable
  }
}
