import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import type { EiaImpact, EiaStatus, EiaSubjectKind, PlanStatus } from './reach.tables.js'
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
  p: Omit<OutreachPlan, 'id'> & { wardId: number; createdBy: number | null; venueId?: number | null; isDemo?: boolean },
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
      venue_id: p.venueId ?? null,
      is_demo: p.isDemo ? 1 : 0,
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

// --- Outreach plans: venue, assignment and results ------------------------------------------------

export interface PlanDetail extends OutreachPlan {
  wardId: number
  venueId: number | null
  status: PlanStatus
  peopleReached: number | null
  responsesCollected: number | null
  resultNotes: string | null
  resultAt: string | null
  assigneeIds: number[]
}

export async function getPlan(db: Db, wardId: number, planId: number): Promise<PlanDetail | undefined> {
  const r = await db
    .selectFrom('reach_outreach_plan')
    .selectAll()
    .where('id', '=', planId)
    .where('ward_id', '=', wardId)
    .executeTakeFirst()
  if (!r) return undefined
  const assignees = await db.selectFrom('reach_plan_assignee').select('user_id').where('plan_id', '=', planId).execute()
  return {
    id: Number(r.id),
    wardId: Number(r.ward_id),
    targetKind: r.target_kind,
    targetKey: r.target_key,
    targetLabel: r.target_label,
    place: r.place,
    plannedOn: r.planned_on,
    assignedTo: r.assigned_to,
    notes: r.notes,
    venueId: r.venue_id === null ? null : Number(r.venue_id),
    status: r.status,
    peopleReached: r.people_reached === null ? null : Number(r.people_reached),
    responsesCollected: r.responses_collected === null ? null : Number(r.responses_collected),
    resultNotes: r.result_notes,
    resultAt: r.result_at,
    assigneeIds: assignees.map((a) => Number(a.user_id)).sort((a, b) => a - b),
  }
}

/** Every plan of the ward with its assignees, for the plans table. */
export async function listPlanDetails(db: Db, wardId: number): Promise<PlanDetail[]> {
  const ids = await db
    .selectFrom('reach_outreach_plan')
    .select('id')
    .where('ward_id', '=', wardId)
    .orderBy('planned_on')
    .orderBy('id')
    .execute()
  const out: PlanDetail[] = []
  for (const { id } of ids) {
    const p = await getPlan(db, wardId, Number(id))
    if (p) out.push(p)
  }
  return out
}

/** Plans assigned to one person in a ward. */
export async function listPlansAssignedTo(db: Db, wardId: number, userId: number): Promise<PlanDetail[]> {
  const rows = await db
    .selectFrom('reach_plan_assignee as a')
    .innerJoin('reach_outreach_plan as p', 'p.id', 'a.plan_id')
    .select('p.id')
    .where('a.user_id', '=', userId)
    .where('p.ward_id', '=', wardId)
    .orderBy('p.planned_on')
    .orderBy('p.id')
    .execute()
  const out: PlanDetail[] = []
  for (const r of rows) {
    const p = await getPlan(db, wardId, Number(r.id))
    if (p) out.push(p)
  }
  return out
}

export async function setPlanVenueAndAssignees(
  db: Db,
  planId: number,
  venueId: number | null,
  userIds: number[],
): Promise<void> {
  await db.updateTable('reach_outreach_plan').set({ venue_id: venueId }).where('id', '=', planId).execute()
  await db.deleteFrom('reach_plan_assignee').where('plan_id', '=', planId).execute()
  if (userIds.length > 0)
    await db
      .insertInto('reach_plan_assignee')
      .values(userIds.map((user_id) => ({ plan_id: planId, user_id })))
      .execute()
}

export async function recordPlanResult(
  db: Db,
  planId: number,
  r: {
    status: PlanStatus
    peopleReached: number | null
    responsesCollected: number | null
    notes: string
    by: number | null
  },
): Promise<void> {
  await db
    .updateTable('reach_outreach_plan')
    .set({
      status: r.status,
      people_reached: r.peopleReached,
      responses_collected: r.responsesCollected,
      result_notes: r.notes,
      result_by_user_id: r.by,
      result_at: new Date().toISOString(),
    })
    .where('id', '=', planId)
    .execute()
}

