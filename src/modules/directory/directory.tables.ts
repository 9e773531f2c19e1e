import type { Generated } from 'kysely'
import type { Flag, IsoTime } from '../../platform/db/index.js'

/** An organisation that runs services in a ward; `uuid` is its public (Open Referral) identifier. */
export interface DirectoryOrganisationTable {
  id: Generated<number>
  uuid: string
  ward_id: number
  name: string
  kind: string
  description: string
  website: string
  email: string
  /** Registered charity number (org-id GB-CHC), or ''. */
  charity_number: string
  /** Companies House number (org-id GB-COH), or ''. */
  company_number: string
  is_demo: Flag
  created_at: IsoTime
  updated_at: IsoTime
}

/** Which providers manage which organisation (a provider edits only its own organisation's services). */
export interface DirectoryOrgUserTable {
  organisation_id: number
  user_id: number
  created_at: IsoTime
}

export interface DirectoryServiceTable {
  id: Generated<number>
  uuid: string
  organisation_id: number
  ward_id: number
  name: string
  description: string
  status: string
  themes_json: string
  location_name: string
  address: string
  postcode: string
  /** RFC 5545 day codes (MO..SU) as JSON. */
  days_json: string
  opens_at: string
  closes_at: string
  min_age: number | null
  max_age: number | null
  /** null: free. */
  cost_pence: number | null
  languages_json: string
  accessibility: string
  email: string
  url: string
  created_at: IsoTime
  updated_at: IsoTime
}

declare module '../../platform/db/schema.js' {
  interface Database {
    directory_organisation: DirectoryOrganisationTable
    directory_org_user: DirectoryOrgUserTable
    directory_service: DirectoryServiceTable
  }
}
