import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import type { Criterion, Instalment, Kpi } from './commissioning.rules.js'
import './commissioning.tables.js'

/** The only code that touches `commissioning_*` tables. */
type Db = Kysely<Database>
const now = () => new Date().toISOString()

export interface Process {
  id: number
  wardId: number
  title: string
  sourceKind: 'need' | 'priority'
  sourceText: string
  priorityOptionId: number | null
  fundId: number
  pledgeId: number
  theme: string
  purpose: string
  opportunityKind: 'contract' | 'grant' | null
  procedure: 'open' | 'invited' | null
  invited: number[]
  deadline: string | null
  criteria: Criterion[]
  publishedAt: string | null
  awardBidId: number | null
  awardReason: string
  awardProposedBy: number | null
  awardProposedAt: string | null
  awardApprovedBy: number | null
  awardApprovedAt: string | null
  isDemo: boolean
  createdAt: string
  /** On a lot: the opportunity it belongs to, and its number there. */
  parentId: number | null
  lotNumber: number | null
}

type ProcessRow = Database['commissioning_process']
const toProcess = (r: { [K in keyof ProcessRow]: unknown } & { id: number | string }): Process => ({
  id: Number(r.id),
  wardId: Number(r.ward_id),
  title: String(r.title),
  sourceKind: r.source_kind === 'priority' ? 'priority' : 'need',
  sourceText: String(r.source_text),
  priorityOptionId: r.priority_option_id === null ? null : Number(r.priority_option_id),
  fundId: Number(r.fund_id),
  pledgeId: Number(r.pledge_id),
  theme: String(r.theme),
  purpose: String(r.purpose),
  opportunityKind: r.opportunity_kind === 'contract' || r.opportunity_kind === 'grant' ? r.opportunity_kind : null,
  procedure: r.procedure === 'open' || r.procedure === 'invited' ? r.procedure : null,
  invited: JSON.parse(String(r.invited_json)) as number[],
  deadline: r.deadline === null ? null : String(r.deadline),
  criteria: JSON.parse(String(r.criteria_json)) as Criterion[],
  publishedAt: r.published_at === null ? null : String(r.published_at),
  awardBidId: r.award_bid_id === null ? null : Number(r.award_bid_id),
  awardReason: String(r.award_reason),
  awardProposedBy: r.award_proposed_by === null ? null : Number(r.award_proposed_by),
  awardProposedAt: r.award_proposed_at === null ? null : String(r.award_proposed_at),
  awardApprovedBy: r.award_approved_by === null ? null : Number(r.award_approved_by),
  awardApprovedAt: r.award_approved_at === null ? null : String(r.award_approved_at),
  isDemo: Number(r.is_demo) === 1,
  createdAt: String(r.created_at),
  parentId: r.parent_id === null ? null : Number(r.parent_id),
  lotNumber: r.lot_number === null ? null : Number(r.lot_number),
})

export interface NewProcess {
  wardId: number
  title: string
  sourceKind: 'need' | 'priority'
  sourceText: string
  priorityOptionId: number | null
  fundId: number
  pledgeId: number
  theme: string
  purpose: string
  isDemo?: boolean
  createdBy: number | null
  parentId?: number | null
  lotNumber?: number | null
}

