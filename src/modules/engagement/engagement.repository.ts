import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import type { Channel, QuestionKind, ThemeRef } from './engagement.rules.js'
import './engagement.tables.js'

type Db = Kysely<Database>

export interface Theme extends ThemeRef {
  description: string
}

export interface Consultation {
  id: number
  wardId: number
  title: string
  summary: string
  status: 'draft' | 'open' | 'closed'
  allowAnonymous: boolean
  themeIds: number[]
  isDemo: boolean
  createdAt: string
  openedAt: string | null
  closedAt: string | null
}

export interface Question {
  id: number
  consultationId: number
  position: number
  kind: QuestionKind
  prompt: string
  hint: string
  required: boolean
  options: string[]
  themeId: number | null
}

export interface OutreachEvent {
  id: number
  name: string
  place: string
  postcode: string | null
  heldOn: string
  runBy: string
  peopleSpokenTo: number
  isDemo: boolean
  responses: number
}

const parseIds = (json: string): number[] => {
  try {
    const v: unknown = JSON.parse(json)
    return Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : []
  } catch {
    return []
  }
}

// --- Themes -----------------------------------------------------------------------------------------

/** Seeds the tenant's starting themes for a ward; existing ones are left alone (safe to repeat). */
export async function ensureThemes(
  db: Db,
  wardId: number,
  themes: { slug: string; name: string; description: string }[],
): Promise<void> {
  for (const t of themes)
    await db
      .insertInto('engagement_theme')
      .values({
        ward_id: wardId,
        slug: t.slug,
        name: t.name,
        description: t.description,
        created_at: new Date().toISOString(),
      })
      .onConflict((oc) => oc.columns(['ward_id', 'slug']).doNothing())
      .execute()
}

export async function listThemes(db: Db, wardId: number): Promise<Theme[]> {
  const rows = await db.selectFrom('engagement_theme').selectAll().where('ward_id', '=', wardId).orderBy('id').execute()
  return rows.map((r) => ({ id: Number(r.id), slug: r.slug, name: r.name, description: r.description }))
}

export async function insertTheme(
  db: Db,
  wardId: number,
  t: { slug: string; name: string; description: string },
): Promise<boolean> {
  const r = await db
    .insertInto('engagement_theme')
    .values({
      ward_id: wardId,
      slug: t.slug,
      name: t.name,
      description: t.description,
      created_at: new Date().toISOString(),
    })
    .onConflict((oc) => oc.columns(['ward_id', 'slug']).doNothing())
    .returning('id')
    .executeTakeFirst()
  return r !== undefined
}

// --- Consultations and questions ----------------------------------------------------------------------

function toConsultation(r: {
  id: number
  ward_id: number
  title: string
  summary: string
  status: 'draft' | 'open' | 'closed'
  allow_anonymous: number
  theme_ids_json: string
  is_demo: number
  created_at: string
  opened_at: string | null
  closed_at: string | null
}): Consultation {
  return {
    id: Number(r.id),
    wardId: Number(r.ward_id),
    title: r.title,
    summary: r.summary,
    status: r.status,
    allowAnonymous: Number(r.allow_anonymous) === 1,
    themeIds: parseIds(r.theme_ids_json),
    isDemo: Number(r.is_demo) === 1,
    createdAt: r.created_at,
    openedAt: r.opened_at,
    closedAt: r.closed_at,
  }
}

