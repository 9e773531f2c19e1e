import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import type { IdeaStatus } from './ideas.tables.js'
import './ideas.tables.js'

/** Read-only views for "you said, we did" (the trace module). */
export interface TracedIdea {
  id: number
  wardId: number
  title: string
  /** Engagement theme id. */
  themeId: number
  status: IdeaStatus
  hidden: boolean
  createdAt: string
}

/** A person's own ideas (hidden ones too: the author still sees them), newest first. */
export async function listIdeasByPerson(db: Kysely<Database>, userId: number): Promise<TracedIdea[]> {
  const rows = await db
    .selectFrom('ideas_idea')
    .select(['id', 'ward_id', 'title', 'theme_id', 'status', 'hidden_at', 'created_at'])
    .where('author_user_id', '=', userId)
    .orderBy('id', 'desc')
    .execute()
  return rows.map((r) => ({
    id: Number(r.id),
    wardId: Number(r.ward_id),
    title: r.title,
    themeId: Number(r.theme_id),
    status: r.status,
    hidden: r.hidden_at !== null,
    createdAt: r.created_at,
  }))
}

/** Authors and supporters of visible ideas in a ward, with the theme each took part under (outcome audiences). */
export async function listIdeaParticipants(
  db: Kysely<Database>,
  wardId: number,
): Promise<{ userId: number; themeId: number }[]> {
  const authors = await db
    .selectFrom('ideas_idea')
    .select(['author_user_id as user_id', 'theme_id'])
    .where('ward_id', '=', wardId)
    .where('hidden_at', 'is', null)
    .execute()
  const supporters = await db
    .selectFrom('ideas_support as s')
    .innerJoin('ideas_idea as i', 'i.id', 's.idea_id')
    .select(['s.user_id', 'i.theme_id'])
    .where('i.ward_id', '=', wardId)
    .where('i.hidden_at', 'is', null)
    .execute()
  return [...authors, ...supporters].map((r) => ({ userId: Number(r.user_id), themeId: Number(r.theme_id) }))
}
