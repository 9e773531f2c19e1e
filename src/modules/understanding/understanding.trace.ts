import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import './understanding.tables.js'

/** Read-only views for "you said, we did" (the trace module): the coding frame, codings, needs and evidence. */
export interface TraceFrame {
  themes: { id: number; name: string; engagementThemeId: number | null; parentId: number | null }[]
  needs: { id: number; statement: string; themeId: number | null }[]
  /** Coded items (`answer:12`, `text:3`) → the frame theme ids officers gave them. */
  codings: Map<string, number[]>
  /** Need id → the items officers attached to it as evidence. */
  evidence: Map<number, string[]>
}

function ids(json: string): number[] {
  try {
    const v: unknown = JSON.parse(json)
    return Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : []
  } catch {
    return []
  }
}

/** The ward's frame, needs, answer codings and evidence, in four queries (the trace is assembled in memory). */
export async function loadTraceFrame(db: Kysely<Database>, wardId: number): Promise<TraceFrame> {
  const [themes, needs, codings, evidence] = await Promise.all([
    db
      .selectFrom('understanding_theme')
      .select(['id', 'name', 'engagement_theme_id', 'parent_id'])
      .where('ward_id', '=', wardId)
      .orderBy('id')
      .execute(),
    db
      .selectFrom('understanding_need')
      .select(['id', 'statement', 'theme_id'])
      .where('ward_id', '=', wardId)
      .orderBy('id')
      .execute(),
    db
      .selectFrom('understanding_coding')
      .select(['item_ref', 'theme_ids_json'])
      .where('ward_id', '=', wardId)
      .where('item_ref', 'like', 'answer:%')
      .execute(),
    db.selectFrom('understanding_evidence').select(['need_id', 'item_ref']).where('ward_id', '=', wardId).execute(),
  ])
  const codingMap = new Map<string, number[]>()
  // Several officers may code one item: the trace counts a theme if any of them chose it.
  for (const c of codings)
    codingMap.set(c.item_ref, [...new Set([...(codingMap.get(c.item_ref) ?? []), ...ids(c.theme_ids_json)])])
  const evidenceMap = new Map<number, string[]>()
  for (const e of evidence)
    evidenceMap.set(Number(e.need_id), [...(evidenceMap.get(Number(e.need_id)) ?? []), e.item_ref])
  return {
    themes: themes.map((t) => ({
      id: Number(t.id),
      name: t.name,
      engagementThemeId: t.engagement_theme_id === null ? null : Number(t.engagement_theme_id),
      parentId: t.parent_id === null ? null : Number(t.parent_id),
    })),
    needs: needs.map((n) => ({
      id: Number(n.id),
      statement: n.statement,
      themeId: n.theme_id === null ? null : Number(n.theme_id),
    })),
    codings: codingMap,
    evidence: evidenceMap,
  }
}
