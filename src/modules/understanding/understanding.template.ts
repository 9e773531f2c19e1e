import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'

/**
 * Copies a ward's coding frame (its active themes, with their hierarchy, definitions and examples) to another ward.
 * Texts, codings, models, candidates, needs and evidence are that ward's residents' words and are never copied.
 * `engagementThemeMap` (source engagement theme id → target id, from the engagement template copy) keeps each
 * top-level theme linked to the new ward's own engagement theme; without it the link is dropped. A theme the target
 * already has (same engagement theme, or same name under the same parent) is reused, so repeating a copy adds nothing.
 * Call inside ctx.write (trx only).
 */
export async function copyCodingFrameTemplate(
  trx: Kysely<Database>,
  fromWardId: number,
  toWardId: number,
  engagementThemeMap: ReadonlyMap<number, number> = new Map(),
): Promise<{ themesAdded: number; themesKept: number }> {
  if (fromWardId === toWardId) throw new Error('a ward cannot be its own template')
  const now = new Date().toISOString()
  const source = await trx
    .selectFrom('understanding_theme')
    .selectAll()
    .where('ward_id', '=', fromWardId)
    .where('status', '=', 'active')
    .orderBy('id')
    .execute()
  const existing = await trx.selectFrom('understanding_theme').selectAll().where('ward_id', '=', toWardId).execute()
  const idMap = new Map<number, number>()
  let themesAdded = 0
  let themesKept = 0
  // Parents before children: repeat passes until every theme whose parent is placed has been placed.
  let pending = [...source]
  while (pending.length > 0) {
    const next: typeof pending = []
    for (const t of pending) {
      const parentId = t.parent_id === null ? null : idMap.get(Number(t.parent_id))
      if (t.parent_id !== null && parentId === undefined) {
        // A parent that is not active (merged or split) is not copied: the child becomes top-level.
        if (source.some((s) => Number(s.id) === Number(t.parent_id))) {
          next.push(t)
          continue
        }
      }
      const parent = parentId ?? null
      const engagementThemeId =
        t.engagement_theme_id === null ? null : (engagementThemeMap.get(Number(t.engagement_theme_id)) ?? null)
      const same = existing.find(
        (e) =>
          e.status === 'active' &&
          ((engagementThemeId !== null && Number(e.engagement_theme_id) === engagementThemeId) ||
            (e.name === t.name && (e.parent_id === null ? null : Number(e.parent_id)) === parent)),
      )
      if (same) {
        idMap.set(Number(t.id), Number(same.id))
        themesKept += 1
        continue
      }
      const r = await trx
        .insertInto('understanding_theme')
        .values({
          ward_id: toWardId,
          engagement_theme_id: engagementThemeId,
          parent_id: parent,
          name: t.name,
          definition: t.definition,
          examples: t.examples,
          status: 'active',
          replaced_by_json: '[]',
          created_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      const id = Number(r.id)
      idMap.set(Number(t.id), id)
      await trx
        .insertInto('understanding_theme_event')
        .values({
          ward_id: toWardId,
          theme_id: id,
          action: 'created',
          detail_json: JSON.stringify({ from: 'template', wardId: fromWardId, themeId: Number(t.id) }),
          by_user_id: null,
          at: now,
        })
        .execute()
      themesAdded += 1
    }
    if (next.length === pending.length) break
    pending = next
  }
  return { themesAdded, themesKept }
}
