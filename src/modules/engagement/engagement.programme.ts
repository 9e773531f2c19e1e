import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import { CHANNELS, parseList } from './engagement.rules.js'

/** Raw counts of what a ward's residents said, for the public programme page (the caller applies disclosure). */
export interface WardVoices {
  consultations: number
  responses: number
  byChannel: { channel: string; n: number }[]
  byTheme: { themeId: number; slug: string; name: string; n: number }[]
}

/**
 * Counts by channel and by chosen theme in a few grouped queries. Theme answers are grouped by their stored value
 * (a JSON list of slugs; a ward has few distinct combinations), so 100,000 responses are never loaded row by row.
 */
export async function summariseWardVoices(db: Kysely<Database>, wardId: number): Promise<WardVoices> {
  const [consultations, channels, themes, answers] = await Promise.all([
    db
      .selectFrom('engagement_consultation')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('ward_id', '=', wardId)
      .where('status', '!=', 'draft')
      .executeTakeFirst(),
    db
      .selectFrom('engagement_response')
      .select((eb) => ['channel', eb.fn.countAll<number>().as('n')])
      .where('ward_id', '=', wardId)
      .groupBy('channel')
      .execute(),
    db
      .selectFrom('engagement_theme')
      .select(['id', 'slug', 'name'])
      .where('ward_id', '=', wardId)
      .orderBy('id')
      .execute(),
    db
      .selectFrom('engagement_answer as a')
      .innerJoin('engagement_question as q', 'q.id', 'a.question_id')
      .select((eb) => ['a.value', eb.fn.countAll<number>().as('n')])
      .where('a.ward_id', '=', wardId)
      .where('q.kind', '=', 'themes')
      .groupBy('a.value')
      .execute(),
  ])
  const bySlug = new Map<string, number>()
  for (const a of answers)
    for (const slug of new Set(parseList(a.value))) bySlug.set(slug, (bySlug.get(slug) ?? 0) + Number(a.n))
  const byChannel = CHANNELS.map((ch) => ({
    channel: ch as string,
    n: Number(channels.find((c) => c.channel === ch)?.n ?? 0),
  }))
  return {
    consultations: Number(consultations?.n ?? 0),
    responses: byChannel.reduce((s, c) => s + c.n, 0),
    byChannel,
    byTheme: themes.map((t) => ({ themeId: Number(t.id), slug: t.slug, name: t.name, n: bySlug.get(t.slug) ?? 0 })),
  }
}

/**
 * A cheap fingerprint of a ward's responses and equality answers (how many, and the newest id of each). Summaries
 * built from them can be reused while it is unchanged: a new, imported or deleted response changes it.
 */
export async function wardResponsesVersion(db: Kysely<Database>, wardId: number): Promise<string> {
  const [r, e] = await Promise.all([
    db
      .selectFrom('engagement_response')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('id').as('m')])
      .where('ward_id', '=', wardId)
      .executeTakeFirst(),
    db
      .selectFrom('engagement_equality')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('id').as('m')])
      .where('ward_id', '=', wardId)
      .executeTakeFirst(),
  ])
  return [r?.n, r?.m, e?.n, e?.m].map((x) => String(x ?? 0)).join(':')
}
