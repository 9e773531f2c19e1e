import { createHmac } from 'node:crypto'
import { sql, type Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import { randomToken } from '../../platform/security/index.js'
import { suppress } from './engagement.rules.js'
import './engagement.tables.js'

/**
 * Equality monitoring, from the GSS harmonised standards as collected in the project's shared data
 * (`data/equality/*.json`; a test checks these codes against those files). Every question is optional and offers
 * "Prefer not to say". This file is the only code that reads `engagement_equality`, and it reads only counts.
 */
export const PREFER_NOT = 'prefer-not-to-say'

export const EQUALITY_QUESTIONS = {
  age_band: ['0-15', '16-24', '25-34', '35-49', '50-64', '65+'],
  sex: ['female', 'male'],
  gender_identity: ['yes', 'no'],
  sexual_orientation: ['heterosexual', 'gay-lesbian', 'bisexual', 'other'],
  ethnic_group: ['white', 'mixed', 'asian', 'black', 'other'],
  religion: ['none', 'christian', 'buddhist', 'hindu', 'jewish', 'muslim', 'sikh', 'other'],
  disability: ['yes', 'no'],
  carer: ['yes', 'no'],
} as const satisfies Record<string, readonly string[]>

export type EqualityField = keyof typeof EQUALITY_QUESTIONS
export const EQUALITY_FIELDS = Object.keys(EQUALITY_QUESTIONS) as EqualityField[]

export type EqualityAnswers = Partial<Record<EqualityField, string>>

/** Keeps only known codes; anything else (or nothing) is "not answered". */
export function readEqualityAnswers(body: Record<string, unknown>): EqualityAnswers {
  const out: EqualityAnswers = {}
  for (const f of EQUALITY_FIELDS) {
    const v = body[f]
    if (typeof v === 'string' && ((EQUALITY_QUESTIONS[f] as readonly string[]).includes(v) || v === PREFER_NOT))
      out[f] = v
  }
  return out
}

/**
 * The part of a signed-in person's equality pseudonyms that only the holder of the server's secret key can derive
 * from their account id (HMAC-SHA256): it lets their answers be erased on request, while the table alone (a backup,
 * a database dump) still cannot be linked back to anyone. Answers given without an account get no such part.
 */
export function equalityOwnerTag(secretKey: string, userId: number): string {
  return createHmac('sha256', secretKey).update(`engagement-equality-owner:${userId}`).digest('base64url').slice(0, 22)
}

/** Stored under a fresh random pseudonym (owner tag first when signed in), with the day only; once per form shown. */
export async function insertEqualityOnce(
  db: Kysely<Database>,
  e: {
    wardId: number
    consultationId: number
    submissionKey: string
    answers: EqualityAnswers
    isDemo?: boolean
    owner?: { userId: number; secretKey: string }
  },
): Promise<void> {
  await db
    .insertInto('engagement_equality')
    .values({
      ward_id: e.wardId,
      consultation_id: e.consultationId,
      pseudonym: e.owner
        ? `${equalityOwnerTag(e.owner.secretKey, e.owner.userId)}.${randomToken(12)}`
        : randomToken(16),
      submission_key: e.submissionKey,
      age_band: e.answers.age_band ?? null,
      sex: e.answers.sex ?? null,
      gender_identity: e.answers.gender_identity ?? null,
      sexual_orientation: e.answers.sexual_orientation ?? null,
      ethnic_group: e.answers.ethnic_group ?? null,
      religion: e.answers.religion ?? null,
      disability: e.answers.disability ?? null,
      carer: e.answers.carer ?? null,
      is_demo: e.isDemo ? 1 : 0,
      consented_on: new Date().toISOString().slice(0, 10),
    })
    .onConflict((oc) => oc.column('submission_key').doNothing())
    .execute()
}

export interface EqualitySummary {
  total: number | null
  fields: { field: EqualityField; rows: { value: string; count: number | null }[] }[]
}

/**
 * Disclosure control for one question's categories, which add up to the published total (every record has exactly
 * one value per question, "not answered" included): under 10 hidden and the rest rounded to 5 (primary), then, when
 * exactly one category is hidden while the total is shown, the smallest shown category is hidden too (secondary), so
 * the hidden count cannot be worked out as the total minus the others. The second hidden cell is always a real count
 * of 10 or more, so the pair's sum never gives either away.
 */
export function discloseEqualityCounts(counts: readonly number[], total: number): (number | null)[] {
  const out = counts.map((c) => suppress(c))
  if (suppress(total) === null) return out.map(() => null)
  if (out.filter((c) => c === null).length !== 1) return out
  let pick = -1
  out.forEach((c, i) => {
    if (c !== null && (pick < 0 || counts[i]! < counts[pick]!)) pick = i
  })
  if (pick >= 0) out[pick] = null
  return out
}

/**
 * The only view of equality answers anyone gets: counts per category for a ward (or one consultation, or a set of
 * consultations taken together), counted in the database, through `discloseEqualityCounts` (primary and secondary
 * suppression) question by question. A set is counted as one whole, never as a sum of separately suppressed parts.
 */
export async function summariseEquality(
  db: Kysely<Database>,
  wardId: number,
  consultationId?: number | readonly number[],
): Promise<EqualitySummary> {
  const fields: EqualitySummary['fields'] = []
  let base = db.selectFrom('engagement_equality').where('ward_id', '=', wardId)
  if (typeof consultationId === 'number') base = base.where('consultation_id', '=', consultationId)
  else if (consultationId !== undefined)
    base = consultationId.length
      ? base.where('consultation_id', 'in', [...consultationId])
      : base.where(sql<boolean>`1 = 0`)
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  for (const field of EQUALITY_FIELDS) {
    const counts = await base
      .select((eb) => [eb.ref(field).as('value'), eb.fn.countAll<number>().as('n')])
      .groupBy(field)
      .execute()
    const byValue = new Map(counts.map((c) => [c.value ?? 'not-answered', Number(c.n)]))
    const values = [...EQUALITY_QUESTIONS[field], PREFER_NOT, 'not-answered']
    const shown = discloseEqualityCounts(
      values.map((v) => byValue.get(v) ?? 0),
      Number(total.n),
    )
    fields.push({ field, rows: values.map((value, i) => ({ value, count: shown[i] ?? null })) })
  }
  return { total: suppress(Number(total.n)), fields }
}
