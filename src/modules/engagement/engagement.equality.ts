import type { Kysely } from 'kysely'
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

/** Stored under a fresh random pseudonym, with the day only; once per form shown. */
export async function insertEqualityOnce(
  db: Kysely<Database>,
  e: { wardId: number; consultationId: number; submissionKey: string; answers: EqualityAnswers; isDemo?: boolean },
): Promise<void> {
  await db
    .insertInto('engagement_equality')
    .values({
      ward_id: e.wardId,
      consultation_id: e.consultationId,
      pseudonym: randomToken(16),
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
 * The only view of equality answers anyone gets: counts per category for a ward (or one consultation), counted in
 * the database, with small numbers hidden and the rest rounded to 5.
 */
export async function summariseEquality(
  db: Kysely<Database>,
  wardId: number,
  consultationId?: number,
): Promise<EqualitySummary> {
  const fields: EqualitySummary['fields'] = []
  let base = db.selectFrom('engagement_equality').where('ward_id', '=', wardId)
  if (consultationId !== undefined) base = base.where('consultation_id', '=', consultationId)
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  for (const field of EQUALITY_FIELDS) {
    const counts = await base
      .select((eb) => [eb.ref(field).as('value'), eb.fn.countAll<number>().as('n')])
      .groupBy(field)
      .execute()
    const byValue = new Map(counts.map((c) => [c.value ?? 'not-answered', Number(c.n)]))
    fields.push({
      field,
      rows: [...EQUALITY_QUESTIONS[field], PREFER_NOT, 'not-answered'].map((value) => ({
        value,
        count: suppress(byValue.get(value) ?? 0),
      })),
    })
  }
  return { total: suppress(Number(total.n)), fields }
}
