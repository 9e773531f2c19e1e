import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'

/** Visible ideas per theme (hidden ones are not public), for the public programme page; the caller applies disclosure. */
export async function countIdeasByTheme(
  db: Kysely<Database>,
  wardId: number,
): Promise<{ themeId: number; ideas: number }[]> {
  const rows = await db
    .selectFrom('ideas_idea')
    .select((eb) => ['theme_id', eb.fn.countAll<number>().as('n')])
    .where('ward_id', '=', wardId)
    .where('hidden_at', 'is', null)
    .groupBy('theme_id')
    .execute()
  return rows.map((r) => ({ themeId: Number(r.theme_id), ideas: Number(r.n) }))
}
