import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import type { Actor, StaffRole } from '../../platform/access/index.js'
import type { AuditLog } from '../../platform/audit/index.js'
import type { Mailer } from '../../platform/mail/mail.js'
import {
  dummyPasswordHash,
  generateTotpSecret,
  hashPassword,
  passwordProblem,
  randomToken,
  sha256Hex,
  verifyPassword,
  verifyTotp,
} from '../../platform/security/index.js'
import {
  claimTotpStep,
  consumePasswordReset,
  deleteGrant,
  findPasswordReset,
  findUserByEmail,
  findUserById,
  insertGrant,
  insertPasswordReset,
  insertUser,
  listGrants,
  updateUser,
  type UserRecord,
} from './accounts.repository.js'

export interface AccountsDeps {
  db: Kysely<Database>
  audit: AuditLog
  mailer: Mailer
  passwordLog2N: number
  demoMode: boolean
  publicUrl: string
  serviceName: string
  /** Translates messages sent outside a request (emails), in the council's first language. */
  translate: (key: string, vars?: Record<string, string>) => string
  lookupPostcode: (
    input: string,
  ) => Promise<{ ok: true; postcode: string; wardId: number | null } | { ok: false; reason: 'invalid' }>
  now?: () => Date
}

export type FieldErrors = Record<string, string>
export type Result<T> = ({ ok: true } & T) | { ok: false; errors: FieldErrors }

const RESET_TTL_MS = 60 * 60 * 1000

export interface AccountsService {
  register(input: {
    fullName: string
    email: string
    postcode: string
    password: string
    passwordConfirm: string
  }): Promise<Result<{ userId: number }>>
  authenticate(
    email: string,
    password: string,
  ): Promise<{ kind: 'ok'; user: UserRecord; secondFactor: 'none' | 'required' } | { kind: 'failed' }>
  checkSecondFactor(userId: number, code: string): Promise<boolean>
  /** A fresh secret for enrolment; nothing is stored until the person proves they hold it. */
  newTotpSecret(): string
  confirmTotpSetup(userId: number, secret: string, code: string): Promise<boolean>
  requestPasswordReset(email: string): Promise<void>
  findValidReset(token: string): Promise<{ userId: number } | undefined>
  resetPassword(token: string, password: string, confirm: string): Promise<Result<{ userId: number }>>
  resolveActor(userId: number, sessionMfa: boolean): Promise<Actor | undefined>
  grantRole(
    by: Actor,
    userId: number,
    grant: { councilId: number; wardId: number | null; role: StaffRole },
  ): Promise<Result<{ grantId: number }>>
  revokeRole(by: Actor, userId: number, grantId: number): Promise<boolean>
  getUser(userId: number): Promise<UserRecord | undefined>
}

function passwordErrors(password: string, confirm: string): FieldErrors {
  const problem = passwordProblem(password)
  if (problem === 'too_short') return { password: 'accounts.errors.passwordTooShort' }
  if (problem === 'too_long') return { password: 'accounts.errors.passwordTooLong' }
  if (problem === 'too_common') return { password: 'accounts.errors.passwordTooCommon' }
  if (password !== confirm) return { passwordConfirm: 'accounts.errors.passwordMismatch' }
  return {}
}

