import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'

/** A free-text answer, as other capabilities (understanding) may read it: no respondent, no postcode. */
export interface FreeTextAnswer {
  answerId: number
  responseId: number
  consultationId: number
  consultationTitle: string
  prompt: string
  text: string
  areaCode: string | null
  channel: string
  respondedOn: string
}

/** Read-only: the ward's non-empty short and long text answers, oldest first. */
export async function listFreeTextAnswers(db: Kysely<Database>, wardId: number): Promise<FreeTextAnswer[]> {
  const rows = await db
    .selectFrom('engagement_answer as a')
    .innerJoin('engagement_question as q', 'q.id', 'a.question_id')
    .innerJoin('engagement_response as r', 'r.id', 'a.response_id')
    .innerJoin('engagement_consultation as c', 'c.id', 'r.consultation_id')
    .select([
      'a.id',
      'a.response_id',
      'r.consultation_id',
      'c.title',
      'q.prompt',
      'a.value',
      'r.area_code',
      'r.channel',
    ])
    .select('r.responded_on')
    .where('a.ward_id', '=', wardId)
    .where('q.kind', 'in', ['short_text', 'long_text'])
    .where('a.value', '<>', '')
    .orderBy('a.id')
    .execute()
  return rows.map((r) => ({
    answerId: Number(r.id),
    responseId: Number(r.response_id),
    consultationId: Number(r.consultation_id),
    consultationTitle: r.title,
    prompt: r.prompt,
    text: r.value,
    areaCode: r.area_code,
    channel: r.channel,
    respondedOn: r.responded_on,
  }))
}

/** Read-only: the ward's themes (the starting four and any officers added). */
export async function listWardThemes(
  db: Kysely<Database>,
  wardId: number,
): Promise<{ id: number; slug: string; name: string; description: string }[]> {
  const rows = await db.selectFrom('engagement_theme').selectAll().where('ward_id', '=', wardId).orderBy('id').execute()
  return rows.map((r) => ({ id: Number(r.id), slug: r.slug, name: r.name, description: r.description }))
}
