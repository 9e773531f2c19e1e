import { PostgresAdapter, sql, type Kysely } from 'kysely'
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

/** The answers of a short list of responses (callers keep the list under the bind-parameter limit), grouped. */
async function answersOf(db: Kysely<Database>, ids: readonly number[]): Promise<ReturnType<typeof groupAnswers>> {
  if (ids.length === 0) return new Map()
  return groupAnswers(
    await db
      .selectFrom('engagement_answer as a')
      .innerJoin('engagement_question as q', 'q.id', 'a.question_id')
      .select(['a.id', 'a.response_id', 'a.value', 'q.kind'])
      .where('a.response_id', 'in', ids)
      .orderBy('a.id')
      .execute(),
  )
}

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

type ResponseRow = { id: number; ward_id: number; consultation_id: number; title: string; responded_on: string }

/** A response row and its grouped answers, as callers see them. */
function traced(r: ResponseRow, answers: ReturnType<typeof groupAnswers>): TracedResponse {
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
  const answers = await answersOf(db, ids)
  return rows.map((r) => traced(r, answers))
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
  return rows.map((r) => ({ ...traced(r, answers), respondentUserId: Number(r.respondent_user_id) }))
}

/**
 * A JSON array of plain strings (JSON whitespace, simple escapes only), as the answer forms write themes. On
 * PostgreSQL only such values are cast to jsonb in SQL, so a malformed value can never make the query fail.
 */
const STRING_ARRAY =
  '^[ \t\n\r]*\\[[ \t\n\r]*("([^"\\\\\\x01-\\x1f]|\\\\["\\\\/bfnrt])*"[ \t\n\r]*(,[ \t\n\r]*"([^"\\\\\\x01-\\x1f]|\\\\["\\\\/bfnrt])*"[ \t\n\r]*)*)?\\][ \t\n\r]*$'

/**
 * How many responses (all channels) named each theme slug: the public, aggregate "you said". Counted in the
 * database (a ward may hold 100,000 responses): each theme answer's JSON array is expanded there and responses
 * counted once per slug, exactly as the JavaScript reading below does. On PostgreSQL, values the strict pattern
 * does not recognise are read in JavaScript, and if any of them names a theme the whole count is made there.
 */
export async function countResponsesByTheme(
  db: Kysely<Database>,
  wardId: number,
): Promise<{ responses: number; bySlug: Map<string, number> }> {
  const total = await db
    .selectFrom('engagement_response')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('ward_id', '=', wardId)
    .executeTakeFirstOrThrow()
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  if (pg) {
    const odd = await db
      .selectFrom('engagement_answer as a')
      .innerJoin('engagement_question as q', 'q.id', 'a.question_id')
      .select('a.value')
      .where('a.ward_id', '=', wardId)
      .where('q.kind', '=', 'themes')
      .where(sql<boolean>`a.value !~ ${STRING_ARRAY}`)
      .execute()
    if (odd.some((r) => slugsOf(r.value).length > 0)) return countResponsesByThemeInJs(db, wardId)
  }
  const rows = pg
    ? await sql<{ slug: string; n: number | string }>`
        select el.v #>> '{}' as slug, count(distinct a.response_id) as n
        from engagement_answer a
        join engagement_question q on q.id = a.question_id
        cross join lateral jsonb_array_elements(
          case when a.value ~ ${STRING_ARRAY} then a.value::jsonb else '[]'::jsonb end
        ) as el(v)
        where a.ward_id = ${wardId} and q.kind = 'themes' and jsonb_typeof(el.v) = 'string'
        group by 1`.execute(db)
    : await sql<{ slug: string; n: number }>`
        select j.value as slug, count(distinct a.response_id) as n
        from engagement_answer a
        join engagement_question q on q.id = a.question_id
        join json_each(
          case when json_valid(a.value) then case when json_type(a.value) = 'array' then a.value else '[]' end
          else '[]' end
        ) j
        where a.ward_id = ${wardId} and q.kind = 'themes' and j.type = 'text'
        group by j.value`.execute(db)
  return { responses: Number(total.n), bySlug: new Map(rows.rows.map((r) => [r.slug, Number(r.n)])) }
}

