import type { Kysely } from 'kysely'
import type { AuditLog } from '../../platform/audit/index.js'
import { purgeRateLimits } from '../../platform/http/rate-limit-store.js'
import type { Database, Write } from '../../platform/db/index.js'
import { eraseAccountsPersonalData, exportAccountsPersonalData, purgeAccountsExpired } from '../accounts/index.js'
import {
  eraseEngagementPersonalData,
  exportEngagementPersonalData,
  purgeEngagementExpired,
} from '../engagement/index.js'
import { eraseIdeasPersonalData, exportIdeasPersonalData } from '../ideas/index.js'
import { eraseDeliveryPersonalData, exportDeliveryPersonalData } from '../delivery/index.js'
import { eraseSitePersonalData, exportSitePersonalData } from '../site/index.js'
import { erasePanelPersonalData, exportPanelPersonalData } from '../panel/index.js'
import {
  eraseNotificationsPersonalData,
  exportNotificationsPersonalData,
  purgeNotificationsExpired,
} from '../notifications/index.js'
import { erasePrioritisationPersonalData, exportPrioritisationPersonalData } from '../prioritisation/index.js'
import { eraseUnderstandingPersonalData, exportUnderstandingPersonalData } from '../understanding/index.js'
import { eraseDirectoryPersonalData, exportDirectoryPersonalData } from '../directory/index.js'
import { eraseCommissioningPersonalData, exportCommissioningPersonalData } from '../commissioning/index.js'
import {
  cancelPending,
  completeRequest,
  findPendingRequest,
  insertRequestOnce,
  listDueRequests,
  listUserRequests,
  purgeOldRequests,
  type ErasureRequest,
} from './privacy.repository.js'
import { daysAfter, retentionCutoffs, type RetentionPolicy } from './privacy.rules.js'

export interface PrivacyDeps {
  db: Kysely<Database>
  write: Write
  audit: AuditLog
  policy: RetentionPolicy
  /** The server's secret key: derives the owner tag of a person's equality pseudonyms. */
  secretKey: string
  /** Signs the person out everywhere (run after the erasure has committed). */
  endSessions: (userId: number) => Promise<void>
}

export interface PersonalDataExport {
  format: 'working-together-personal-data/1'
  generatedAt: string
  service: string
  account: Record<string, unknown>
  engagement: Record<string, unknown>
  ideas: Record<string, unknown>
  feedback: Record<string, unknown>
  services: Record<string, unknown>
  panel: Record<string, unknown>
  notifications: Record<string, unknown>
  prioritisation: Record<string, unknown>
  understanding: Record<string, unknown>
  directory: Record<string, unknown>
  commissioning: Record<string, unknown>
  erasureRequests: { status: string; requestedAt: string; dueAt: string; processedAt: string | null }[]
}

export interface PurgeReport {
  erasures: number
  retention: Record<string, number>
}

