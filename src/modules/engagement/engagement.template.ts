import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'

export interface EngagementTemplateCopy {
  /** Themes added to the target ward (those whose slug it already had are kept as they are). */
  themesAdded: number
  /** Source theme id → target theme id, for modules whose frames point at engagement themes. */
  themeMap: Map<number, number>
  consultationId: number | null
  questions: number
}

/**
 * Copies a ward's themes and its newest consultation (with its questions) to another ward, as the starting point of
 * that ward's programme. Only the design is copied: never a response, answer, draft, event or equality answer. The
 * copy is a draft so the new ward's officers review it before it opens. Call inside ctx.write (trx only).
 */
export async function copyConsultationTemplate(
  trx: Kysely<Database>,
  fromWardId: number,
  toWardId: number,
): Promise<EngagementTemplateCopy> {
  if (fromWardId === toWardId) throw new Error('a ward cannot be its own template')
  const now = new Date().toISOString()
  const source = await trx
    .selectFrom('engagement_theme')
    .selectAll()
    .where('ward_id', '=', fromWardId)
    .orderBy('id')
    .execute()
  let themesAdded = 0
  for (const t of source) {
    const r = await trx
      .insertInto('engagement_theme')
      .values({ ward_id: toWardId, slug: t.slug, name: t.name, description: t.description, created_at: now })
      .onConflict((oc) => oc.columns(['ward_id', 'slug']).doNothing())
      .returning('id')
      .executeTakeFirst()
    if (r) themesAdded += 1
  }
  const target = await trx
    .selectFrom('engagement_theme')
    .select(['id', 'slug'])
    .where('ward_id', '=', toWardId)
    .execute()
  const idBySlug = new Map(target.map((t) => [t.slug, Number(t.id)]))
  const themeMap = new Map<number, number>()
  for (const t of source) {
    const to = idBySlug.get(t.slug)
    if (to !== undefined) themeMap.set(Number(t.id), to)
  }
  const mapIds = (json: string): number[] => {
    const v: unknown = JSON.parse(json)
    return Array.isArray(v)
      ? v.flatMap((x) => (typeof x === 'number' && themeMap.has(x) ? [themeMap.get(x)!] : []))
      : []
  }

  const c = await trx
    .selectFrom('engagement_consultation')
    .selectAll()
    .where('ward_id', '=', fromWardId)
    .orderBy('id', 'desc')
    .executeTakeFirst()
  if (!c) return { themesAdded, themeMap, consultationId: null, questions: 0 }
  const inserted = await trx
    .insertInto('engagement_consultation')
    .values({
      ward_id: toWardId,
      title: c.title,
      summary: c.summary,
      status: 'draft',
      allow_anonymous: c.allow_anonymous,
      theme_ids_json: JSON.stringify(mapIds(c.theme_ids_json)),
      is_demo: c.is_demo,
      created_by_user_id: null,
      created_at: now,
      opened_at: null,
      closed_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  const consultationId = Number(inserted.id)
  const questions = await trx
    .selectFrom('engagement_question')
    .selectAll()
    .where('consultation_id', '=', c.id)
    .where('ward_id', '=', fromWardId)
    .orderBy('position')
    .execute()
  for (const q of questions)
    await trx
      .insertInto('engagement_question')
      .values({
        ward_id: toWardId,
        consultation_id: consultationId,
        position: q.position,
        kind: q.kind,
        prompt: q.prompt,
        hint: q.hint,
        required: q.required,
        options_json: q.options_json,
        theme_id: q.theme_id === null ? null : (themeMap.get(Number(q.theme_id)) ?? null),
      })
      .execute()
  return { themesAdded, themeMap, consultationId, questions: questions.length }
}
