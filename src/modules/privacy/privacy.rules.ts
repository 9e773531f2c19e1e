import { z } from 'zod'

/**
 * Pure rules of data rights: the retention policy's shape and defaults, and the dates derived from it. No I/O.
 * The policy for a tenant lives in `tenants/<tenant>/privacy.json`; every field is optional and falls back to the
 * defaults below, which docs/adr/0007-data-rights.md explains one by one.
 */
const days = z.number().int().min(1).max(36_500)

export const RetentionPolicySchema = z
  .object({
    /** Days between a resident asking for erasure and it happening, unless staff process it sooner. */
    erasureCoolingOffDays: z.number().int().min(0).max(90).default(14),
    /** How often the server runs the purge (minutes). */
    purgeEveryMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(60),
    retention: z
      .object({
        engagementDraftsDays: days.default(90),
        responsePostcodesDays: days.default(730),
        respondentLinksDays: days.default(730),
        equalityAnswersDays: days.default(1095),
        passwordResetsDays: days.default(30),
        /** Email addresses left with a response (no account) to hear what came of it; unsubscribed ones go at once. */
        outcomeContactsDays: days.default(730),
        /** Completed or cancelled erasure requests (they hold an account number and counts, nothing else). */
        erasureRequestsDays: days.default(2190),
      })
      .strict()
      .default({
        engagementDraftsDays: 90,
        responsePostcodesDays: 730,
        respondentLinksDays: 730,
        equalityAnswersDays: 1095,
        passwordResetsDays: 30,
        outcomeContactsDays: 730,
        erasureRequestsDays: 2190,
      }),
  })
  .strict()

export type RetentionPolicy = z.infer<typeof RetentionPolicySchema>
export type RetentionKind = keyof RetentionPolicy['retention']

export const DEFAULT_POLICY: RetentionPolicy = RetentionPolicySchema.parse({})

/** Reads a policy file's JSON text; a bad file is a boot error naming the field, never a silent default. */
export function parseRetentionPolicy(text: string | undefined): RetentionPolicy {
  if (text === undefined) return DEFAULT_POLICY
  const parsed = RetentionPolicySchema.safeParse(JSON.parse(text))
  if (!parsed.success)
    throw new Error(
      `privacy.json: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    )
  return parsed.data
}

const DAY_MS = 24 * 60 * 60 * 1000

export function daysBefore(now: Date, n: number): string {
  return new Date(now.getTime() - n * DAY_MS).toISOString()
}

export function daysAfter(from: Date, n: number): string {
  return new Date(from.getTime() + n * DAY_MS).toISOString()
}

/** For each kind of data, the instant before which it is no longer kept. */
export function retentionCutoffs(policy: RetentionPolicy, now: Date): Record<RetentionKind, string> {
  const r = policy.retention
  return {
    engagementDraftsDays: daysBefore(now, r.engagementDraftsDays),
    responsePostcodesDays: daysBefore(now, r.responsePostcodesDays),
    respondentLinksDays: daysBefore(now, r.respondentLinksDays),
    equalityAnswersDays: daysBefore(now, r.equalityAnswersDays),
    passwordResetsDays: daysBefore(now, r.passwordResetsDays),
    outcomeContactsDays: daysBefore(now, r.outcomeContactsDays),
    erasureRequestsDays: daysBefore(now, r.erasureRequestsDays),
  }
}

export type ErasureStatus = 'pending' | 'completed' | 'cancelled'

/** A pending request is carried out once its cooling-off period is over. */
export function isDue(r: { status: ErasureStatus; dueAt: string }, now: Date): boolean {
  return r.status === 'pending' && r.dueAt <= now.toISOString()
}
