import type { Actor, RoleGrant, StaffRole } from './roles.js'

/** The ward a request is about, when it is about one. */
export interface WardScope {
  id: number
  councilId: number
  isActive: boolean
}

export interface AccessContext {
  ward?: WardScope
}

export type Denial = 'signed_out' | 'forbidden' | 'mfa_required'
export type Decision = { allowed: true } | { allowed: false; reason: Denial }

/**
 * A rule says who may do something. Rules are data plus a pure function, so the authorisation matrix
 * test and the route guard evaluate exactly the same thing.
 */
export type Rule =
  | { kind: 'public' }
  | { kind: 'signed_in' }
  /** Staff with one of these roles in the request's ward (or council-wide); needs the second factor. */
  | { kind: 'ward_role'; roles: StaffRole[] }
  /** Staff with one of these roles in any ward of the council; needs the second factor. */
  | { kind: 'any_role'; roles: StaffRole[] }
  /** Council-wide admin; needs the second factor. */
  | { kind: 'admin' }

const registry = new Map<string, Rule>()

/** Modules declare their permissions once; declaring one twice is a boot error, not a silent override. */
export function definePermissions(perms: Record<string, Rule>): void {
  for (const [name, rule] of Object.entries(perms)) {
    if (registry.has(name) && JSON.stringify(registry.get(name)) !== JSON.stringify(rule)) {
      throw new Error(`permission ${name} is declared twice with different rules`)
    }
    registry.set(name, rule)
  }
}

export function getRule(permission: string): Rule | undefined {
  return registry.get(permission)
}

function grantCovers(g: RoleGrant, ward: WardScope | undefined): boolean {
  if (!ward) return false
  if (g.councilId !== ward.councilId) return false
  return g.wardId === null || g.wardId === ward.id
}

export function evaluateRule(rule: Rule, actor: Actor, ctx: AccessContext): Decision {
  if (rule.kind === 'public') return { allowed: true }
  if (actor.kind === 'anonymous') return { allowed: false, reason: 'signed_out' }
  if (rule.kind === 'signed_in') return { allowed: true }
  let held: boolean
  switch (rule.kind) {
    case 'ward_role':
      held = actor.grants.some((g) => rule.roles.includes(g.role) && grantCovers(g, ctx.ward))
      break
    case 'any_role':
      held = actor.grants.some((g) => rule.roles.includes(g.role))
      break
    case 'admin':
      held = actor.grants.some((g) => g.role === 'admin' && g.wardId === null)
      break
    default: {
      const never: never = rule
      throw new Error(`unknown rule ${JSON.stringify(never)}`)
    }
  }
  if (!held) return { allowed: false, reason: 'forbidden' }
  if (!actor.mfaVerified) return { allowed: false, reason: 'mfa_required' }
  return { allowed: true }
}

/** The one authorisation check: unknown permissions are denied (deny by default). */
export function authorize(actor: Actor, permission: string, ctx: AccessContext = {}): Decision {
  const rule = registry.get(permission)
  if (!rule) return { allowed: false, reason: actor.kind === 'anonymous' ? 'signed_out' : 'forbidden' }
  return evaluateRule(rule, actor, ctx)
}