export async function insertProcess(db: Db, p: NewProcess): Promise<number> {
  const r = await db
    .insertInto('commissioning_process')
    .values({
      ward_id: p.wardId,
      title: p.title,
      source_kind: p.sourceKind,
      source_text: p.sourceText,
      priority_option_id: p.priorityOptionId,
      fund_id: p.fundId,
      pledge_id: p.pledgeId,
      theme: p.theme,
      purpose: p.purpose,
      invited_json: '[]',
      criteria_json: '[]',
      award_reason: '',
      is_demo: p.isDemo ? 1 : 0,
      created_by_user_id: p.createdBy,
      created_at: now(),
      parent_id: p.parentId ?? null,
      lot_number: p.lotNumber ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return Number(r.id)
}

export async function findProcess(db: Db, wardId: number, id: number): Promise<Process | undefined> {
  const r = await db
    .selectFrom('commissioning_process')
    .selectAll()
    .where('id', '=', id)
    .where('ward_id', '=', wardId)
    .executeTakeFirst()
  return r ? toProcess(r) : undefined
}

export async function listProcesses(db: Db, wardId?: number): Promise<Process[]> {
  let q = db.selectFrom('commissioning_process').selectAll().orderBy('id', 'desc')
  if (wardId !== undefined) q = q.where('ward_id', '=', wardId)
  return (await q.execute()).map(toProcess)
}

/** The lots of an opportunity, in lot order (none when it was published whole). */
export async function listLots(db: Db, parentId: number): Promise<Process[]> {
  return (
    await db
      .selectFrom('commissioning_process')
      .selectAll()
      .where('parent_id', '=', parentId)
      .orderBy('lot_number')
      .execute()
  ).map(toProcess)
}

/** Publishing is once: a published opportunity's terms do not change under bidders. */
export async function publishOpportunity(
  db: Db,
  id: number,
  o: {
    kind: 'contract' | 'grant'
    procedure: 'open' | 'invited'
    invited: number[]
    deadline: string
    criteria: Criterion[]
  },
): Promise<boolean> {
  const r = await db
    .updateTable('commissioning_process')
    .set({
      opportunity_kind: o.kind,
      procedure: o.procedure,
      invited_json: JSON.stringify(o.invited),
      deadline: o.deadline,
      criteria_json: JSON.stringify(o.criteria),
      published_at: now(),
    })
    .where('id', '=', id)
    .where('published_at', 'is', null)
    .executeTakeFirst()
  return Number(r.numUpdatedRows) === 1
}

export async function proposeAward(
  db: Db,
  id: number,
  bidId: number,
  reason: string,
  userId: number,
): Promise<boolean> {
  const r = await db
    .updateTable('commissioning_process')
    .set({ award_bid_id: bidId, award_reason: reason, award_proposed_by: userId, award_proposed_at: now() })
    .where('id', '=', id)
    .where('award_approved_at', 'is', null)
    .executeTakeFirst()
  return Number(r.numUpdatedRows) === 1
}

/** Approves only a standing proposal by someone else (the check constraint says the same). */
export async function approveAward(db: Db, id: number, userId: number): Promise<boolean> {
  const r = await db
    .updateTable('commissioning_process')
    .set({ award_approved_by: userId, award_approved_at: now() })
    .where('id', '=', id)
    .where('award_proposed_by', 'is not', null)
    .where('award_proposed_by', '<>', userId)
    .where('award_approved_at', 'is', null)
    .executeTakeFirst()
  return Number(r.numUpdatedRows) === 1
}

export interface SpecVersion {
  version: number
  title: string
  outcomes: string
  kpis: Kpi[]
  budgetPence: number
  durationMonths: number
  equalityImpact: string
  authorUserId: number | null
  createdAt: string
}

export async function listSpecVersions(db: Db, processId: number): Promise<SpecVersion[]> {
  const rows = await db
    .selectFrom('commissioning_spec_version')
    .selectAll()
    .where('process_id', '=', processId)
    .orderBy('version', 'desc')
    .execute()
  return rows.map((r) => ({
    version: Number(r.version),
    title: r.title,
    outcomes: r.outcomes,
    kpis: JSON.parse(r.kpis_json) as Kpi[],
    budgetPence: Number(r.budget_pence),
    durationMonths: Number(r.duration_months),
    equalityImpact: r.equality_impact,
    authorUserId: r.author_user_id === null ? null : Number(r.author_user_id),
    createdAt: r.created_at,
  }))
}

/** Appends the next version; two saves at once cannot both take the same number (unique index). */
export async function insertSpecVersion(
  db: Db,
  processId: number,
  s: Omit<SpecVersion, 'version' | 'createdAt'>,
): Promise<number> {
  const last = await db
    .selectFrom('commissioning_spec_version')
    .select((eb) => eb.fn.max('version').as('v'))
    .where('process_id', '=', processId)
    .executeTakeFirst()
  const version = Number(last?.v ?? 0) + 1
  await db
    .insertInto('commissioning_spec_version')
    .values({
      process_id: processId,
      version,
      title: s.title,
      outcomes: s.outcomes,
      kpis_json: JSON.stringify(s.kpis),
      budget_pence: s.budgetPence,
      duration_months: s.durationMonths,
      equality_impact: s.equalityImpact,
      author_user_id: s.authorUserId,
      created_at: now(),
    })
    .execute()
  return version
}

export async function insertComment(db: Db, processId: number, version: number, userId: number | null, body: string) {
  await db
    .insertInto('commissioning_comment')
    .values({ process_id: processId, version, author_user_id: userId, body, created_at: now() })
    .execute()
}

export async function listComments(db: Db, processId: number) {
  return (
    await db
      .selectFrom('commissioning_comment as c')
      .leftJoin('accounts_user as u', 'u.id', 'c.author_user_id')
      .select(['c.id', 'c.version', 'c.body', 'c.created_at', 'u.name'])
      .where('c.process_id', '=', processId)
      .orderBy('c.id')
      .execute()
  ).map((r) => ({ version: Number(r.version), body: r.body, createdAt: r.created_at, author: r.name ?? '' }))
}

export interface Clarification {
  id: number
  organisationId: number
  question: string
  answer: string | null
  answeredAt: string | null
}

export async function insertClarification(db: Db, processId: number, organisationId: number, question: string) {
  await db
    .insertInto('commissioning_clarification')
    .values({ process_id: processId, organisation_id: organisationId, question, created_at: now() })
    .execute()
}

export async function answerClarification(db: Db, processId: number, id: number, answer: string): Promise<boolean> {
  const r = await db
    .updateTable('commissioning_clarification')
    .set({ answer, answered_at: now() })
    .where('id', '=', id)
    .where('process_id', '=', processId)
    .executeTakeFirst()
  return Number(r.numUpdatedRows) === 1
}

export async function listClarifications(db: Db, processId: number): Promise<Clarification[]> {
  return (
    await db
      .selectFrom('commissioning_clarification')
      .selectAll()
      .where('process_id', '=', processId)
      .orderBy('id')
      .execute()
  ).map((r) => ({
    id: Number(r.id),
    organisationId: Number(r.organisation_id),
    question: r.question,
    answer: r.answer,
    answeredAt: r.answered_at,
  }))
}

export interface Bid {
  id: number
  processId: number
  organisationId: number
  answers: Record<string, string>
  pricePence: number
  updatedAt: string
}

const toBid = (r: {
  id: number
  process_id: number
  organisation_id: number
  answers_json: string
  price_pence: number
  updated_at: string
}): Bid => ({
  id: Number(r.id),
  processId: Number(r.process_id),
  organisationId: Number(r.organisation_id),
  answers: JSON.parse(r.answers_json) as Record<string, string>,
  pricePence: Number(r.price_pence),
  updatedAt: r.updated_at,
})

export async function listBids(db: Db, processId: number): Promise<Bid[]> {
  return (
    await db.selectFrom('commissioning_bid').selectAll().where('process_id', '=', processId).orderBy('id').execute()
  ).map(toBid)
}

export async function findBidOfOrganisation(db: Db, processId: number, organisationId: number) {
  const r = await db
    .selectFrom('commissioning_bid')
    .selectAll()
    .where('process_id', '=', processId)
    .where('organisation_id', '=', organisationId)
    .executeTakeFirst()
  return r ? toBid(r) : undefined
}

/** Saves a bid only while the process's deadline has not passed (checked again in the same statement's unit). */
export async function saveBid(
  db: Db,
  b: {
    processId: number
    organisationId: number
    answers: Record<string, string>
    pricePence: number
    userId: number | null
  },
): Promise<void> {
  const t = now()
  await db
    .insertInto('commissioning_bid')
    .values({
      process_id: b.processId,
      organisation_id: b.organisationId,
      answers_json: JSON.stringify(b.answers),
      price_pence: b.pricePence,
      submitted_by_user_id: b.userId,
      created_at: t,
      updated_at: t,
    })
    .onConflict((oc) =>
      oc.columns(['process_id', 'organisation_id']).doUpdateSet({
        answers_json: JSON.stringify(b.answers),
        price_pence: b.pricePence,
        submitted_by_user_id: b.userId,
        updated_at: t,
      }),
    )
    .execute()
}

export interface Score {
  bidId: number
  scorerUserId: number
  criterion: string
  score: number
  reason: string
}

export async function saveScores(db: Db, scores: Score[]): Promise<void> {
  for (const s of scores)
    await db
      .insertInto('commissioning_score')
      .values({
        bid_id: s.bidId,
        scorer_user_id: s.scorerUserId,
        criterion: s.criterion,
        score: s.score,
        reason: s.reason,
        created_at: now(),
      })
      .onConflict((oc) =>
        oc.columns(['bid_id', 'scorer_user_id', 'criterion']).doUpdateSet({ score: s.score, reason: s.reason }),
      )
      .execute()
}

export async function listScores(db: Db, bidIds: number[]): Promise<Score[]> {
  if (bidIds.length === 0) return []
  return (await db.selectFrom('commissioning_score').selectAll().where('bid_id', 'in', bidIds).execute()).map((r) => ({
    bidId: Number(r.bid_id),
    scorerUserId: Number(r.scorer_user_id),
    criterion: r.criterion,
    score: Number(r.score),
    reason: r.reason,
  }))
}

export async function saveModeration(
  db: Db,
  rows: { bidId: number; criterion: string; score: number; reason: string }[],
  userId: number | null,
): Promise<void> {
  for (const m of rows)
    await db
      .insertInto('commissioning_moderation')
      .values({
        bid_id: m.bidId,
        criterion: m.criterion,
        score: m.score,
        reason: m.reason,
        moderated_by_user_id: userId,
        created_at: now(),
      })
      .onConflict((oc) =>
        oc
          .columns(['bid_id', 'criterion'])
          .doUpdateSet({ score: m.score, reason: m.reason, moderated_by_user_id: userId }),
      )
      .execute()
}

export async function listModeration(db: Db, bidIds: number[]) {
  if (bidIds.length === 0) return []
  return (await db.selectFrom('commissioning_moderation').selectAll().where('bid_id', 'in', bidIds).execute()).map(
    (r) => ({ bidId: Number(r.bid_id), criterion: r.criterion, score: Number(r.score), reason: r.reason }),
  )
}

export async function insertConflict(
  db: Db,
  processId: number,
  userId: number,
  organisationId: number,
  reason: string,
) {
  await db
    .insertInto('commissioning_conflict')
    .values({ process_id: processId, user_id: userId, organisation_id: organisationId, reason, created_at: now() })
    .onConflict((oc) => oc.doNothing())
    .execute()
}

export async function conflictsOf(db: Db, processId: number, userId: number): Promise<number[]> {
  return (
    await db
      .selectFrom('commissioning_conflict')
      .select('organisation_id')
      .where('process_id', '=', processId)
      .where('user_id', '=', userId)
      .execute()
  ).map((r) => Number(r.organisation_id))
}

export interface Contract {
  processId: number
  bidId: number
  valuePence: number
  startDate: string
  endDate: string
  milestones: string[]
  kpis: Kpi[]
  schedule: Instalment[]
  commitmentRef: string
  createdAt: string
}

export async function insertContract(
  db: Db,
  c: Omit<Contract, 'createdAt'> & { ledgerTransactionId: number; userId: number | null },
): Promise<void> {
  await db
    .insertInto('commissioning_contract')
    .values({
      process_id: c.processId,
      bid_id: c.bidId,
      value_pence: c.valuePence,
      start_date: c.startDate,
      end_date: c.endDate,
      milestones_json: JSON.stringify(c.milestones),
      kpis_json: JSON.stringify(c.kpis),
      schedule_json: JSON.stringify(c.schedule),
      commitment_ref: c.commitmentRef,
      ledger_commitment_transaction_id: c.ledgerTransactionId,
      created_by_user_id: c.userId,
      created_at: now(),
    })
    .onConflict((oc) => oc.doNothing())
    .execute()
}

export async function findContract(db: Db, processId: number): Promise<Contract | undefined> {
  const r = await db
    .selectFrom('commissioning_contract')
    .selectAll()
    .where('process_id', '=', processId)
    .executeTakeFirst()
  if (!r) return undefined
  return {
    processId: Number(r.process_id),
    bidId: Number(r.bid_id),
    valuePence: Number(r.value_pence),
    startDate: r.start_date,
    endDate: r.end_date,
    milestones: JSON.parse(r.milestones_json) as string[],
    kpis: JSON.parse(r.kpis_json) as Kpi[],
    schedule: JSON.parse(r.schedule_json) as Instalment[],
    commitmentRef: r.commitment_ref,
    createdAt: r.created_at,
  }
}

export async function insertPayment(
  db: Db,
  p: { processId: number; instalment: number; amountPence: number; ledgerTransactionId: number; userId: number | null },
): Promise<void> {
  await db
    .insertInto('commissioning_payment')
    .values({
      process_id: p.processId,
      instalment: p.instalment,
      amount_pence: p.amountPence,
      ledger_transaction_id: p.ledgerTransactionId,
      paid_by_user_id: p.userId,
      created_at: now(),
    })
    .onConflict((oc) => oc.doNothing())
    .execute()
}

export async function listPayments(db: Db, processId: number) {
  return (
    await db
      .selectFrom('commissioning_payment')
      .selectAll()
      .where('process_id', '=', processId)
      .orderBy('instalment')
      .execute()
  ).map((r) => ({ instalment: Number(r.instalment), amountPence: Number(r.amount_pence), paidAt: r.created_at }))
}

/** Links a stored file to a bid (called in the same unit of work as saveFile). */
export async function insertBidDocument(db: Db, bidId: number, fileId: number): Promise<void> {
  await db
    .insertInto('commissioning_bid_document')
    .values({ file_id: fileId, bid_id: bidId, created_at: now() })
    .execute()
}

/** The file ids of a bid's current documents (withdrawn ones left out), oldest first. */
export async function listBidDocumentIds(db: Db, bidId: number): Promise<number[]> {
  return (
    await db
      .selectFrom('commissioning_bid_document')
      .select('file_id')
      .where('bid_id', '=', bidId)
      .where('removed_at', 'is', null)
      .orderBy('file_id')
      .execute()
  ).map((r) => Number(r.file_id))
}

export async function removeBidDocument(db: Db, bidId: number, fileId: number): Promise<boolean> {
  const r = await db
    .updateTable('commissioning_bid_document')
    .set({ removed_at: now() })
    .where('bid_id', '=', bidId)
    .where('file_id', '=', fileId)
    .where('removed_at', 'is', null)
    .executeTakeFirst()
  return Number(r.numUpdatedRows) === 1
}
