import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import type { PlatformContext } from '../../platform/module.js'
import { findWardById } from '../../platform/tenancy/index.js'
import { listCommissionedServices } from '../commissioning/index.js'
import { listWardDelivery } from '../delivery/index.js'
import {
  countResponsesByTheme,
  listRespondentsNamingThemes,
  listRespondentsOfAnswers,
  listResponsesByIds,
  listResponsesByPerson,
  listSignedInResponses,
  listThemes,
} from '../engagement/index.js'
import { countIdeasByTheme, listIdeaParticipants, listIdeasByPerson } from '../ideas/index.js'
import { listOutcomeContacts, sendContactOutcome, sendOutcomeNotification } from '../notifications/index.js'
import { listRoundVoterIds, listRoundsVotedBy, listTracedRounds } from '../prioritisation/index.js'
import { disclose } from '../reach/index.js'
import { loadTraceFrame } from '../understanding/index.js'
import {
  outcomeAudience,
  reachingAtoms,
  traceContribution,
  type Chain,
  type Contribution,
  type OutcomeEvent,
  type WardPicture,
} from './trace.rules.js'

type Db = Kysely<Database>

/** Everything the trace needs about one ward, read in a handful of queries (pass a trx inside a write). */
export async function loadWardPicture(db: Db, wardId: number): Promise<WardPicture> {
  const [themes, frame, rounds, processes, services] = await Promise.all([
    listThemes(db, wardId),
    loadTraceFrame(db, wardId),
    listTracedRounds(db, wardId),
    listCommissionedServices(db, wardId),
    listWardDelivery(db, wardId),
  ])
  return {
    wardId,
    themes: themes.map((t) => ({ id: t.id, slug: t.slug, name: t.name })),
    frame,
    rounds,
    processes: processes.map((p) => ({
      processId: p.processId,
      title: p.title,
      theme: p.theme,
      sourceKind: p.sourceKind,
      priorityOptionId: p.priorityOptionId,
      stage: p.stage,
      providerName: p.contract?.providerName || null,
    })),
    services: services.map((s) => ({
      serviceId: s.serviceId,
      title: s.title,
      processId: s.processId,
      priorityOptionId: s.priorityOptionId,
      status: s.status,
      rag: s.rag,
      progressPercent: s.progressPercent,
    })),
  }
}

export interface TracedItem {
  wardId: number
  kind: Contribution['kind']
  /** What the person did, in their own terms (consultation title, idea title, round title). */
  title: string
  date: string
  /** Path of the thing itself (filled by the routes, which know ward codes). */
  ref: { consultationId?: number; ideaId?: number; roundId?: number }
  /** A vote's round status and whether it has been counted (the voter sees the outcome, never their choices). */
  round?: { status: string; counted: boolean }
  chain: Chain
}

/** "What happened to what I said": every response, idea and vote of one person, each followed to its outcome. */
export async function traceForPerson(db: Db, userId: number): Promise<TracedItem[]> {
  const [responses, ideas, rounds] = await Promise.all([
    listResponsesByPerson(db, userId),
    listIdeasByPerson(db, userId),
    listRoundsVotedBy(db, userId),
  ])
  const wardIds = [...new Set([...responses, ...ideas, ...rounds].map((x) => x.wardId))]
  const pictures = new Map<number, WardPicture>()
  for (const w of wardIds) pictures.set(w, await loadWardPicture(db, w))
  const items: TracedItem[] = []
  for (const r of responses)
    items.push({
      wardId: r.wardId,
      kind: 'response',
      title: r.consultationTitle,
      date: r.respondedOn,
      ref: { consultationId: r.consultationId },
      chain: traceContribution(pictures.get(r.wardId)!, {
        kind: 'response',
        id: r.id,
        themeSlugs: r.themeSlugs,
        itemRefs: r.answerRefs,
      }),
    })
  for (const i of ideas)
    items.push({
      wardId: i.wardId,
      kind: 'idea',
      title: i.title,
      date: i.createdAt.slice(0, 10),
      ref: { ideaId: i.id },
      chain: traceContribution(pictures.get(i.wardId)!, { kind: 'idea', id: i.id, themeId: i.themeId }),
    })
  for (const r of rounds)
    items.push({
      wardId: r.wardId,
      kind: 'vote',
      title: r.title,
      date: (r.closedAt ?? '').slice(0, 10),
      ref: { roundId: r.roundId },
      round: { status: r.status, counted: r.selectedOptionIds.length > 0 },
      chain: traceContribution(pictures.get(r.wardId)!, { kind: 'vote', roundId: r.roundId }),
    })
  return items
}

