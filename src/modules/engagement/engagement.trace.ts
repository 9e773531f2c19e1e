import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import './engagement.tables.js'

/** Read-only views for "you said, we did" (the trace module): what a person said, and who said what. */
export interface TracedResponse {
  id: number
  wardId: number
  consultationId: number
  consultationTitle: string
  respondedOn: string
  /** Engagement theme slugs the person picked in "themes" questions. */
  themeSlugs: string[]
  /** `answer:<id>` for each answer, as the understanding module's codings and evidence name them. */
  answerRefs: string[]
}

function slugsOf(value: string): string[] {
  try {
    const v: unknown = JSON.parse(value)
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
  } catch {
    return []
  }
}

type AnswerRow = { id: number; response_id: number; value: string; kind: string }

function groupAnswers(rows: AnswerRow[]): Map<number, { slugs: Set<string>; refs: string[] }> {
  const out = new Map<number, { slugs: Set<string>; refs: string[] }>()
  for (const r of rows) {
    const e = out.get(Number(r.response_id)) ?? { slugs: new Set<string>(), refs: [] }
    e.refs.push(`answer:${Number(r.id)}`)
    if (r.kind === 'themes') for (const s of slugsOf(r.value)) e.slugs.add(s)
    out.set(Number(r.response_id), e)
  }
  return out
}

/** A signed-in person's own responses (any ward), newest first. */
export async function listResponsesByPerson(db: Kysely<Database>, userId: number): Promise<TracedResponse[]> {
  const rows = await db
    .selectFrom('engagement_response as r')
    .innerJoin('engagement_consultation as c', 'c.id', 'r.consultation_id')
    .select(['r.id', 'r.ward_id', 'r.consultation_id', 'c.title', 'r.responded_on'])
    .where('r.respondent_user_id', '=', userId)
    .orderBy('r.id', 'desc')
    .execute()
  // One person's responses: a short id list.
  const ids = rows.map((r) => Number(r.id))
  const answers = groupAnswers(
    ids.length === 0
      ? []
      : await db
          .selectFrom('engagement_answer as a')
          .innerJoin('engagement_question as q', 'q.id', 'a.question_id')
          .select(['a.id', 'a.response_id', 'a.value', 'q.kind'])
          .where('a.response_id', 'in', ids)
          .orderBy('a.id')
          .execute(),
  )
  return rows.map((r) => {
    const a = answers.get(Number(r.id))
    return {
      id: Number(r.id),
      wardId: Number(r.ward_id),
      consultationId: Number(r.consultation_id),
      consultationTitle: r.title,
      respondedOn: r.responded_on,
      themeSlugs: [...(a?.slugs ?? [])].sort(),
      answerRefs: a?.refs ?? [],
    }
  })
}

/** Every response of a ward that has an account behind it, with what it chose: the audience for outcome emails. */
export async function listSignedInResponses(
  db: Kysely<Database>,
  wardId: number,
): Promise<(TracedResponse & { respondentUserId: number })[]> {
  const rows = await db
    .selectFrom('engagement_response as r')
    .innerJoin('engagement_consultation as c', 'c.id', 'r.consultation_id')
    .select(['r.id', 'r.ward_id', 'r.consultation_id', 'c.title', 'r.responded_on', 'r.respondent_user_id'])
    .where('r.ward_id', '=', wardId)
    .where('r.respondent_user_id', 'is not', null)
    .execute()
  // A whole ward's answers are selected by join, never by an id list (which would outgrow the bind-parameter limit).
  const answers = groupAnswers(
    await db
      .selectFrom('engagement_answer as a')
      .innerJoin('engagement_question as q', 'q.id', 'a.question_id')
      .innerJoin('engagement_response as r', 'r.id', 'a.response_id')
      .select(['a.id', 'a.response_id', 'a.value', 'q.kind'])
      .where('r.ward_id', '=', wardId)
      .where('r.respondent_user_id', 'is not', null)
      .orderBy('a.id')
      .execute(),
  )
  return rows.map((r) => {
    const a = answers.get(Number(r.id))
    return {
      id: Number(r.id),
      wardId: Number(r.ward_id),
      consultationId: Number(r.consultation_id),
      consultationTitle: r.title,
      respondedOn: r.responded_on,
      themeSlugs: [...(a?.slugs ?? [])].sort(),
      answerRefs: a?.refs ?? [],
      respondentUserId: Number(r.respondent_user_id),
    }
  })
}

/** How many responses (all channels) named each theme slug: the public, aggregate "you said". */
export async function countResponsesByTheme(
  db: Kysely<Database>,
  wardId: number,
): Promise<{ responses: number; bySlug: Map<string, number> }> {
  const rows = await db
    .selectFrom('engagement_answer as a')
    .innerJoin('engagement_question as q', 'q.id', 'a.question_id')
    .select(['a.response_id', 'a.value'])
    .where('a.ward_id', '=', wardId)
    .where('q.kind', '=', 'themes')
    .execute()
  const perResponse = new Map<number, Set<string>>()
  for (const r of rows) {
    const s = perResponse.get(Number(r.response_id)) ?? new Set<string>()
    for (const slug of slugsOf(r.value)) s.add(slug)
    perResponse.set(Number(r.response_id), s)
  }
  const bySlug = new Map<string, number>()
  for (const s of perResponse.values()) for (const slug of s) bySlug.set(slug, (bySlug.get(slug) ?? 0) + 1)
  const total = await db
    .selectFrom('engagement_response')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('ward_id', '=', wardId)
    .executeTakeFirstOrThrow()
  return { responses: Number(total.n), bySlug }
}