export function createAccountsService(deps: AccountsDeps): AccountsService {
  const { db, audit } = deps
  const now = deps.now ?? (() => new Date())

  return {
    async register(input) {
      const errors = passwordErrors(input.password, input.passwordConfirm)
      const place = await deps.lookupPostcode(input.postcode)
      if (!place.ok) errors.postcode = 'accounts.errors.postcodeFormat'
      if (Object.keys(errors).length > 0 || !place.ok) return { ok: false, errors }
      const passwordHash = await hashPassword(input.password, deps.passwordLog2N)
      const userId = await insertUser(db, {
        email: input.email,
        name: input.fullName,
        postcode: place.postcode,
        homeWardId: place.wardId,
        passwordHash,
      })
      if (userId === undefined) return { ok: false, errors: { email: 'accounts.errors.emailTaken' } }
      await audit.append({
        actorUserId: userId,
        actorLabel: `user:${userId}`,
        wardId: place.wardId,
        action: 'account.register',
        subject: `user:${userId}`,
        outcome: 'success',
      })
      return { ok: true, userId }
    },

    async authenticate(email, password) {
      const user = await findUserByEmail(db, email)
      // Verify against a dummy hash when there is no such user, so timing does not reveal who has an account.
      const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash(deps.passwordLog2N)))
      if (!user || !ok || user.isDisabled) {
        await audit.append({
          actorUserId: user?.id ?? null,
          actorLabel: user ? `user:${user.id}` : 'anonymous',
          wardId: null,
          action: 'account.sign-in',
          subject: user ? `user:${user.id}` : 'unknown-account',
          outcome: 'failure',
        })
        return { kind: 'failed' }
      }
      await audit.append({
        actorUserId: user.id,
        actorLabel: `user:${user.id}`,
        wardId: null,
        action: 'account.sign-in',
        subject: `user:${user.id}`,
        outcome: 'success',
      })
      return { kind: 'ok', user, secondFactor: user.totpEnabled ? 'required' : 'none' }
    },

    async checkSecondFactor(userId, code) {
      const user = await findUserById(db, userId)
      if (!user?.totpEnabled || !user.totpSecret) return false
      const step = verifyTotp(user.totpSecret, code, now(), user.totpLastStep)
      const ok = step !== null && (await claimTotpStep(db, userId, step))
      await audit.append({
        actorUserId: userId,
        actorLabel: `user:${userId}`,
        wardId: null,
        action: 'account.second-factor',
        subject: `user:${userId}`,
        outcome: ok ? 'success' : 'failure',
      })
      return ok
    },

    newTotpSecret: () => generateTotpSecret(),

    async confirmTotpSetup(userId, secret, code) {
      const user = await findUserById(db, userId)
      if (!user || user.totpEnabled || !/^[A-Z2-7]{32}$/.test(secret)) return false
      const step = verifyTotp(secret, code, now(), null)
      if (step === null) return false
      await updateUser(db, userId, { totpSecret: secret, totpEnabled: true, totpLastStep: step })
      await audit.append({
        actorUserId: userId,
        actorLabel: `user:${userId}`,
        wardId: null,
        action: 'account.second-factor.enrol',
        subject: `user:${userId}`,
        outcome: 'success',
      })
      return true
    },

    async requestPasswordReset(email) {
      const user = await findUserByEmail(db, email)
      if (!user || user.isDisabled) return
      const token = randomToken(32)
      await insertPasswordReset(db, user.id, sha256Hex(token), new Date(now().getTime() + RESET_TTL_MS).toISOString())
      await deps.mailer.send({
        to: user.email,
        subject: deps.translate('accounts.mail.resetSubject', { service: deps.serviceName }),
        body: deps.translate('accounts.mail.resetBody', { link: `${deps.publicUrl}/password-reset/${token}` }),
      })
      await audit.append({
        actorUserId: null,
        actorLabel: 'anonymous',
        wardId: null,
        action: 'account.password-reset.request',
        subject: `user:${user.id}`,
        outcome: 'success',
      })
    },

    async findValidReset(token) {
      if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return undefined
      const r = await findPasswordReset(db, sha256Hex(token))
      if (!r || r.usedAt || r.expiresAt < now().toISOString()) return undefined
      return { userId: r.userId }
    },

    async resetPassword(token, password, confirm) {
      const r = /^[A-Za-z0-9_-]{20,100}$/.test(token) ? await findPasswordReset(db, sha256Hex(token)) : undefined
      if (!r || r.usedAt || r.expiresAt < now().toISOString())
        return { ok: false, errors: { token: 'accounts.errors.resetLinkInvalid' } }
      const errors = passwordErrors(password, confirm)
      if (Object.keys(errors).length > 0) return { ok: false, errors }
      if (!(await consumePasswordReset(db, r.id)))
        return { ok: false, errors: { token: 'accounts.errors.resetLinkInvalid' } }
      await updateUser(db, r.userId, { passwordHash: await hashPassword(password, deps.passwordLog2N) })
      await audit.append({
        actorUserId: r.userId,
        actorLabel: `user:${r.userId}`,
        wardId: null,
        action: 'account.password-reset',
        subject: `user:${r.userId}`,
        outcome: 'success',
      })
      return { ok: true, userId: r.userId }
    },

    async resolveActor(userId, sessionMfa) {
      const user = await findUserById(db, userId)
      if (!user || user.isDisabled) return undefined
      const grants = await listGrants(db, userId)
      return {
        kind: 'user',
        userId: user.id,
        name: user.name,
        email: user.email,
        homeWardId: user.homeWardId,
        grants,
        // Demo accounts in demo mode skip the second factor so the pilot can be tried; production refuses demo mode.
        mfaVerified: sessionMfa || (deps.demoMode && user.isDemo),
      }
    },

    async grantRole(by, userId, grant): Promise<Result<{ grantId: number }>> {
      const user = await findUserById(db, userId)
      if (!user) return { ok: false, errors: { user: 'admin.errors.noSuchUser' } }
      if (grant.role === 'admin' && grant.wardId !== null)
        return { ok: false, errors: { wardCode: 'admin.errors.adminIsCouncilWide' } }
      if (grant.role !== 'admin' && grant.wardId === null)
        return { ok: false, errors: { wardCode: 'admin.errors.wardRequired' } }
      const existing = await listGrants(db, userId)
      if (existing.some((g) => g.role === grant.role && g.wardId === grant.wardId && g.councilId === grant.councilId)) {
        return { ok: false, errors: { role: 'admin.errors.alreadyHasRole' } }
      }
      const grantId = await insertGrant(db, {
        userId,
        councilId: grant.councilId,
        wardId: grant.wardId,
        role: grant.role,
        grantedBy: by.kind === 'user' ? by.userId : null,
      })
      await audit.append({
        actorUserId: by.kind === 'user' ? by.userId : null,
        actorLabel: by.kind === 'user' ? `user:${by.userId}` : 'system',
        wardId: grant.wardId,
        action: 'account.role.grant',
        subject: `user:${userId}`,
        outcome: 'success',
        detail: { role: grant.role },
      })
      return { ok: true, grantId }
    },

    async revokeRole(by, userId, grantId) {
      const grants = await listGrants(db, userId)
      const g = grants.find((x) => x.id === grantId)
      const ok = g !== undefined && (await deleteGrant(db, userId, grantId))
      await audit.append({
        actorUserId: by.kind === 'user' ? by.userId : null,
        actorLabel: by.kind === 'user' ? `user:${by.userId}` : 'system',
        wardId: g?.wardId ?? null,
        action: 'account.role.revoke',
        subject: `user:${userId}`,
        outcome: ok ? 'success' : 'failure',
        detail: { grantId, role: g?.role ?? null },
      })
      return ok
    },

    getUser: (userId) => findUserById(db, userId),
  }
}
