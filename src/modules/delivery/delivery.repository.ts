import type { Kysely, Selectable } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import type { KpiDirection, ReturnState, ServiceState } from './delivery.rules.js'
import './delivery.tables.js'

/** The only code that touches `delivery_*` tables. First parameter is db or trx. */
type Db = Kysely<Database>
const nowIso = () => new Date().toISOString()

export interface TrackedService {
  id: number
  wardId: number
  parentId: number | null
  title: string
  description: string
  providerOrganisationId: number | null
  processId: number | null
  priorityOptionId: number | null
  commitmentRef: string | null
  theme: string | null
  weight: number
  state: ServiceState
  startOn: string
  endOn: string
  periodMonths: number
  dueAfterDays: number
  graceDays: number
  isDemo: boolean
}

const asState = (s: string): ServiceState =>
  s === 'not_started' || s === 'completed' || s === 'cancelled' ? s : 'active'

const toService = (r: Selectable<Database['delivery_service']>): TrackedService => ({
  id: Number(r.id),
  wardId: Number(r.ward_id),
  parentId: r.parent_id === null ? null : Number(r.parent_id),
  title: r.title,
  description: r.description,
  providerOrganisationId: r.provider_organisation_id === null ? null : Number(r.provider_organisation_id),
  processId: r.process_id === null ? null : Number(r.process_id),
  priorityOptionId: r.priority_option_id === null ? null : Number(r.priority_option_id),
  commitmentRef: r.commitment_ref,
  theme: r.theme,
  weight: Number(r.weight),
  state: asState(r.state),
  startOn: r.start_on,
  endOn: r.end_on,
  periodMonths: Number(r.period_months),
  dueAfterDays: Number(r.due_after_days),
  graceDays: Number(r.grace_days),
  isDemo: Number(r.is_demo) === 1,
})

export interface NewService {
  wardId: number
  parentId: number | null
  title: string
  description: string
  providerOrganisationId: number | null
  processId: number | null
  priorityOptionId: number | null
  commitmentRef: string | null
  theme: string | null
  weight: number
  state: ServiceState
  startOn: string
  endOn: string
  periodMonths: number
  dueAfterDays: number
  graceDays: number
  isDemo?: boolean
  createdBy: number | null
}

