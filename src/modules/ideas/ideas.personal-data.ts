import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import './ideas.tables.js'

type Db = Kysely<Database>

/** Ideas and problems a person raised, their comments, the ideas they supported and what they reported. */
export async function exportIdeasPersonalData(db: Db, userId: number): Promise<Record<string, unknown>> {
  const [ideas, comments, supports, reports] = await Promise.all([
    db
      .selectFrom('ideas_idea')
      .select(['id', 'kind', 'title', 'body', 'postcode', 'status', 'hidden_reason', 'created_at'])
      .where('author_user_id', '=', userId)
      .orderBy('id')
      .execute(),
    db
      .selectFrom('ideas_comment')
      .select(['idea_id', 'body', 'is_official', 'hidden_reason', 'created_at'])
      .where('author_user_id', '=', userId)
      .orderBy('id')
      .execute(),
    db
      .selectFrom('ideas_support as s')
      .innerJoin('ideas_idea as i', 'i.id', 's.idea_id')
      .select(['i.id', 'i.title', 's.created_at'])
      .where('s.user_id', '=', userId)
      .orderBy('s.created_at')
      .execute(),
    db
      .selectFrom('ideas_report')
      .select(['idea_id', 'comment_id', 'reason', 'created_at'])
      .where('reporter_user_id', '=', userId)
      .orderBy('id')
      .execute(),
  ])
  return {
    ideas: ideas.map((i) => ({
      reference: Number(i.id),
      kind: i.kind,
      title: i.title,
      body: i.body,
      postcode: i.postcode,
      status: i.status,
      hiddenReason: i.hidden_reason,
      postedAt: i.created_at,
    })),
    comments: comments.map((c) => ({
      ideaReference: Number(c.idea_id),
      body: c.body,
      official: Number(c.is_official) === 1,
      hiddenReason: c.hidden_reason,
      postedAt: c.created_at,
    })),
    supported: supports.map((s) => ({ ideaReference: Number(s.id), title: s.title, supportedAt: s.created_at })),
    reports: reports.map((r) => ({
      ideaReference: Number(r.idea_id),
      commentReference: r.comment_id === null ? null : Number(r.comment_id),
      reason: r.reason,
      reportedAt: r.created_at,
    })),
  }
}

/** "KT2 7AA" → "KT2 7": the postcode sector still places an idea in the ward without pointing at a home. */
export function postcodeSector(postcode: string): string {
  const m = /^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9])[A-Z]{2}$/.exec(postcode.trim().toUpperCase())
  return m ? `${m[1]} ${m[2]}` : ''
}

/**
 * Public contributions stay (others supported and answered them; counts hold) and are anonymised: they point only
 * at the erased account tombstone, which shows no name, and an idea's place is cut to its postcode sector.
 * Supports and reports stay for the same reason and carry nothing but the tombstone's id.
 */
export async function eraseIdeasPersonalData(trx: Db, userId: number): Promise<Record<string, number>> {
  const ideas = await trx
    .selectFrom('ideas_idea')
    .select(['id', 'postcode'])
    .where('author_user_id', '=', userId)
    .execute()
  for (const i of ideas)
    await trx
      .updateTable('ideas_idea')
      .set({ postcode: postcodeSector(i.postcode) })
      .where('id', '=', i.id)
      .execute()
  const comments = await trx
    .selectFrom('ideas_comment')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('author_user_id', '=', userId)
    .executeTakeFirstOrThrow()
  return { ideasAnonymised: ideas.length, commentsAnonymised: Number(comments.n) }
}