export function createPrivacyService(deps: PrivacyDeps) {
  const { db, write, audit, policy } = deps
  const keys = { secretKey: deps.secretKey }

  /** Everything each module holds about the person, gathered from the modules' own personal-data functions. */
  async function exportAll(userId: number, serviceName: string, now = new Date()): Promise<PersonalDataExport> {
    const [
      account,
      engagement,
      ideas,
      feedback,
      services,
      requests,
      panel,
      notifications,
      prioritisation,
      understanding,
      directory,
      commissioning,
    ] = await Promise.all([
      exportAccountsPersonalData(db, userId),
      exportEngagementPersonalData(db, userId, keys),
      exportIdeasPersonalData(db, userId),
      exportSitePersonalData(db, userId),
      exportDeliveryPersonalData(db, userId),
      listUserRequests(db, userId),
      exportPanelPersonalData(db, userId),
      exportNotificationsPersonalData(db, userId),
      exportPrioritisationPersonalData(db, userId),
      exportUnderstandingPersonalData(db, userId),
      exportDirectoryPersonalData(db, userId),
      exportCommissioningPersonalData(db, userId),
    ])
    return {
      format: 'working-together-personal-data/1',
      generatedAt: now.toISOString(),
      service: serviceName,
      account,
      engagement,
      ideas,
      feedback,
      services,
      panel,
      notifications,
      prioritisation,
      understanding,
      directory,
      commissioning,
      erasureRequests: requests.map((r) => ({
        status: r.status,
        requestedAt: r.requestedAt,
        dueAt: r.dueAt,
        processedAt: r.processedAt,
      })),
    }
  }

  async function requestErasure(userId: number, now = new Date()): Promise<ErasureRequest> {
    const request = await write((trx) =>
      insertRequestOnce(trx, {
        userId,
        requestedAt: now.toISOString(),
        dueAt: daysAfter(now, policy.erasureCoolingOffDays),
      }),
    )
    await audit.append({
      actorUserId: userId,
      actorLabel: `user:${userId}`,
      wardId: null,
      action: 'privacy.erasure.requested',
      subject: `erasure-request:${request.id}`,
      outcome: 'success',
      detail: { dueAt: request.dueAt },
    })
    return request
  }

  async function cancelErasure(userId: number, now = new Date()): Promise<boolean> {
    const cancelled = await write((trx) => cancelPending(trx, userId, now.toISOString()))
    if (cancelled)
      await audit.append({
        actorUserId: userId,
        actorLabel: `user:${userId}`,
        wardId: null,
        action: 'privacy.erasure.cancelled',
        subject: `user:${userId}`,
        outcome: 'success',
      })
    return cancelled
  }

  /**
   * Carries out one request in a single unit of work: every module erases or anonymises its part, and the request
   * is marked done, or nothing changes. Returns undefined when the request was no longer pending.
   */
  async function erase(
    request: ErasureRequest,
    by: { userId: number | null },
    now = new Date(),
  ): Promise<Record<string, number> | undefined> {
    const outcome = await write(async (trx) => {
      const pending = await trx
        .selectFrom('privacy_erasure_request')
        .select('id')
        .where('id', '=', request.id)
        .where('status', '=', 'pending')
        .executeTakeFirst()
      if (!pending) return undefined
      const counts: Record<string, number> = {
        ...(await eraseEngagementPersonalData(trx, request.userId, keys)),
        ...(await eraseIdeasPersonalData(trx, request.userId)),
        ...(await eraseSitePersonalData(trx, request.userId)),
        ...(await eraseDeliveryPersonalData(trx, request.userId)),
        ...(await erasePanelPersonalData(trx, request.userId)),
        ...(await eraseNotificationsPersonalData(trx, request.userId)),
        ...(await erasePrioritisationPersonalData(trx, request.userId)),
        ...(await eraseUnderstandingPersonalData(trx, request.userId)),
        ...(await eraseDirectoryPersonalData(trx, request.userId)),
        ...(await eraseCommissioningPersonalData(trx, request.userId)),
        ...(await eraseAccountsPersonalData(trx, request.userId, now)),
      }
      await completeRequest(trx, request.id, { at: now.toISOString(), byUserId: by.userId, outcome: counts })
      return counts
    })
    if (!outcome) return undefined
    await deps.endSessions(request.userId)
    await audit.append({
      actorUserId: by.userId,
      actorLabel: by.userId === null ? 'system:purge' : `user:${by.userId}`,
      wardId: null,
      action: 'privacy.erasure.completed',
      subject: `user:${request.userId}`,
      outcome: 'success',
      detail: outcome,
    })
    return outcome
  }

  /**
   * The scheduled purge: erasure requests whose cooling-off period is over are carried out, then each kind of data
   * is cut back to its retention period. `now` is injected so tests can move the clock.
   */
  async function runPurge(now = new Date()): Promise<PurgeReport> {
    let erasures = 0
    for (const r of await listDueRequests(db, now.toISOString()))
      if (await erase(r, { userId: null }, now)) erasures += 1
    const c = retentionCutoffs(policy, now)
    const retention = await write(async (trx) => ({
      ...(await purgeEngagementExpired(trx, {
        draftsBefore: c.engagementDraftsDays,
        postcodesBefore: c.responsePostcodesDays,
        respondentLinksBefore: c.respondentLinksDays,
        equalityBefore: c.equalityAnswersDays,
      })),
      ...(await purgeAccountsExpired(trx, { passwordResetsBefore: c.passwordResetsDays })),
      ...(await purgeNotificationsExpired(trx, { outcomeContactsBefore: c.outcomeContactsDays })),
      erasureRequestsDeleted: await purgeOldRequests(trx, c.erasureRequestsDays),
      // Counters hold client addresses; once their window is over they serve no purpose.
      rateLimitCountersDeleted: await purgeRateLimits(trx, now.getTime()),
    }))
    if (erasures > 0 || Object.values(retention).some((n) => n > 0))
      await audit.append({
        actorUserId: null,
        actorLabel: 'system:purge',
        wardId: null,
        action: 'privacy.purge',
        subject: now.toISOString(),
        outcome: 'success',
        detail: { erasures, ...retention },
      })
    return { erasures, retention }
  }

  return {
    exportAll,
    requestErasure,
    cancelErasure,
    erase,
    runPurge,
    pendingFor: (userId: number) => findPendingRequest(db, userId),
  }
}

export type PrivacyService = ReturnType<typeof createPrivacyService>
