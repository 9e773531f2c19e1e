import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import type { Quota } from './selection/index.js'

/**
 * Copies a ward's panel design (size, one-per-household, quotas) to another ward. Quotas on `area` are dropped:
 * their values are the source ward's own small areas, and the target's are filled in (0..k) when its officers open
 * the quota page. Volunteers, runs and members are people and are never copied. A ward that already has panel
 * settings keeps them. Call inside ctx.write (trx only).
 */
export async function copyPanelQuotasTemplate(
  trx: Kysely<Database>,
  fromWardId: number,
  toWardId: number,
): Promise<{ copied: boolean; quotas: number }> {
  if (fromWardId === toWardId) throw new Error('a ward cannot be its own template')
  const s = await trx.selectFrom('panel_settings').selectAll().where('ward_id', '=', fromWardId).executeTakeFirst()
  if (!s) return { copied: false, quotas: 0 }
  const quotas = (JSON.parse(s.quotas_json) as Quota[]).filter((q) => q.category !== 'area')
  const r = await trx
    .insertInto('panel_settings')
    .values({
      ward_id: toWardId,
      k: s.k,
      one_per_household: s.one_per_household,
      quotas_json: JSON.stringify(quotas),
      updated_by_user_id: null,
      updated_at: new Date().toISOString(),
    })
    .onConflict((oc) => oc.column('ward_id').doNothing())
    .returning('ward_id')
    .executeTakeFirst()
  return { copied: r !== undefined, quotas: r ? quotas.length : 0 }
}
