/** Staff roles are granted per ward (admin: per council). Every registered person is also a resident. */
export const STAFF_ROLES = ['volunteer', 'officer', 'panel_member', 'provider', 'budget_partner', 'admin'] as const
export type StaffRole = (typeof STAFF_ROLES)[number]
export type Role = 'resident' | StaffRole

export function isStaffRole(v: string): v is StaffRole {
  return (STAFF_ROLES as readonly string[]).includes(v)
}

export interface RoleGrant {
  id: number
  role: StaffRole
  councilId: number
  /** null: the whole council (used for admins). */
  wardId: number | null
}

export type Actor =
  | { kind: 'anonymous' }
  | {
      kind: 'user'
      userId: number
      name: string
      email: string
      homeWardId: number | null
      grants: RoleGrant[]
      /** The second factor was checked in this session (or waived for a demo account in demo mode). */
      mfaVerified: boolean
    }

export const ANONYMOUS: Actor = { kind: 'anonymous' }

export function hasAnyStaffRole(actor: Actor): boolean {
  return actor.kind === 'user' && actor.grants.length > 0
}