export interface ThemeSummary {
  id: number
  name: string
  /** Disclosure-controlled (null: fewer than 10, or hidden so a small cell cannot be worked out). */
  responses: number | null
  ideas: number | null
  chain: Chain
}

/** The public, aggregate "you said, we did" for a ward: per theme, how many spoke, and what followed. */
export async function wardSummary(
  db: Db,
  wardId: number,
): Promise<{ responses: number | null; themes: ThemeSummary[] }> {
  const [picture, responseCounts, ideaCounts] = await Promise.all([
    loadWardPicture(db, wardId),
    countResponsesByTheme(db, wardId),
    countIdeasByTheme(db, wardId),
  ])
  const resp = disclose(picture.themes.map((t) => responseCounts.bySlug.get(t.slug) ?? 0))
  const ideas = disclose(picture.themes.map((t) => ideaCounts.find((x) => x.themeId === t.id)?.ideas ?? 0))
  const [total] = disclose([responseCounts.responses])
  return {
    responses: total ?? null,
    themes: picture.themes.map((t, i) => ({
      id: t.id,
      name: t.name,
      responses: resp[i] ?? null,
      ideas: ideas[i] ?? null,
      // The theme's own chain: a response that named only this theme would follow exactly this path.
      chain: traceContribution(picture, { kind: 'response', id: 0, themeSlugs: [t.slug], itemRefs: [] }),
    })),
  }
}

/**
 * Everyone with an account whose contributions in a ward lead to the event. Responses (a ward may hold 100,000)
 * are not traced one by one: the themes and coded answers whose chains reach the event are worked out once
 * (`reachingAtoms`), and the database finds who named them. Ideas and votes are traced as they are.
 */
async function audienceOf(db: Db, picture: WardPicture, e: OutcomeEvent): Promise<number[]> {
  const atoms = reachingAtoms(picture, e)
  const [byTheme, byAnswer, ideas] = await Promise.all([
    listRespondentsNamingThemes(db, picture.wardId, atoms.slugs),
    listRespondentsOfAnswers(db, picture.wardId, atoms.answerIds),
    listIdeaParticipants(db, picture.wardId),
  ])
  const others: { userId: number; contribution: Contribution }[] = ideas.map((i, n) => ({
    userId: i.userId,
    contribution: { kind: 'idea', id: -1 - n, themeId: i.themeId } as const,
  }))
  for (const r of picture.rounds)
    for (const userId of await listRoundVoterIds(db, r.roundId))
      others.push({ userId, contribution: { kind: 'vote', roundId: r.roundId } })
  const all = new Set([...byTheme, ...byAnswer, ...outcomeAudience(picture, others, e)])
  return [...all].sort((a, b) => a - b)
}

/**
 * The same audience found by tracing every contribution one by one (the reading `audienceOf` must match; kept for
 * the tests that hold the two equal).
 */
export async function outcomeAudienceByTracing(db: Db, wardId: number, e: OutcomeEvent): Promise<number[]> {
  const picture = await loadWardPicture(db, wardId)
  const [responses, ideas] = await Promise.all([
    listSignedInResponses(db, picture.wardId),
    listIdeaParticipants(db, picture.wardId),
  ])
  const out: { userId: number; contribution: Contribution }[] = [
    ...responses.map((r) => ({
      userId: r.respondentUserId,
      contribution: { kind: 'response', id: r.id, themeSlugs: r.themeSlugs, itemRefs: r.answerRefs } as const,
    })),
    ...ideas.map((i, n) => ({
      userId: i.userId,
      contribution: { kind: 'idea', id: -1 - n, themeId: i.themeId } as const,
    })),
  ]
  for (const r of picture.rounds)
    for (const userId of await listRoundVoterIds(db, r.roundId))
      out.push({ userId, contribution: { kind: 'vote', roundId: r.roundId } })
  return outcomeAudience(picture, out, e)
}

