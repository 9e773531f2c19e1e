import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import type { RoleGrant, StaffRole } from '../../platform/access/index.js'
import './accounts.tables.js'

export interface UserRecord {
  id: number
  email: string
  name: string
  postcode: string
  homeWardId: number | null
  passwordHash: string
  totpSecret: string | null
  totpEnabled: boolean
  totpLastStep: number | null
  isDemo: boolean
  isDisabled: boolean
  createdAt: string
}

type Row = Database['accounts_user'] extends infer T ? { [K in keyof T]: unknown } : never

function toUser(r: Row): UserRecord {
  return {
    id: Number(r.id),
    email: String(r.email),
    name: String(r.name),
    postcode: String(r.postcode),
    homeWardId: r.home_ward_id === null ? null : Number(r.home_ward_id),
    passwordHash: String(r.password_hash),
    totpSecret: r.totp_secret === null ? null : String(r.totp_secret),
    totpEnabled: Number(r.totp_enabled) === 1,
    totpLastStep: r.totp_last_step === null ? null : Number(r.totp_last_step),
    isDemo: Number(r.is_demo) === 1,
    isDisabled: Number(r.is_disabled) === 1,
    createdAt: String(r.created_at),
  }
}

export async function findUserByEmail(db: Kysely<Database>, email: string): Promise<UserRecord | undefined> {
  const r = await db.selectFrom('accounts_user').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst()
  return r ? toUser(r) : undefined
}

export async function findUserById(db: Kysely<Database>, id: number): Promise<UserRecord | undefined> {
  const r = await db.selectFrom('accounts_user').selectAll().where('id', '=', id).executeTakeFirst()
  return r ? toUser(r) : undefined
}

export interface NewUser {
  email: string
  name: string
  postcode: string
  homeWardId: number | null
  passwordHash: string
  isDemo?: boolean
}