/** The same count read row by row in JavaScript: the reference the SQL above must match, and its fallback. */
export async function countResponsesByThemeInJs(
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

/** Given responses of a ward (any channel, with or without an account), with what they chose: for outcome emails. */
export async function listResponsesByIds(
  db: Kysely<Database>,
  wardId: number,
  ids: number[],
): Promise<TracedResponse[]> {
  const out: TracedResponse[] = []
  // In slices, so a long list never outgrows the bind-parameter limit.
  for (let i = 0; i < ids.length; i += 500) {
    const slice = ids.slice(i, i + 500)
    const rows = await db
      .selectFrom('engagement_response as r')
      .innerJoin('engagement_consultation as c', 'c.id', 'r.consultation_id')
      .select(['r.id', 'r.ward_id', 'r.consultation_id', 'c.title', 'r.responded_on'])
      .where('r.ward_id', '=', wardId)
      .where('r.id', 'in', slice)
      .execute()
    const answers = await answersOf(db, rows.length === 0 ? [] : slice)
    for (const r of rows) out.push(traced(r, answers))
  }
  return out
}

/**
 * The people (accounts) with a response in the ward naming any of the given theme slugs in a "themes" answer: found
 * in the database, so an outcome's audience does not read every response (issue 9: 100,000 a ward). On
 * PostgreSQL, values the strict pattern does not recognise are read in JavaScript (a union, so nothing is lost).
 */
export async function listRespondentsNamingThemes(
  db: Kysely<Database>,
  wardId: number,
  slugs: string[],
): Promise<number[]> {
  if (slugs.length === 0) return []
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  const users = new Set<number>()
  if (pg) {
    const rows = await sql<{ u: number | string }>`
      select distinct r.respondent_user_id as u
      from engagement_answer a
      join engagement_question q on q.id = a.question_id
      join engagement_response r on r.id = a.response_id
      where a.ward_id = ${wardId} and q.kind = 'themes' and r.respondent_user_id is not null
        and a.value ~ ${STRING_ARRAY}
        and exists (
          select 1 from jsonb_array_elements(a.value::jsonb) el(v)
          where jsonb_typeof(el.v) = 'string' and (el.v #>> '{}') in (${sql.join(slugs)})
        )`.execute(db)
    for (const r of rows.rows) users.add(Number(r.u))
    const odd = await db
      .selectFrom('engagement_answer as a')
      .innerJoin('engagement_question as q', 'q.id', 'a.question_id')
      .innerJoin('engagement_response as r', 'r.id', 'a.response_id')
      .select(['r.respondent_user_id', 'a.value'])
      .where('a.ward_id', '=', wardId)
      .where('q.kind', '=', 'themes')
      .where('r.respondent_user_id', 'is not', null)
      .where(sql<boolean>`a.value !~ ${STRING_ARRAY}`)
      .execute()
    const wanted = new Set(slugs)
    for (const r of odd) if (slugsOf(r.value).some((x) => wanted.has(x))) users.add(Number(r.respondent_user_id))
  } else {
    const rows = await sql<{ u: number }>`
      select distinct r.respondent_user_id as u
      from engagement_answer a
      join engagement_question q on q.id = a.question_id
      join engagement_response r on r.id = a.response_id
      where a.ward_id = ${wardId} and q.kind = 'themes' and r.respondent_user_id is not null
        and exists (
          select 1 from json_each(
            case when json_valid(a.value) then case when json_type(a.value) = 'array' then a.value else '[]' end
            else '[]' end
          ) j
          where j.type = 'text' and j.value in (${sql.join(slugs)})
        )`.execute(db)
    for (const r of rows.rows) users.add(Number(r.u))
  }
  return [...users].sort((a, b) => a - b)
}

/** The people (accounts) behind the given answers of the ward (answers officers coded or cited as evidence). */
export async function listRespondentsOfAnswers(
  db: Kysely<Database>,
  wardId: number,
  answerIds: number[],
): Promise<number[]> {
  const users = new Set<number>()
  for (let i = 0; i < answerIds.length; i += 500) {
    const rows = await db
      .selectFrom('engagement_answer as a')
      .innerJoin('engagement_response as r', 'r.id', 'a.response_id')
      .select('r.respondent_user_id')
      .distinct()
      .where('a.ward_id', '=', wardId)
      .where('a.id', 'in', answerIds.slice(i, i + 500))
      .where('r.respondent_user_id', 'is not', null)
      .execute()
    for (const r of rows) users.add(Number(r.respondent_user_id))
  }
  return [...users].sort((a, b) => a - b)
}
