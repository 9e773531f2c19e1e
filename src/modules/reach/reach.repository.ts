import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import './reach.tables.js'

type Db = Kysely<Database>

export interface OutreachPlan {
  id: number
  targetKind: 'area' | 'group'
  targetKey: string
  targetLabel: string
  place: string
  plannedOn: string
  assignedTo: string
  notes: string
}

export async function insertPlan(
  db: Db,
  p: Omit<OutreachPlan, 'id'> & { wardId: number; createdBy: number | null },
): Promise<number> {
  const r = await db
    .insertInto('reach_outreach_plan')
    .values({
      ward_id: p.wardId,
      target_kind: p.targetKind,
      target_key: p.targetKey,
      target_label: p.targetLabel,
      place: p.place,
      planned_on: p.plannedOn,
      assigned_to: p.assignedTo,
      notes: p.notes,
      created_by_user_id: p.createdBy,
      created_at: new Date().toISOString(),
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return Number(r.id)
}

export async function listPlans(db: Db, wardId: number): Promise<OutreachPlan[]> {
  const rows = await db
    .selectFrom('reach_outreach_plan')
    .selectAll()
    .where('ward_id', '=', wardId)
    .orderBy('planned_on')
    .orderBy('id')
    .execute()
  return rows.map((r) => ({
    id: Number(r.id),
    targetKind: r.target_kind,
    targetKey: r.target_key,
    targetLabel: r.target_label,
    place: r.place,
    plannedOn: r.planned_on,
    assignedTo: r.assigned_to,
    notes: r.notes,
  }))
}