export async function insertService(db: Db, s: NewService): Promise<number> {
  const r = await db
    .insertInto('delivery_service')
    .values({
      ward_id: s.wardId,
      parent_id: s.parentId,
      title: s.title,
      description: s.description,
      provider_organisation_id: s.providerOrganisationId,
      process_id: s.processId,
      priority_option_id: s.priorityOptionId,
      commitment_ref: s.commitmentRef,
      theme: s.theme,
      weight: s.weight,
      state: s.state,
      start_on: s.startOn,
      end_on: s.endOn,
      period_months: s.periodMonths,
      due_after_days: s.dueAfterDays,
      grace_days: s.graceDays,
      is_demo: s.isDemo ? 1 : 0,
      created_by_user_id: s.createdBy,
      created_at: nowIso(),
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return Number(r.id)
}

export async function listServices(db: Db, wardId: number): Promise<TrackedService[]> {
  const rows = await db.selectFrom('delivery_service').selectAll().where('ward_id', '=', wardId).orderBy('id').execute()
  return rows.map(toService)
}

export async function findService(db: Db, id: number): Promise<TrackedService | undefined> {
  const r = await db.selectFrom('delivery_service').selectAll().where('id', '=', id).executeTakeFirst()
  return r ? toService(r) : undefined
}

export async function setServiceState(db: Db, id: number, state: ServiceState): Promise<void> {
  await db.updateTable('delivery_service').set({ state }).where('id', '=', id).execute()
}

export interface Milestone {
  id: number
  serviceId: number
  title: string
  dueOn: string
  doneOn: string | null
  weight: number
}

export async function insertMilestone(
  db: Db,
  m: { serviceId: number; title: string; dueOn: string; weight: number; position: number; doneOn?: string | null },
): Promise<number> {
  const r = await db
    .insertInto('delivery_milestone')
    .values({
      service_id: m.serviceId,
      title: m.title,
      due_on: m.dueOn,
      done_on: m.doneOn ?? null,
      weight: m.weight,
      position: m.position,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return Number(r.id)
}

export async function listMilestones(db: Db, serviceIds: number[]): Promise<Milestone[]> {
  if (serviceIds.length === 0) return []
  const rows = await db
    .selectFrom('delivery_milestone')
    .selectAll()
    .where('service_id', 'in', serviceIds)
    .orderBy('service_id')
    .orderBy('position')
    .execute()
  return rows.map((r) => ({
    id: Number(r.id),
    serviceId: Number(r.service_id),
    title: r.title,
    dueOn: r.due_on,
    doneOn: r.done_on,
    weight: Number(r.weight),
  }))
}

export interface Kpi {
  id: number
  serviceId: number
  name: string
  unit: string
  target: number
  direction: KpiDirection
}

export async function insertKpi(
  db: Db,
  k: { serviceId: number; name: string; unit: string; target: number; direction: KpiDirection; position: number },
): Promise<number> {
  const r = await db
    .insertInto('delivery_kpi')
    .values({
      service_id: k.serviceId,
      name: k.name,
      unit: k.unit,
      target: k.target,
      direction: k.direction,
      position: k.position,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return Number(r.id)
}

export async function listKpis(db: Db, serviceIds: number[]): Promise<Kpi[]> {
  if (serviceIds.length === 0) return []
  const rows = await db
    .selectFrom('delivery_kpi')
    .selectAll()
    .where('service_id', 'in', serviceIds)
    .orderBy('service_id')
    .orderBy('position')
    .execute()
  return rows.map((r) => ({
    id: Number(r.id),
    serviceId: Number(r.service_id),
    name: r.name,
    unit: r.unit,
    target: Number(r.target),
    direction: r.direction === 'lower' ? 'lower' : 'higher',
  }))
}

export interface Return {
  id: number
  serviceId: number
  wardId: number
  periodIndex: number
  periodStart: string
  periodEnd: string
  dueOn: string
  state: ReturnState
  narrative: string
  submittedAt: string | null
  reviewedAt: string | null
  reviewComment: string | null
  updatedAt: string
  /** KPI id → value reported for this period. */
  kpiValues: Map<number, number>
  /** Milestone id → the day the provider says it was done. */
  milestonesDone: Map<number, string>
}

const asReturnState = (s: string): ReturnState =>
  s === 'submitted' || s === 'accepted' || s === 'changes_requested' ? s : 'draft'

export async function listReturns(db: Db, serviceIds: number[]): Promise<Return[]> {
  if (serviceIds.length === 0) return []
  const rows = await db
    .selectFrom('delivery_return')
    .selectAll()
    .where('service_id', 'in', serviceIds)
    .orderBy('service_id')
    .orderBy('period_index')
    .execute()
  const ids = rows.map((r) => Number(r.id))
  const values = ids.length
    ? await db.selectFrom('delivery_return_kpi').selectAll().where('return_id', 'in', ids).execute()
    : []
  const done = ids.length
    ? await db.selectFrom('delivery_return_milestone').selectAll().where('return_id', 'in', ids).execute()
    : []
  // Grouped once, so a ward with years of returns stays linear in its rows.
  const valuesOf = new Map<number, Map<number, number>>()
  for (const v of values) {
    const id = Number(v.return_id)
    const m = valuesOf.get(id) ?? new Map<number, number>()
    m.set(Number(v.kpi_id), Number(v.value))
    valuesOf.set(id, m)
  }
  const doneOf = new Map<number, Map<number, string>>()
  for (const d of done) {
    const id = Number(d.return_id)
    const m = doneOf.get(id) ?? new Map<number, string>()
    m.set(Number(d.milestone_id), d.done_on)
    doneOf.set(id, m)
  }
  return rows.map((r) => {
    const id = Number(r.id)
    return {
      id,
      serviceId: Number(r.service_id),
      wardId: Number(r.ward_id),
      periodIndex: Number(r.period_index),
      periodStart: r.period_start,
      periodEnd: r.period_end,
      dueOn: r.due_on,
      state: asReturnState(r.state),
      narrative: r.narrative,
      submittedAt: r.submitted_at,
      reviewedAt: r.reviewed_at,
      reviewComment: r.review_comment,
      updatedAt: r.updated_at,
      kpiValues: valuesOf.get(id) ?? new Map<number, number>(),
      milestonesDone: doneOf.get(id) ?? new Map<number, string>(),
    }
  })
}

export async function findReturn(db: Db, wardId: number, id: number): Promise<Return | undefined> {
  const r = await db
    .selectFrom('delivery_return')
    .select('service_id')
    .where('id', '=', id)
    .where('ward_id', '=', wardId)
    .executeTakeFirst()
  if (!r) return undefined
  return (await listReturns(db, [Number(r.service_id)])).find((x) => x.id === id)
}

export interface ReturnInput {
  serviceId: number
  wardId: number
  period: { index: number; start: string; end: string; due: string }
  narrative: string
  kpiValues: { kpiId: number; value: number }[]
  milestonesDone: { milestoneId: number; doneOn: string }[]
  submit: boolean
  userId: number | null
  /** Seeds and tests set the submission time; otherwise now. */
  at?: string
}

/**
 * Saves a draft or submits a period's return, replacing its figures. Refused (returns undefined) once the
 * return is submitted or accepted: what an officer is reviewing does not change under them.
 */
export async function saveReturn(db: Db, r: ReturnInput): Promise<number | undefined> {
  const at = r.at ?? nowIso()
  const existing = await db
    .selectFrom('delivery_return')
    .select(['id', 'state'])
    .where('service_id', '=', r.serviceId)
    .where('period_index', '=', r.period.index)
    .executeTakeFirst()
  if (existing && (existing.state === 'submitted' || existing.state === 'accepted')) return undefined
  const state: ReturnState = r.submit ? 'submitted' : existing ? asReturnState(existing.state) : 'draft'
  let id: number
  if (existing) {
    id = Number(existing.id)
    await db
      .updateTable('delivery_return')
      .set({
        narrative: r.narrative,
        state,
        updated_at: at,
        ...(r.submit ? { submitted_at: at, submitted_by_user_id: r.userId } : {}),
      })
      .where('id', '=', id)
      .execute()
    await db.deleteFrom('delivery_return_kpi').where('return_id', '=', id).execute()
    await db.deleteFrom('delivery_return_milestone').where('return_id', '=', id).execute()
  } else {
    const row = await db
      .insertInto('delivery_return')
      .values({
        service_id: r.serviceId,
        ward_id: r.wardId,
        period_index: r.period.index,
        period_start: r.period.start,
        period_end: r.period.end,
        due_on: r.period.due,
        state,
        narrative: r.narrative,
        submitted_at: r.submit ? at : null,
        submitted_by_user_id: r.submit ? r.userId : null,
        created_at: at,
        updated_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    id = Number(row.id)
  }
  for (const v of r.kpiValues)
    await db.insertInto('delivery_return_kpi').values({ return_id: id, kpi_id: v.kpiId, value: v.value }).execute()
  for (const m of r.milestonesDone)
    await db
      .insertInto('delivery_return_milestone')
      .values({ return_id: id, milestone_id: m.milestoneId, done_on: m.doneOn })
      .execute()
  return id
}

/**
 * An officer's decision on a submitted return. Accepting applies the milestones it reports done (a milestone
 * already done keeps its first date). Only a submitted return can be reviewed; returns false otherwise.
 */
export async function reviewReturn(
  db: Db,
  v: {
    returnId: number
    decision: 'accepted' | 'changes_requested'
    comment: string
    userId: number | null
    at?: string
  },
): Promise<boolean> {
  const at = v.at ?? nowIso()
  const r = await db
    .updateTable('delivery_return')
    .set({ state: v.decision, reviewed_at: at, reviewed_by_user_id: v.userId, review_comment: v.comment })
    .where('id', '=', v.returnId)
    .where('state', '=', 'submitted')
    .executeTakeFirst()
  if (Number(r.numUpdatedRows) !== 1) return false
  await db
    .insertInto('delivery_review')
    .values({
      return_id: v.returnId,
      decision: v.decision,
      comment: v.comment,
      reviewer_user_id: v.userId,
      created_at: at,
    })
    .execute()
  if (v.decision === 'accepted') {
    const done = await db
      .selectFrom('delivery_return_milestone')
      .selectAll()
      .where('return_id', '=', v.returnId)
      .execute()
    for (const d of done)
      await db
        .updateTable('delivery_milestone')
        .set({ done_on: d.done_on })
        .where('id', '=', Number(d.milestone_id))
        .where('done_on', 'is', null)
        .execute()
  }
  return true
}

export async function listReviews(db: Db, returnIds: number[]) {
  if (returnIds.length === 0) return []
  return (
    await db.selectFrom('delivery_review').selectAll().where('return_id', 'in', returnIds).orderBy('id').execute()
  ).map((r) => ({
    returnId: Number(r.return_id),
    decision: r.decision,
    comment: r.comment,
    createdAt: r.created_at,
  }))
}

// --- Ratings --------------------------------------------------------------------------------------------------

export interface Rating {
  id: number
  serviceId: number
  userId: number
  stars: number
  comment: string
  wantsSurveys: boolean
  hiddenAt: string | null
  hiddenReason: string | null
  createdAt: string
  updatedAt: string
}

const toRating = (r: Selectable<Database['delivery_rating']>): Rating => ({
  id: Number(r.id),
  serviceId: Number(r.service_id),
  userId: Number(r.user_id),
  stars: Number(r.stars),
  comment: r.comment,
  wantsSurveys: Number(r.wants_surveys) === 1,
  hiddenAt: r.hidden_at,
  hiddenReason: r.hidden_reason,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
})

/** One rating per person per service: rating again replaces the stars and comment (and shows it again). */
export async function saveRating(
  db: Db,
  r: { serviceId: number; wardId: number; userId: number; stars: number; comment: string; wantsSurveys: boolean },
): Promise<void> {
  const at = nowIso()
  await db
    .insertInto('delivery_rating')
    .values({
      service_id: r.serviceId,
      ward_id: r.wardId,
      user_id: r.userId,
      stars: r.stars,
      comment: r.comment,
      wants_surveys: r.wantsSurveys ? 1 : 0,
      created_at: at,
      updated_at: at,
    })
    .onConflict((oc) =>
      oc.columns(['service_id', 'user_id']).doUpdateSet({
        stars: r.stars,
        comment: r.comment,
        wants_surveys: r.wantsSurveys ? 1 : 0,
        updated_at: at,
      }),
    )
    .execute()
}

export async function listRatings(db: Db, serviceIds: number[]): Promise<Rating[]> {
  if (serviceIds.length === 0) return []
  const rows = await db
    .selectFrom('delivery_rating')
    .selectAll()
    .where('service_id', 'in', serviceIds)
    .orderBy('id', 'desc')
    .execute()
  return rows.map(toRating)
}

/** Star counts per service, straight from the database (the summary a ward's dashboard needs). */
export async function ratingStars(db: Db, serviceIds: number[]): Promise<{ serviceId: number; stars: number }[]> {
  if (serviceIds.length === 0) return []
  const rows = await db
    .selectFrom('delivery_rating')
    .select(['service_id', 'stars'])
    .where('service_id', 'in', serviceIds)
    .execute()
  return rows.map((r) => ({ serviceId: Number(r.service_id), stars: Number(r.stars) }))
}

export async function findRating(db: Db, wardId: number, id: number): Promise<Rating | undefined> {
  const r = await db
    .selectFrom('delivery_rating')
    .selectAll()
    .where('id', '=', id)
    .where('ward_id', '=', wardId)
    .executeTakeFirst()
  return r ? toRating(r) : undefined
}

export async function insertRatingReport(
  db: Db,
  r: { ratingId: number; wardId: number; reporterUserId: number; reason: string },
): Promise<void> {
  await db
    .insertInto('delivery_rating_report')
    .values({
      rating_id: r.ratingId,
      ward_id: r.wardId,
      reporter_user_id: r.reporterUserId,
      reason: r.reason,
      created_at: nowIso(),
    })
    .execute()
}

export async function listOpenRatingReports(db: Db, wardId: number) {
  const rows = await db
    .selectFrom('delivery_rating_report as r')
    .innerJoin('delivery_rating as g', 'g.id', 'r.rating_id')
    .innerJoin('delivery_service as s', 's.id', 'g.service_id')
    .select([
      'r.id',
      'r.rating_id',
      'r.reason',
      'r.created_at',
      'g.comment',
      'g.stars',
      's.id as service_id',
      's.title',
    ])
    .where('r.ward_id', '=', wardId)
    .where('r.resolved_at', 'is', null)
    .where('g.hidden_at', 'is', null)
    .orderBy('r.id')
    .execute()
  return rows.map((r) => ({
    id: Number(r.id),
    ratingId: Number(r.rating_id),
    reason: r.reason,
    comment: r.comment,
    stars: Number(r.stars),
    serviceId: Number(r.service_id),
    serviceTitle: r.title,
  }))
}

/** Hides a rating's comment with a reason its author sees, and closes the reports about it. */
export async function hideRating(db: Db, v: { ratingId: number; reason: string; byUserId: number }): Promise<boolean> {
  const at = nowIso()
  const r = await db
    .updateTable('delivery_rating')
    .set({ hidden_at: at, hidden_reason: v.reason, hidden_by_user_id: v.byUserId })
    .where('id', '=', v.ratingId)
    .where('hidden_at', 'is', null)
    .executeTakeFirst()
  if (Number(r.numUpdatedRows) !== 1) return false
  await db
    .updateTable('delivery_rating_report')
    .set({ resolved_at: at })
    .where('rating_id', '=', v.ratingId)
    .where('resolved_at', 'is', null)
    .execute()
  return true
}

/** People who asked for follow-up surveys about a service. */
export async function listSurveyRecipients(db: Db, serviceId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('delivery_rating')
    .select('user_id')
    .where('service_id', '=', serviceId)
    .where('wants_surveys', '=', 1)
    .orderBy('user_id')
    .execute()
  return rows.map((r) => Number(r.user_id))
}

export async function insertSurvey(
  db: Db,
  s: { serviceId: number; wardId: number; userId: number | null; recipients: number },
): Promise<void> {
  await db
    .insertInto('delivery_survey')
    .values({
      service_id: s.serviceId,
      ward_id: s.wardId,
      sent_by_user_id: s.userId,
      recipients: s.recipients,
      created_at: nowIso(),
    })
    .execute()
}

export async function listSurveys(db: Db, serviceId: number) {
  return (
    await db
      .selectFrom('delivery_survey')
      .selectAll()
      .where('service_id', '=', serviceId)
      .orderBy('id', 'desc')
      .execute()
  ).map((r) => ({ recipients: Number(r.recipients), createdAt: r.created_at }))
}

// --- Editing the plan after tracking starts (issue 9) --------------------------------------------------------

/**
 * Whether a provider has reported on a milestone: it is done, or any return (even a draft) names it. Such a
 * milestone is part of the record and is neither edited nor removed.
 */
export async function isMilestoneReported(db: Db, milestoneId: number): Promise<boolean> {
  const m = await db.selectFrom('delivery_milestone').select('done_on').where('id', '=', milestoneId).executeTakeFirst()
  if (!m) return true
  if (m.done_on !== null) return true
  const r = await db
    .selectFrom('delivery_return_milestone')
    .select('return_id')
    .where('milestone_id', '=', milestoneId)
    .executeTakeFirst()
  return r !== undefined
}

/** Changes a milestone nobody has reported on; false when it has been reported meanwhile (checked in the trx). */
export async function updateMilestone(
  db: Db,
  m: { id: number; serviceId: number; title: string; dueOn: string; weight: number },
): Promise<boolean> {
  if (await isMilestoneReported(db, m.id)) return false
  const r = await db
    .updateTable('delivery_milestone')
    .set({ title: m.title, due_on: m.dueOn, weight: m.weight })
    .where('id', '=', m.id)
    .where('service_id', '=', m.serviceId)
    .where('done_on', 'is', null)
    .executeTakeFirst()
  return Number(r.numUpdatedRows) === 1
}

export async function deleteMilestone(db: Db, serviceId: number, id: number): Promise<boolean> {
  if (await isMilestoneReported(db, id)) return false
  const r = await db
    .deleteFrom('delivery_milestone')
    .where('id', '=', id)
    .where('service_id', '=', serviceId)
    .where('done_on', 'is', null)
    .executeTakeFirst()
  return Number(r.numDeletedRows) === 1
}

/** Whether any return (even a draft) carries a figure for the KPI: its figures keep it in place. */
export async function isKpiReported(db: Db, kpiId: number): Promise<boolean> {
  const r = await db
    .selectFrom('delivery_return_kpi')
    .select('return_id')
    .where('kpi_id', '=', kpiId)
    .executeTakeFirst()
  return r !== undefined
}

/** A KPI's name, unit, target and direction may change at any time (the figures reported stay as they were). */
export async function updateKpi(
  db: Db,
  k: { id: number; serviceId: number; name: string; unit: string; target: number; direction: KpiDirection },
): Promise<boolean> {
  const r = await db
    .updateTable('delivery_kpi')
    .set({ name: k.name, unit: k.unit, target: k.target, direction: k.direction })
    .where('id', '=', k.id)
    .where('service_id', '=', k.serviceId)
    .executeTakeFirst()
  return Number(r.numUpdatedRows) === 1
}

export async function deleteKpi(db: Db, serviceId: number, id: number): Promise<boolean> {
  if (await isKpiReported(db, id)) return false
  const r = await db
    .deleteFrom('delivery_kpi')
    .where('id', '=', id)
    .where('service_id', '=', serviceId)
    .executeTakeFirst()
  return Number(r.numDeletedRows) === 1
}

/** A child's weight in its parent's roll-up (the roll-up is computed on every read, so it follows at once). */
export async function setServiceWeight(db: Db, id: number, weight: number): Promise<void> {
  await db.updateTable('delivery_service').set({ weight }).where('id', '=', id).execute()
}