// --- Venues ---------------------------------------------------------------------------------------

export interface Venue {
  id: number
  name: string
  address: string
  postcode: string | null
  lsoaCode: string | null
  oaCode: string | null
  accessibility: string
  notes: string
  isDemo: boolean
}

export type VenueInput = Omit<Venue, 'id' | 'isDemo'>

export async function listVenues(db: Db, wardId: number): Promise<Venue[]> {
  const rows = await db
    .selectFrom('reach_venue')
    .selectAll()
    .where('ward_id', '=', wardId)
    .orderBy('name')
    .orderBy('id')
    .execute()
  return rows.map((r) => ({
    id: Number(r.id),
    name: r.name,
    address: r.address,
    postcode: r.postcode,
    lsoaCode: r.lsoa_code,
    oaCode: r.oa_code,
    accessibility: r.accessibility,
    notes: r.notes,
    isDemo: Number(r.is_demo) === 1,
  }))
}

export async function getVenue(db: Db, wardId: number, id: number): Promise<Venue | undefined> {
  return (await listVenues(db, wardId)).find((v) => v.id === id)
}

export async function insertVenue(
  db: Db,
  v: VenueInput & { wardId: number; createdBy: number | null; isDemo?: boolean },
): Promise<number> {
  const now = new Date().toISOString()
  const r = await db
    .insertInto('reach_venue')
    .values({
      ward_id: v.wardId,
      name: v.name,
      address: v.address,
      postcode: v.postcode,
      lsoa_code: v.lsoaCode,
      oa_code: v.oaCode,
      accessibility: v.accessibility,
      notes: v.notes,
      is_demo: v.isDemo ? 1 : 0,
      created_by_user_id: v.createdBy,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return Number(r.id)
}

export async function updateVenue(db: Db, wardId: number, id: number, v: VenueInput): Promise<boolean> {
  const r = await db
    .updateTable('reach_venue')
    .set({
      name: v.name,
      address: v.address,
      postcode: v.postcode,
      lsoa_code: v.lsoaCode,
      oa_code: v.oaCode,
      accessibility: v.accessibility,
      notes: v.notes,
      updated_at: new Date().toISOString(),
    })
    .where('id', '=', id)
    .where('ward_id', '=', wardId)
    .executeTakeFirst()
  return Number(r.numUpdatedRows) > 0
}

// --- Equality Impact Assessments ------------------------------------------------------------------

export interface EiaImpactRow {
  characteristic: string
  impact: EiaImpact
  evidence: string
  reachEvidenceJson: string | null
  mitigation: string
}

export interface Eia {
  id: number
  wardId: number
  subjectKind: EiaSubjectKind
  subjectId: number
  subjectLabel: string
  summary: string
  status: EiaStatus
  isDemo: boolean
  createdBy: number | null
  createdAt: string
  updatedBy: number | null
  updatedAt: string
  signedOffBy: number | null
  signedOffAt: string | null
  impacts: EiaImpactRow[]
  events: { action: string; userId: number | null; at: string }[]
}

const num = (v: number | null) => (v === null ? null : Number(v))

export async function listEias(db: Db, wardId: number): Promise<Omit<Eia, 'impacts' | 'events'>[]> {
  const rows = await db
    .selectFrom('reach_eia')
    .selectAll()
    .where('ward_id', '=', wardId)
    .orderBy('updated_at', 'desc')
    .orderBy('id', 'desc')
    .execute()
  return rows.map((r) => ({
    id: Number(r.id),
    wardId: Number(r.ward_id),
    subjectKind: r.subject_kind,
    subjectId: Number(r.subject_id),
    subjectLabel: r.subject_label,
    summary: r.summary,
    status: r.status,
    isDemo: Number(r.is_demo) === 1,
    createdBy: num(r.created_by_user_id),
    createdAt: r.created_at,
    updatedBy: num(r.updated_by_user_id),
    updatedAt: r.updated_at,
    signedOffBy: num(r.signed_off_by_user_id),
    signedOffAt: r.signed_off_at,
  }))
}

export async function getEia(db: Db, wardId: number, id: number): Promise<Eia | undefined> {
  const head = (await listEias(db, wardId)).find((e) => e.id === id)
  if (!head) return undefined
  const [impacts, events] = await Promise.all([
    db.selectFrom('reach_eia_impact').selectAll().where('eia_id', '=', id).execute(),
    db.selectFrom('reach_eia_event').selectAll().where('eia_id', '=', id).orderBy('id').execute(),
  ])
  return {
    ...head,
    impacts: impacts.map((i) => ({
      characteristic: i.characteristic,
      impact: i.impact,
      evidence: i.evidence,
      reachEvidenceJson: i.reach_evidence_json,
      mitigation: i.mitigation,
    })),
    events: events.map((e) => ({ action: e.action, userId: num(e.user_id), at: e.at })),
  }
}

/** Creates or replaces an EIA's content (back to draft: a changed assessment needs signing off again). */
export async function saveEia(
  db: Db,
  e: {
    id?: number
    wardId: number
    subjectKind: EiaSubjectKind
    subjectId: number
    subjectLabel: string
    summary: string
    impacts: EiaImpactRow[]
    by: number | null
    isDemo?: boolean
  },
): Promise<number> {
  const now = new Date().toISOString()
  let id = e.id
  if (id === undefined) {
    const r = await db
      .insertInto('reach_eia')
      .values({
        ward_id: e.wardId,
        subject_kind: e.subjectKind,
        subject_id: e.subjectId,
        subject_label: e.subjectLabel,
        summary: e.summary,
        status: 'draft',
        is_demo: e.isDemo ? 1 : 0,
        created_by_user_id: e.by,
        created_at: now,
        updated_by_user_id: e.by,
        updated_at: now,
        signed_off_by_user_id: null,
        signed_off_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    id = Number(r.id)
  } else {
    await db
      .updateTable('reach_eia')
      .set({
        subject_kind: e.subjectKind,
        subject_id: e.subjectId,
        subject_label: e.subjectLabel,
        summary: e.summary,
        status: 'draft',
        updated_by_user_id: e.by,
        updated_at: now,
        signed_off_by_user_id: null,
        signed_off_at: null,
      })
      .where('id', '=', id)
      .where('ward_id', '=', e.wardId)
      .execute()
    await db.deleteFrom('reach_eia_impact').where('eia_id', '=', id).execute()
  }
  if (e.impacts.length > 0)
    await db
      .insertInto('reach_eia_impact')
      .values(
        e.impacts.map((i) => ({
          eia_id: id,
          characteristic: i.characteristic,
          impact: i.impact,
          evidence: i.evidence,
          reach_evidence_json: i.reachEvidenceJson,
          mitigation: i.mitigation,
        })),
      )
      .execute()
  await db
    .insertInto('reach_eia_event')
    .values({ eia_id: id, action: e.id === undefined ? 'created' : 'updated', user_id: e.by, at: now })
    .execute()
  return id
}

/** Signs off a draft; false when it was not a draft any more (someone else signed or it changed meanwhile). */
export async function signOffEia(db: Db, wardId: number, id: number, by: number): Promise<boolean> {
  const now = new Date().toISOString()
  const r = await db
    .updateTable('reach_eia')
    .set({ status: 'signed_off', signed_off_by_user_id: by, signed_off_at: now })
    .where('id', '=', id)
    .where('ward_id', '=', wardId)
    .where('status', '=', 'draft')
    .executeTakeFirst()
  if (Number(r.numUpdatedRows) === 0) return false
  await db.insertInto('reach_eia_event').values({ eia_id: id, action: 'signed_off', user_id: by, at: now }).execute()
  return true
}