/** Returns undefined when the email is taken (the unique index decides, not a prior read). */
export async function insertUser(db: Kysely<Database>, u: NewUser): Promise<number | undefined> {
  const now = new Date().toISOString()
  try {
    const r = await db
      .insertInto('accounts_user')
      .values({
        email: u.email.toLowerCase(),
        name: u.name,
        postcode: u.postcode,
        home_ward_id: u.homeWardId,
        password_hash: u.passwordHash,
        totp_secret: null,
        totp_enabled: 0,
        totp_last_step: null,
        is_demo: u.isDemo ? 1 : 0,
        is_disabled: 0,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    return Number(r.id)
  } catch (e) {
    if (isUniqueViolation(e)) return undefined
    throw e
  }
}

export function isUniqueViolation(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false
  const code = (e as { code?: unknown }).code
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
}

export async function updateUser(
  db: Kysely<Database>,
  id: number,
  patch: Partial<{
    name: string
    postcode: string
    homeWardId: number | null
    passwordHash: string
    totpSecret: string | null
    totpEnabled: boolean
    totpLastStep: number | null
    isDisabled: boolean
  }>,
): Promise<void> {
  const set: Record<string, unknown> = { updated_at: new Date().toISOString() }
  if (patch.name !== undefined) set.name = patch.name
  if (patch.postcode !== undefined) set.postcode = patch.postcode
  if (patch.homeWardId !== undefined) set.home_ward_id = patch.homeWardId
  if (patch.passwordHash !== undefined) set.password_hash = patch.passwordHash
  if (patch.totpSecret !== undefined) set.totp_secret = patch.totpSecret
  if (patch.totpEnabled !== undefined) set.totp_enabled = patch.totpEnabled ? 1 : 0
  if (patch.totpLastStep !== undefined) set.totp_last_step = patch.totpLastStep
  if (patch.isDisabled !== undefined) set.is_disabled = patch.isDisabled ? 1 : 0
  await db.updateTable('accounts_user').set(set).where('id', '=', id).execute()
}

/** Records a used TOTP step only if it is newer than the last one: two racing sign-ins cannot both use a code. */
export async function claimTotpStep(db: Kysely<Database>, id: number, step: number): Promise<boolean> {
  const r = await db
    .updateTable('accounts_user')
    .set({ totp_last_step: step })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
    .executeTakeFirst()
  return Number(r.numUpdatedRows) === 1
}

export async function listGrants(db: Kysely<Database>, userId: number): Promise<RoleGrant[]> {
  const rows = await db
    .selectFrom('accounts_role_grant')
    .select(['id', 'role', 'council_id', 'ward_id'])
    .where('user_id', '=', userId)
    .orderBy('id')
    .execute()
  return rows.map((r) => ({
    id: Number(r.id),
    role: r.role,
    councilId: Number(r.council_id),
    wardId: r.ward_id === null ? null : Number(r.ward_id),
  }))
}

export async function insertGrant(
  db: Kysely<Database>,
  g: { userId: number; councilId: number; wardId: number | null; role: StaffRole; grantedBy: number | null },
): Promise<number> {
  const r = await db
    .insertInto('accounts_role_grant')
    .values({
      user_id: g.userId,
      council_id: g.councilId,
      ward_id: g.wardId,
      role: g.role,
      granted_by_user_id: g.grantedBy,
      created_at: new Date().toISOString(),
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return Number(r.id)
}

export async function deleteGrant(db: Kysely<Database>, userId: number, grantId: number): Promise<boolean> {
  const r = await db
    .deleteFrom('accounts_role_grant')
    .where('id', '=', grantId)
    .where('user_id', '=', userId)
    .executeTakeFirst()
  return Number(r.numDeletedRows) === 1
}

export interface UserSummary {
  id: number
  name: string
  email: string
  postcode: string
  homeWardId: number | null
  isDisabled: boolean
}

export async function searchUsers(db: Kysely<Database>, query: string, limit: number): Promise<UserSummary[]> {
  let q = db
    .selectFrom('accounts_user')
    .select(['id', 'name', 'email', 'postcode', 'home_ward_id', 'is_disabled'])
    .orderBy('name')
    .limit(limit)
  const term = query.trim().toLowerCase()
  if (term) {
    const like = `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
    q = q.where((eb) => eb.or([eb(eb.fn('lower', ['name']), 'like', like), eb('email', 'like', like)]))
  }
  return (await q.execute()).map((r) => ({
    id: Number(r.id),
    name: r.name,
    email: r.email,
    postcode: r.postcode,
    homeWardId: r.home_ward_id === null ? null : Number(r.home_ward_id),
    isDisabled: Number(r.is_disabled) === 1,
  }))
}

export async function listWardTeam(
  db: Kysely<Database>,
  wardId: number,
  councilId: number,
): Promise<{ userId: number; name: string; role: StaffRole; councilWide: boolean }[]> {
  const rows = await db
    .selectFrom('accounts_role_grant as g')
    .innerJoin('accounts_user as u', 'u.id', 'g.user_id')
    .select(['u.id', 'u.name', 'g.role', 'g.ward_id'])
    .where('g.council_id', '=', councilId)
    .where((eb) => eb.or([eb('g.ward_id', '=', wardId), eb('g.ward_id', 'is', null)]))
    .where('u.is_disabled', '=', 0)
    .orderBy('g.role')
    .orderBy('u.name')
    .execute()
  return rows.map((r) => ({ userId: Number(r.id), name: r.name, role: r.role, councilWide: r.ward_id === null }))
}

export async function insertPasswordReset(
  db: Kysely<Database>,
  userId: number,
  tokenHash: string,
  expiresAt: string,
): Promise<void> {
  await db
    .insertInto('accounts_password_reset')
    .values({
      user_id: userId,
      token_hash: tokenHash,
      expires_at: expiresAt,
      used_at: null,
      created_at: new Date().toISOString(),
    })
    .execute()
}

export async function findPasswordReset(
  db: Kysely<Database>,
  tokenHash: string,
): Promise<{ id: number; userId: number; expiresAt: string; usedAt: string | null } | undefined> {
  const r = await db
    .selectFrom('accounts_password_reset')
    .select(['id', 'user_id', 'expires_at', 'used_at'])
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst()
  return r ? { id: Number(r.id), userId: Number(r.user_id), expiresAt: r.expires_at, usedAt: r.used_at } : undefined
}

/** Marks a reset link used; false if another request used it first (single use under concurrency). */
export async function consumePasswordReset(db: Kysely<Database>, id: number): Promise<boolean> {
  const r = await db
    .updateTable('accounts_password_reset')
    .set({ used_at: new Date().toISOString() })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .executeTakeFirst()
  return Number(r.numUpdatedRows) === 1
}

export async function countUsers(db: Kysely<Database>): Promise<number> {
  const r = await db
    .selectFrom('accounts_user')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  return Number(r.n)
}

/** The language a person chose for their emails, or null when they never chose (callers fall back to the tenant's). */
export async function findPreferredLanguage(db: Kysely<Database>, userId: number): Promise<string | null> {
  const r = await db
    .selectFrom('accounts_user')
    .select('preferred_language')
    .where('id', '=', userId)
    .executeTakeFirst()
  return r?.preferred_language ?? null
}

/** Remembers the language of a person's emails (the caller checks it is one the tenant offers). */
export async function setPreferredLanguage(db: Kysely<Database>, userId: number, language: string): Promise<void> {
  await db.updateTable('accounts_user').set({ preferred_language: language }).where('id', '=', userId).execute()
}