export async function outcomeAudienceFor(db: Db, wardId: number, e: OutcomeEvent): Promise<number[]> {
  return audienceOf(db, await loadWardPicture(db, wardId), e)
}

function eventTitle(p: WardPicture, e: OutcomeEvent): string | undefined {
  if (e.kind === 'round_decided') return p.rounds.find((r) => r.roundId === e.ref)?.title
  if (e.kind === 'process_awarded') return p.processes.find((x) => x.processId === e.ref)?.title
  return p.services.find((s) => s.serviceId === e.ref)?.title
}

/**
 * When a round is decided, a process awarded or a service reports progress, everyone who contributed to that chain
 * and chose 'outcomes' emails gets one email (once per event, however often this runs). Call inside
 * `ctx.write(trx => …)` with that trx, after the change, so the audience is computed from what was just decided.
 */
export async function notifyOutcome(
  ctx: Pick<PlatformContext, 'config' | 'tenant'>,
  trx: Db,
  e: {
    wardId: number
    /** For events that recur (each accepted return): makes each one its own email. */ occurrence?: number
  } & OutcomeEvent,
): Promise<{ audience: number; queued: number; contacts: number }> {
  const picture = await loadWardPicture(trx, e.wardId)
  const title = eventTitle(picture, e)
  if (title === undefined) return { audience: 0, queued: 0, contacts: 0 }
  const audience = await audienceOf(trx, picture, e)
  // Keys, not text: each recipient's email is written in their own language as it is queued.
  const subject = { key: `trace.mail.${e.kind}.subject`, vars: { title } }
  const text = { key: `trace.mail.${e.kind}.text`, vars: { title } }
  const eventKey = `${e.kind}:${e.ref}${e.occurrence === undefined ? '' : `:${e.occurrence}`}`
  let queued = 0
  for (const userId of audience) {
    const r = await sendOutcomeNotification(ctx, trx, {
      userId,
      eventKey,
      subject,
      text,
      link: '/account/what-happened',
    })
    if (r === 'queued') queued += 1
  }
  // People who answered without an account and left an address: their response's chain decides, as for everyone.
  let contacts = 0
  const reachedContacts = await contactAudience(trx, picture, e)
  // Without an account there is no "what happened to what I said": the ward's public page shows the same chain.
  const ward = reachedContacts.length > 0 ? await findWardById(trx, e.wardId) : undefined
  const link = ward ? `/wards/${ward.code}/you-said-we-did` : '/'
  for (const contact of reachedContacts) {
    if ((await sendContactOutcome(ctx, trx, { contact, eventKey, subject, text, link })) === 'queued') contacts += 1
  }
  return { audience: audience.length, queued, contacts }
}

/** The still-subscribed contact addresses of a ward whose response's chain reaches the event. */
async function contactAudience(db: Db, picture: WardPicture, e: OutcomeEvent) {
  const contacts = await listOutcomeContacts(db, picture.wardId)
  if (contacts.length === 0) return []
  const responses = new Map(
    (await listResponsesByIds(db, picture.wardId, [...new Set(contacts.map((c) => c.responseId))])).map((r) => [
      r.id,
      r,
    ]),
  )
  const reached = new Set(
    outcomeAudience(
      picture,
      contacts.flatMap((c) => {
        const r = responses.get(c.responseId)
        // The contact's id stands in for a person: each address is told once.
        return r
          ? [
              {
                userId: c.id,
                contribution: { kind: 'response', id: r.id, themeSlugs: r.themeSlugs, itemRefs: r.answerRefs } as const,
              },
            ]
          : []
      }),
      e,
    ),
  )
  return contacts.filter((c) => reached.has(c.id))
}
