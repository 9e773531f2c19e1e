import type { ExpressionBuilder, Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import type { IdeaStatus } from './ideas.tables.js'
import './ideas.tables.js'

type Db = Kysely<Database>

export interface Idea {
  id: number
  wardId: number
  authorUserId: number
  kind: 'idea' | 'problem'
  title: string
  body: string
  themeId: number
  postcode: string
  status: IdeaStatus
  statusReason: string | null
  hiddenAt: string | null
  hiddenReason: string | null
  createdAt: string
  supports: number
}

export interface IdeaComment {
  id: number
  authorUserId: number
  body: string
  isOfficial: boolean
  hiddenAt: string | null
  hiddenReason: string | null
  createdAt: string
}

export interface IdeaReport {
  id: number
  ideaId: number
  ideaTitle: string
  commentId: number | null
  commentBody: string | null
  reason: string
  createdAt: string
}

const supportCount = (eb: ExpressionBuilder<Database, 'ideas_idea'>) =>
  eb
    .selectFrom('ideas_support')
    .select((e) => e.fn.countAll<number>().as('n'))
    .whereRef('ideas_support.idea_id', '=', 'ideas_idea.id')
    .as('supports')

function toIdea(r: {
  id: number
  ward_id: number
  author_user_id: number
  kind: 'idea' | 'problem'
  title: string
  body: string
  theme_id: number
  postcode: string
  status: IdeaStatus
  status_reason: string | null
  hidden_at: string | null
  hidden_reason: string | null
  created_at: string
  supports: number | string | bigint | null
}): Idea {
  return {
    id: Number(r.id),
    wardId: Number(r.ward_id),
    authorUserId: Number(r.author_user_id),
    kind: r.kind,
    title: r.title,
    body: r.body,
    themeId: Number(r.theme_id),
    postcode: r.postcode,
    status: r.status,
    statusReason: r.status_reason,
    hiddenAt: r.hidden_at,
    hiddenReason: r.hidden_reason,
    createdAt: r.created_at,
    supports: Number(r.supports ?? 0),
  }
}

/** Public list: hidden ideas are left out here, in the query, so no page can show them by mistake. */
export async function listVisibleIdeas(db: Db, wardId: number, themeId?: number): Promise<Idea[]> {
  let q = db
    .selectFrom('ideas_idea')
    .selectAll('ideas_idea')
    .select(supportCount)
    .where('ward_id', '=', wardId)
    .where('hidden_at', 'is', null)
  if (themeId !== undefined) q = q.where('theme_id', '=', themeId)
  return (await q.orderBy('id', 'desc').limit(500).execute()).map(toIdea)
}

export async function findIdea(db: Db, wardId: number, id: number): Promise<Idea | undefined> {
  const r = await db
    .selectFrom('ideas_idea')
    .selectAll('ideas_idea')
    .select(supportCount)
    .where('ward_id', '=', wardId)
    .where('id', '=', id)
    .executeTakeFirst()
  return r ? toIdea(r) : undefined
}

export async function insertIdea(
  db: Db,
  i: {
    wardId: number
    authorUserId: number
    kind: 'idea' | 'problem'
    title: string
    body: string
    themeId: number
    postcode: string
    isDemo?: boolean
  },
): Promise<number> {
  const r = await db
    .insertInto('ideas_idea')
    .values({
      ward_id: i.wardId,
      author_user_id: i.authorUserId,
      kind: i.kind,
      title: i.title,
      body: i.body,
      theme_id: i.themeId,
      postcode: i.postcode,
      status: 'new',
      status_reason: null,
      hidden_at: null,
      hidden_reason: null,
      hidden_by_user_id: null,
      is_demo: i.isDemo ? 1 : 0,
      created_at: new Date().toISOString(),
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return Number(r.id)
}

/** One support per person: a second press is a no-op (the primary key decides, not a read first). */
export async function addSupport(db: Db, wardId: number, ideaId: number, userId: number): Promise<boolean> {
  const r = await db
    .insertInto('ideas_support')
    .values({ idea_id: ideaId, user_id: userId, ward_id: wardId, created_at: new Date().toISOString() })
    .onConflict((oc) => oc.columns(['idea_id', 'user_id']).doNothing())
    .executeTakeFirst()
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0
}

export async function hasSupported(db: Db, ideaId: number, userId: number): Promise<boolean> {
  const r = await db
    .selectFrom('ideas_support')
    .select('idea_id')
    .where('idea_id', '=', ideaId)
    .where('user_id', '=', userId)
    .executeTakeFirst()
  return r !== undefined
}

export async function listComments(db: Db, ideaId: number): Promise<IdeaComment[]> {
  const rows = await db.selectFrom('ideas_comment').selectAll().where('idea_id', '=', ideaId).orderBy('id').execute()
  return rows.map((r) => ({
    id: Number(r.id),
    authorUserId: Number(r.author_user_id),
    body: r.body,
    isOfficial: r.is_official === 1,
    hiddenAt: r.hidden_at,
    hiddenReason: r.hidden_reason,
    createdAt: r.created_at,
  }))
}

export async function insertComment(
  db: Db,
  c: { wardId: number; ideaId: number; authorUserId: number; body: string; isOfficial: boolean },
): Promise<number> {
  const r = await db
    .insertInto('ideas_comment')
    .values({
      ward_id: c.wardId,
      idea_id: c.ideaId,
      author_user_id: c.authorUserId,
      body: c.body,
      is_official: c.isOfficial ? 1 : 0,
      hidden_at: null,
      hidden_reason: null,
      hidden_by_user_id: null,
      created_at: new Date().toISOString(),
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return Number(r.id)
}

export async function setStatus(db: Db, ideaId: number, status: IdeaStatus, reason: string | null): Promise<void> {
  await db.updateTable('ideas_idea').set({ status, status_reason: reason }).where('id', '=', ideaId).execute()
}

export async function insertReport(
  db: Db,
  r: { wardId: number; ideaId: number; commentId: number | null; reporterUserId: number; reason: string },
): Promise<void> {
  await db
    .insertInto('ideas_report')
    .values({
      ward_id: r.wardId,
      idea_id: r.ideaId,
      comment_id: r.commentId,
      reporter_user_id: r.reporterUserId,
      reason: r.reason,
      created_at: new Date().toISOString(),
      resolved_at: null,
    })
    .execute()
}

export async function listOpenReports(db: Db, wardId: number): Promise<IdeaReport[]> {
  const rows = await db
    .selectFrom('ideas_report')
    .innerJoin('ideas_idea', 'ideas_idea.id', 'ideas_report.idea_id')
    .leftJoin('ideas_comment', 'ideas_comment.id', 'ideas_report.comment_id')
    .select([
      'ideas_report.id',
      'ideas_report.idea_id',
      'ideas_idea.title',
      'ideas_report.comment_id',
      'ideas_comment.body as comment_body',
      'ideas_report.reason',
      'ideas_report.created_at',
    ])
    .where('ideas_report.ward_id', '=', wardId)
    .where('ideas_report.resolved_at', 'is', null)
    .orderBy('ideas_report.id')
    .limit(500)
    .execute()
  return rows.map((r) => ({
    id: Number(r.id),
    ideaId: Number(r.idea_id),
    ideaTitle: r.title,
    commentId: r.comment_id === null ? null : Number(r.comment_id),
    commentBody: r.comment_body,
    reason: r.reason,
    createdAt: r.created_at,
  }))
}

/** Hides an idea or one of its comments and closes the reports about it; false when there is no such thing. */
export async function hideContent(
  db: Db,
  h: { ideaId: number; commentId: number | null; reason: string; byUserId: number },
): Promise<boolean> {
  const now = new Date().toISOString()
  const set = { hidden_at: now, hidden_reason: h.reason, hidden_by_user_id: h.byUserId }
  const r =
    h.commentId === null
      ? await db.updateTable('ideas_idea').set(set).where('id', '=', h.ideaId).executeTakeFirst()
      : await db
          .updateTable('ideas_comment')
          .set(set)
          .where('id', '=', h.commentId)
          .where('idea_id', '=', h.ideaId)
          .executeTakeFirst()
  if (Number(r.numUpdatedRows) === 0) return false
  let reports = db.updateTable('ideas_report').set({ resolved_at: now }).where('idea_id', '=', h.ideaId)
  reports =
    h.commentId === null ? reports.where('comment_id', 'is', null) : reports.where('comment_id', '=', h.commentId)
  await reports.where('resolved_at', 'is', null).execute()
  return true
}
