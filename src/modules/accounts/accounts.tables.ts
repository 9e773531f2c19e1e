import type { Generated } from 'kysely'
import type { Flag, IsoTime } from '../../platform/db/index.js'
import type { StaffRole } from '../../platform/access/index.js'

export interface AccountsUserTable {
  id: Generated<number>
  /** Lower-cased; unique. */
  email: string
  name: string
  postcode: string
  home_ward_id: number | null
  password_hash: string
  totp_secret: string | null
  totp_enabled: Flag
  totp_last_step: number | null
  is_demo: Flag
  is_disabled: Flag
  created_at: IsoTime
  updated_at: IsoTime
  /** The language the person's emails are written in (a tenant language code); null: the tenant's first. */
  preferred_language?: string | null
}

export interface AccountsRoleGrantTable {
  id: Generated<number>
  user_id: number
  council_id: number
  ward_id: number | null
  role: StaffRole
  granted_by_user_id: number | null
  created_at: IsoTime
}

export interface AccountsPasswordResetTable {
  id: Generated<number>
  user_id: number
  token_hash: string
  expires_at: IsoTime
  used_at: IsoTime | null
  created_at: IsoTime
}

declare module '../../platform/db/schema.js' {
  interface Database {
    accounts_user: AccountsUserTable
    accounts_role_grant: AccountsRoleGrantTable
    accounts_password_reset: AccountsPasswordResetTable
  }
}
