import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import './accounts.tables.js'

type Db = Kysely<Database>

/** What the account itself holds about a person: profile and roles (never the password hash or 2FA secret). */
export async function exportAccountsPersonalData(db: Db, userId: number): Promise<Record<string, unknown>> {
  const u = await db
    .selectFrom('accounts_user')
    .select([
      'id',
      'email',
      'name',
      'postcode',
      'home_ward_id',
      'totp_enabled',
      'is_disabled',
      'created_at',
      'updated_at',
      'preferred_language',
    ])
    .where('id', '=', userId)
    .executeTakeFirst()
  const grants = await db
    .selectFrom('accounts_role_grant as g')
    .leftJoin('tenancy_ward as w', 'w.id', 'g.ward_id')
    .select(['g.role', 'g.created_at', 'w.name as ward_name'])
    .where('g.user_id', '=', userId)
    .orderBy('g.id')
    .execute()
  const resets = await db
    .selectFrom('accounts_password_reset')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow()
  return {
    account: u
      ? {
          reference: Number(u.id),
          email: u.email,
          name: u.name,
          postcode: u.postcode,
          homeWardId: u.home_ward_id === null ? null : Number(u.home_ward_id),
          secondFactorOn: Number(u.totp_enabled) === 1,
          disabled: Number(u.is_disabled) === 1,
          createdAt: u.created_at,
          updatedAt: u.updated_at,
          emailLanguage: u.preferred_language ?? null,
        }
      : null,
    roles: grants.map((g) => ({ role: g.role, ward: g.ward_name ?? null, grantedAt: g.created_at })),
    passwordResetRequests: Number(resets.n),
  }
}

/**
 * Erases the account in place: the row stays as a tombstone (other records point at it and counts must hold),
 * but every detail that identifies the person goes, and it can never be signed in to again. Roles and password
 * reset tokens are deleted. Sessions are ended by the caller after the transaction commits.
 */
export async function eraseAccountsPersonalData(trx: Db, userId: number, now: Date): Promise<Record<string, number>> {
  const grants = await trx.deleteFrom('accounts_role_grant').where('user_id', '=', userId).executeTakeFirst()
  const resets = await trx.deleteFrom('accounts_password_reset').where('user_id', '=', userId).executeTakeFirst()
  const scrubbed = await trx
    .updateTable('accounts_user')
    .set({
      email: `erased-${userId}@erased.invalid`,
      name: ERASED_NAME,
      postcode: '',
      home_ward_id: null,
      // Not a scrypt hash, so no password ever verifies against it.
      password_hash: '!erased',
      totp_secret: null,
      totp_enabled: 0,
      totp_last_step: null,
      is_disabled: 1,
      preferred_language: null,
      updated_at: now.toISOString(),
    })
    .where('id', '=', userId)
    .executeTakeFirst()
  return {
    accountsScrubbed: Number(scrubbed.numUpdatedRows),
    roleGrantsDeleted: Number(grants.numDeletedRows),
    passwordResetsDeleted: Number(resets.numDeletedRows),
  }
}

/** The name an erased account shows wherever its (anonymised) contributions are listed. */
export const ERASED_NAME = 'Deleted account'

/** Retention: password reset records (used or expired) older than the cutoff are deleted. */
export async function purgeAccountsExpired(
  trx: Db,
  cutoffs: { passwordResetsBefore: string },
): Promise<Record<string, number>> {
  const r = await trx
    .deleteFrom('accounts_password_reset')
    .where('created_at', '<', cutoffs.passwordResetsBefore)
    .executeTakeFirst()
  return { passwordResetsDeleted: Number(r.numDeletedRows) }
}
