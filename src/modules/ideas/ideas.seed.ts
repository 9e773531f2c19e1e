import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import { findUserByEmail } from '../accounts/index.js'
import { listThemes } from '../engagement/index.js'
import { listWardPostcodes } from '../geography/index.js'
import { addSupport, insertComment, insertIdea, setStatus } from './ideas.repository.js'
import type { IdeaStatus } from './ideas.tables.js'

/**
 * Demo ideas and problems for a pilot ward: generic, made-up, titled "Demo:" and flagged is_demo, spread over the
 * four starting themes and placed at real postcodes of the ward (picked in turn, not chosen to mean anything), so
 * the ideas pages, reach and themes have something to show. They describe no real person, place or event.
 */
const DEMO_IDEAS: {
  theme: string
  kind: 'idea' | 'problem'
  title: string
  body: string
  status: IdeaStatus
  reason?: string
  reply?: string
}[] = [
  {
    theme: 'employment-and-skills',
    kind: 'idea',
    title: 'Demo: Evening job club at the community centre',
    body: 'A weekly evening session to help with CVs and applications, for people who work during the day.',
    status: 'under_consideration',
    reply: 'Thank you. We are asking local employment providers whether they could run this. (Demo reply.)',
  },
  {
    theme: 'employment-and-skills',
    kind: 'idea',
    title: 'Demo: Digital skills drop-in for older residents',
    body: 'Short sessions on using email, online forms and video calls, with volunteers on hand.',
    status: 'new',
  },
  {
    theme: 'employment-and-skills',
    kind: 'problem',
    title: 'Demo: Hard to find apprenticeships nearby',
    body: 'Young people say they do not know where to look for apprenticeships close to home.',
    status: 'taken_forward',
    reason: 'Included in the employment and skills priority for the first funding round. (Demo.)',
  },
  {
    theme: 'family-and-life-chances',
    kind: 'idea',
    title: 'Demo: Stay-and-play sessions in school holidays',
    body: 'Free sessions for parents and young children during the holidays, with a healthy lunch.',
    status: 'under_consideration',
  },
  {
    theme: 'family-and-life-chances',
    kind: 'problem',
    title: 'Demo: Nowhere for teenagers to go in the evening',
    body: 'Older children hang around the shops because there is nothing open for them after school.',
    status: 'new',
  },
  {
    theme: 'family-and-life-chances',
    kind: 'idea',
    title: 'Demo: Homework club with a quiet room',
    body: 'Somewhere quiet with wifi for children who have no space to study at home.',
    status: 'new',
  },
  {
    theme: 'place-and-delivery',
    kind: 'problem',
    title: 'Demo: Dark paths between the blocks',
    body: 'Some paths are badly lit and people avoid them after dark.',
    status: 'taken_forward',
    reason: 'Passed to the housing team, who have agreed a lighting survey. (Demo.)',
  },
  {
    theme: 'place-and-delivery',
    kind: 'idea',
    title: 'Demo: Community noticeboard by the bus stop',
    body: 'A place to put up notices about local groups, events and services.',
    status: 'not_taken_forward',
    reason: 'A noticeboard was put up nearby last year; we will publicise it better instead. (Demo.)',
  },
  {
    theme: 'place-and-delivery',
    kind: 'idea',
    title: 'Demo: Benches and planters on the high road',
    body: 'Somewhere to sit and a bit of green would make the walk to the shops nicer.',
    status: 'new',
  },
  {
    theme: 'financial-support',
    kind: 'idea',
    title: 'Demo: Money advice at the library once a week',
    body: 'Debt and benefits advice nearby, so people do not have to travel into town.',
    status: 'under_consideration',
    reply: 'A good suggestion: this fits the financial support theme and is on the shortlist. (Demo reply.)',
  },
  {
    theme: 'financial-support',
    kind: 'problem',
    title: 'Demo: Energy bills are too high to keep warm',
    body: 'Several neighbours say they cannot afford to heat their homes this winter.',
    status: 'new',
  },
  {
    theme: 'financial-support',
    kind: 'idea',
    title: 'Demo: Help filling in benefit forms',
    body: 'Trained volunteers to help people with long forms, in English and other languages.',
    status: 'new',
  },
]

export async function seedIdeasDemo(
  db: Kysely<Database>,
  opts: { wardId: number; authorEmails: string[]; officerEmail: string },
): Promise<{ ideas: number }> {
  const existing = await db
    .selectFrom('ideas_idea')
    .select('id')
    .where('ward_id', '=', opts.wardId)
    .where('is_demo', '=', 1)
    .executeTakeFirst()
  if (existing) return { ideas: 0 }
  const authors = (await Promise.all(opts.authorEmails.map((e) => findUserByEmail(db, e)))).filter(
    (u) => u !== undefined,
  )
  const officer = await findUserByEmail(db, opts.officerEmail)
  const themes = await listThemes(db, opts.wardId)
  const postcodes = await listWardPostcodes(db, opts.wardId)
  if (authors.length === 0 || postcodes.length === 0) return { ideas: 0 }
  let n = 0
  for (const [i, d] of DEMO_IDEAS.entries()) {
    const theme = themes.find((t) => t.slug === d.theme)
    if (!theme) continue
    const author = authors[i % authors.length]!
    // Spread over the ward's postcodes by stepping through the list (deterministic, no meaning in the choice).
    const postcode = postcodes[Math.floor((i * postcodes.length) / DEMO_IDEAS.length)]!
    const id = await insertIdea(db, {
      wardId: opts.wardId,
      authorUserId: author.id,
      kind: d.kind,
      title: d.title,
      body: d.body,
      themeId: theme.id,
      postcode,
      isDemo: true,
    })
    if (d.status !== 'new') await setStatus(db, id, d.status, d.reason ?? null)
    // Supports from the other demo accounts: more for the earlier ideas in each theme.
    for (const [j, supporter] of authors.entries())
      if (supporter.id !== author.id && (i + j) % 3 !== 0) await addSupport(db, opts.wardId, id, supporter.id)
    if (d.reply && officer)
      await insertComment(db, {
        wardId: opts.wardId,
        ideaId: id,
        authorUserId: officer.id,
        body: d.reply,
        isOfficial: true,
      })
    n += 1
  }
  return { ideas: n }
}