export async function insertConsultation(
  db: Db,
  c: {
    wardId: number
    title: string
    summary: string
    allowAnonymous: boolean
    themeIds: number[]
    isDemo?: boolean
    createdBy: number | null
  },
): Promise<number> {
  const r = await db
    .insertInto('engagement_consultation')
    .values({
      ward_id: c.wardId,
      title: c.title,
      summary: c.summary,
      status: 'draft',
      allow_anonymous: c.allowAnonymous ? 1 : 0,
      theme_ids_json: JSON.stringify(c.themeIds),
      is_demo: c.isDemo ? 1 : 0,
      created_by_user_id: c.createdBy,
      created_at: new Date().toISOString(),
      opened_at: null,
      closed_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return Number(r.id)
}

/** Always by ward as well as id: a consultation of another ward is simply not found. */
export async function findConsultation(db: Db, wardId: number, id: number): Promise<Consultation | undefined> {
  const r = await db
    .selectFrom('engagement_consultation')
    .selectAll()
    .where('ward_id', '=', wardId)
    .where('id', '=', id)
    .executeTakeFirst()
  return r ? toConsultation(r) : undefined
}

export async function listConsultations(
  db: Db,
  wardId: number,
  status?: Consultation['status'],
): Promise<Consultation[]> {
  let q = db.selectFrom('engagement_consultation').selectAll().where('ward_id', '=', wardId)
  if (status) q = q.where('status', '=', status)
  return (await q.orderBy('id', 'desc').execute()).map(toConsultation)
}

export async function findDemoConsultation(db: Db, wardId: number): Promise<Consultation | undefined> {
  const r = await db
    .selectFrom('engagement_consultation')
    .selectAll()
    .where('ward_id', '=', wardId)
    .where('is_demo', '=', 1)
    .orderBy('id')
    .executeTakeFirst()
  return r ? toConsultation(r) : undefined
}

export async function setConsultationStatus(db: Db, id: number, status: 'open' | 'closed'): Promise<void> {
  const now = new Date().toISOString()
  await db
    .updateTable('engagement_consultation')
    .set(status === 'open' ? { status, opened_at: now, closed_at: null } : { status, closed_at: now })
    .where('id', '=', id)
    .execute()
}

export async function listQuestions(db: Db, consultationId: number): Promise<Question[]> {
  const rows = await db
    .selectFrom('engagement_question')
    .selectAll()
    .where('consultation_id', '=', consultationId)
    .orderBy('position')
    .execute()
  return rows.map((r) => ({
    id: Number(r.id),
    consultationId: Number(r.consultation_id),
    position: Number(r.position),
    kind: r.kind,
    prompt: r.prompt,
    hint: r.hint,
    required: Number(r.required) === 1,
    options: ((): string[] => {
      try {
        const v: unknown = JSON.parse(r.options_json)
        return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
      } catch {
        return []
      }
    })(),
    themeId: r.theme_id === null ? null : Number(r.theme_id),
  }))
}

export async function insertQuestion(
  db: Db,
  q: {
    wardId: number
    consultationId: number
    kind: QuestionKind
    prompt: string
    hint: string
    required: boolean
    options: string[]
    themeId: number | null
  },
): Promise<number> {
  const max = await db
    .selectFrom('engagement_question')
    .select((eb) => eb.fn.max<number>('position').as('p'))
    .where('consultation_id', '=', q.consultationId)
    .executeTakeFirst()
  const r = await db
    .insertInto('engagement_question')
    .values({
      ward_id: q.wardId,
      consultation_id: q.consultationId,
      position: Number(max?.p ?? 0) + 1,
      kind: q.kind,
      prompt: q.prompt,
      hint: q.hint,
      required: q.required ? 1 : 0,
      options_json: JSON.stringify(q.options),
      theme_id: q.themeId,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return Number(r.id)
}

// --- Responses ------------------------------------------------------------------------------------------

export interface NewResponse {
  wardId: number
  consultationId: number
  submissionKey: string
  channel: Channel
  postcode: string | null
  areaCode: string | null
  respondentUserId: number | null
  enteredByUserId: number | null
  eventId: number | null
  respondedOn: string
  isDemo?: boolean
  answers: { questionId: number; value: string }[]
}

/** Stores a response and its answers once per submission key; a replay reports the first one's id. */
export async function insertResponseOnce(db: Db, r: NewResponse): Promise<{ id: number; duplicate: boolean }> {
  const inserted = await db
    .insertInto('engagement_response')
    .values({
      ward_id: r.wardId,
      consultation_id: r.consultationId,
      submission_key: r.submissionKey,
      channel: r.channel,
      postcode: r.postcode,
      area_code: r.areaCode,
      respondent_user_id: r.respondentUserId,
      entered_by_user_id: r.enteredByUserId,
      event_id: r.eventId,
      responded_on: r.respondedOn,
      is_demo: r.isDemo ? 1 : 0,
      created_at: new Date().toISOString(),
    })
    .onConflict((oc) => oc.column('submission_key').doNothing())
    .returning('id')
    .executeTakeFirst()
  if (!inserted) {
    const existing = await db
      .selectFrom('engagement_response')
      .select('id')
      .where('submission_key', '=', r.submissionKey)
      .executeTakeFirstOrThrow()
    return { id: Number(existing.id), duplicate: true }
  }
  const id = Number(inserted.id)
  if (r.answers.length > 0)
    await db
      .insertInto('engagement_answer')
      .values(r.answers.map((a) => ({ ward_id: r.wardId, response_id: id, question_id: a.questionId, value: a.value })))
      .execute()
  return { id, duplicate: false }
}

export async function findResponseByKey(
  db: Db,
  wardId: number,
  submissionKey: string,
): Promise<{ id: number; consultationId: number } | undefined> {
  const r = await db
    .selectFrom('engagement_response')
    .select(['id', 'consultation_id'])
    .where('ward_id', '=', wardId)
    .where('submission_key', '=', submissionKey)
    .executeTakeFirst()
  return r ? { id: Number(r.id), consultationId: Number(r.consultation_id) } : undefined
}

export interface ExportRow {
  id: number
  channel: string
  postcode: string | null
  areaCode: string | null
  respondedOn: string
  eventName: string | null
  enteredBy: number | null
  isDemo: boolean
  answers: Map<number, string>
}

/** Responses with their answers for the officer's export (no equality data: it lives in another table, unlinked). */
export async function listResponsesForExport(db: Db, wardId: number, consultationId: number): Promise<ExportRow[]> {
  const rows = await db
    .selectFrom('engagement_response as r')
    .leftJoin('engagement_event as e', 'e.id', 'r.event_id')
    .select([
      'r.id',
      'r.channel',
      'r.postcode',
      'r.area_code',
      'r.responded_on',
      'r.entered_by_user_id',
      'r.is_demo',
      'e.name as event_name',
    ])
    .where('r.ward_id', '=', wardId)
    .where('r.consultation_id', '=', consultationId)
    .orderBy('r.id')
    .execute()
  const answers = await db
    .selectFrom('engagement_answer as a')
    .innerJoin('engagement_response as r', 'r.id', 'a.response_id')
    .select(['a.response_id', 'a.question_id', 'a.value'])
    .where('r.ward_id', '=', wardId)
    .where('r.consultation_id', '=', consultationId)
    .execute()
  const byResponse = new Map<number, Map<number, string>>()
  for (const a of answers) {
    const m = byResponse.get(Number(a.response_id)) ?? new Map<number, string>()
    m.set(Number(a.question_id), a.value)
    byResponse.set(Number(a.response_id), m)
  }
  return rows.map((r) => ({
    id: Number(r.id),
    channel: r.channel,
    postcode: r.postcode,
    areaCode: r.area_code,
    respondedOn: r.responded_on,
    eventName: r.event_name,
    enteredBy: r.entered_by_user_id === null ? null : Number(r.entered_by_user_id),
    isDemo: Number(r.is_demo) === 1,
    answers: byResponse.get(Number(r.id)) ?? new Map(),
  }))
}

export async function countResponses(
  db: Db,
  wardId: number,
): Promise<{ consultationId: number; channel: string; n: number }[]> {
  const rows = await db
    .selectFrom('engagement_response')
    .select((eb) => ['consultation_id', 'channel', eb.fn.countAll<number>().as('n')])
    .where('ward_id', '=', wardId)
    .groupBy(['consultation_id', 'channel'])
    .execute()
  return rows.map((r) => ({ consultationId: Number(r.consultation_id), channel: r.channel, n: Number(r.n) }))
}

/** Answers to "which themes matter most" questions, for counting per theme. */
export async function listThemeAnswers(db: Db, wardId: number): Promise<{ consultationId: number; value: string }[]> {
  const rows = await db
    .selectFrom('engagement_answer as a')
    .innerJoin('engagement_question as q', 'q.id', 'a.question_id')
    .select(['q.consultation_id', 'a.value'])
    .where('a.ward_id', '=', wardId)
    .where('q.kind', '=', 'themes')
    .execute()
  return rows.map((r) => ({ consultationId: Number(r.consultation_id), value: r.value }))
}

export async function countResponsesByArea(
  db: Db,
  wardId: number,
  consultationId: number,
): Promise<{ areaCode: string | null; n: number }[]> {
  const rows = await db
    .selectFrom('engagement_response')
    .select((eb) => ['area_code', eb.fn.countAll<number>().as('n')])
    .where('ward_id', '=', wardId)
    .where('consultation_id', '=', consultationId)
    .groupBy('area_code')
    .execute()
  return rows.map((r) => ({ areaCode: r.area_code, n: Number(r.n) }))
}

// --- Drafts (save and come back) -----------------------------------------------------------------------

export async function findDraft(
  db: Db,
  userId: number,
  consultationId: number,
): Promise<Record<string, string> | undefined> {
  const r = await db
    .selectFrom('engagement_draft')
    .select('answers_json')
    .where('user_id', '=', userId)
    .where('consultation_id', '=', consultationId)
    .executeTakeFirst()
  if (!r) return undefined
  try {
    const v: unknown = JSON.parse(r.answers_json)
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return {}
    return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'))
  } catch {
    return {}
  }
}

export async function saveDraft(
  db: Db,
  d: { userId: number; consultationId: number; wardId: number; answers: Record<string, string> },
): Promise<void> {
  const now = new Date().toISOString()
  await db
    .insertInto('engagement_draft')
    .values({
      user_id: d.userId,
      consultation_id: d.consultationId,
      ward_id: d.wardId,
      answers_json: JSON.stringify(d.answers),
      updated_at: now,
    })
    .onConflict((oc) =>
      oc
        .columns(['user_id', 'consultation_id'])
        .doUpdateSet({ answers_json: JSON.stringify(d.answers), updated_at: now }),
    )
    .execute()
}

export async function deleteDraft(db: Db, userId: number, consultationId: number): Promise<void> {
  await db
    .deleteFrom('engagement_draft')
    .where('user_id', '=', userId)
    .where('consultation_id', '=', consultationId)
    .execute()
}

// --- Outreach events ----------------------------------------------------------------------------------------

export async function insertEvent(
  db: Db,
  e: {
    wardId: number
    name: string
    place: string
    postcode: string | null
    heldOn: string
    runBy: string
    peopleSpokenTo: number
    isDemo?: boolean
    createdBy: number | null
  },
): Promise<number> {
  const r = await db
    .insertInto('engagement_event')
    .values({
      ward_id: e.wardId,
      name: e.name,
      place: e.place,
      postcode: e.postcode,
      held_on: e.heldOn,
      run_by: e.runBy,
      people_spoken_to: e.peopleSpokenTo,
      is_demo: e.isDemo ? 1 : 0,
      created_by_user_id: e.createdBy,
      created_at: new Date().toISOString(),
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return Number(r.id)
}

/** Whether an outreach event is one of this ward's (the entry form's check, without listEvents' response counts). */
export async function isWardEvent(db: Db, wardId: number, id: number): Promise<boolean> {
  const row = await db
    .selectFrom('engagement_event')
    .select('id')
    .where('ward_id', '=', wardId)
    .where('id', '=', id)
    .executeTakeFirst()
  return row !== undefined
}

export async function listEvents(db: Db, wardId: number): Promise<OutreachEvent[]> {
  const rows = await db
    .selectFrom('engagement_event as e')
    .leftJoin('engagement_response as r', 'r.event_id', 'e.id')
    .select((eb) => [
      'e.id',
      'e.name',
      'e.place',
      'e.postcode',
      'e.held_on',
      'e.run_by',
      'e.people_spoken_to',
      'e.is_demo',
      eb.fn.count<number>('r.id').as('responses'),
    ])
    .where('e.ward_id', '=', wardId)
    .groupBy(['e.id', 'e.name', 'e.place', 'e.postcode', 'e.held_on', 'e.run_by', 'e.people_spoken_to', 'e.is_demo'])
    .orderBy('e.held_on', 'desc')
    .execute()
  return rows.map((r) => ({
    id: Number(r.id),
    name: r.name,
    place: r.place,
    postcode: r.postcode,
    heldOn: r.held_on,
    runBy: r.run_by,
    peopleSpokenTo: Number(r.people_spoken_to),
    isDemo: Number(r.is_demo) === 1,
    responses: Number(r.responses),
  }))
}

/** Where each response of a ward came from (no answers, no people), for placing it in a small area. */
export async function listResponsePlaces(
  db: Db,
  wardId: number,
): Promise<
  { consultationId: number; channel: Channel; postcode: string | null; areaCode: string | null; respondedOn: string }[]
> {
  const rows = await db
    .selectFrom('engagement_response')
    .select(['consultation_id', 'channel', 'postcode', 'area_code', 'responded_on'])
    .where('ward_id', '=', wardId)
    .orderBy('id')
    .execute()
  return rows.map((r) => ({
    consultationId: Number(r.consultation_id),
    channel: r.channel,
    postcode: r.postcode,
    // The small area found when the response was stored: it outlives the postcode, which is purged after its
    // retention period (engagement.personal-data.ts), so reach can still count old responses in their area.
    areaCode: r.area_code,
    respondedOn: r.responded_on,
  }))
}

// --- Other wordings of questions (translations, easy read) ------------------------------------------------------

export interface QuestionWording {
  questionId: number
  prompt: string
  hint: string
  options: string[]
}

export async function listWordings(db: Db, consultationId: number, variant: string): Promise<QuestionWording[]> {
  const rows = await db
    .selectFrom('engagement_question_wording')
    .select(['question_id', 'prompt', 'hint', 'options_json'])
    .where('consultation_id', '=', consultationId)
    .where('variant', '=', variant)
    .execute()
  return rows.map((r) => ({
    questionId: Number(r.question_id),
    prompt: r.prompt,
    hint: r.hint,
    options: ((): string[] => {
      try {
        const v: unknown = JSON.parse(r.options_json)
        return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
      } catch {
        return []
      }
    })(),
  }))
}

/** Which variants a consultation has wording for (to offer easy read, or to list translations to staff). */
export async function listWordingVariants(db: Db, consultationId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('engagement_question_wording')
    .select('variant')
    .distinct()
    .where('consultation_id', '=', consultationId)
    .execute()
  return rows.map((r) => r.variant).sort()
}

/** Replaces a variant's wording for a consultation: questions with a blank prompt fall back to the original. */
export async function replaceWordings(
  db: Db,
  w: { wardId: number; consultationId: number; variant: string; wordings: QuestionWording[] },
): Promise<void> {
  await db
    .deleteFrom('engagement_question_wording')
    .where('consultation_id', '=', w.consultationId)
    .where('variant', '=', w.variant)
    .execute()
  const now = new Date().toISOString()
  const rows = w.wordings
    .filter((x) => x.prompt !== '')
    .map((x) => ({
      ward_id: w.wardId,
      consultation_id: w.consultationId,
      question_id: x.questionId,
      variant: w.variant,
      prompt: x.prompt,
      hint: x.hint,
      options_json: JSON.stringify(x.options),
      updated_at: now,
    }))
  if (rows.length > 0) await db.insertInto('engagement_question_wording').values(rows).execute()
}
