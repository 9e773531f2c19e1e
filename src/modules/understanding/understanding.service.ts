/** Use cases: gather the ward's texts and codes, pick the next text to code, agreement, the model, evidence. */
import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import { listFreeTextAnswers } from '../engagement/index.js'
import { disclose } from '../reach/index.js'
import { suggest, trainSuggester, type SuggestionModel, type Suggestion } from './analysis.js'
import { kappaBand, kappaForTheme } from './kappa.js'
import { detectLanguage, type LanguageGuess } from './language.js'
import { isHeldOut, stableHash, type Evaluation } from './metrics.js'
import {
  findModel,
  listCodings,
  listFrame,
  listTexts,
  type Coding,
  type FrameTheme,
} from './understanding.repository.js'

type Db = Kysely<Database>

export interface Item {
  ref: string
  text: string
  areaCode: string | null
  /** What it answered: the consultation question, or the demo coding set. */
  source: string
  /** Answers from one response count as one person. */
  personKey: string
  /** The consultation it answered (null for demo and imported texts): whose equality profile its evidence draws on. */
  consultationId: number | null
  language: LanguageGuess
  /** When it was said (ISO date or time): for change over time in a need's evidence. */
  at: string
  /** Written for the demonstration, not said by a resident: measurements say how much of their data this is. */
  isDemo: boolean
}

export async function loadItems(db: Db, wardId: number): Promise<Item[]> {
  const [answers, texts] = await Promise.all([listFreeTextAnswers(db, wardId), listTexts(db, wardId)])
  return [
    ...answers.map((a) => ({
      ref: `answer:${a.answerId}`,
      text: a.text,
      areaCode: a.areaCode,
      source: `${a.consultationTitle}: ${a.prompt}`,
      personKey: `response:${a.responseId}`,
      consultationId: a.consultationId,
      language: detectLanguage(a.text),
      at: a.respondedOn,
      isDemo: false,
    })),
    ...texts.map((t) => ({
      ref: `text:${t.id}`,
      text: t.body,
      areaCode: t.areaCode,
      source: t.isDemo ? 'Demo coding set' : 'Imported text',
      personKey: `text:${t.id}`,
      consultationId: null,
      language: detectLanguage(t.body),
      at: t.createdAt,
      isDemo: t.isDemo,
    })),
  ]
}

export interface Workspace {
  items: Item[]
  frame: FrameTheme[]
  active: FrameTheme[]
  codings: Coding[]
  /** Codings per text, earliest first. */
  byItem: Map<string, Coding[]>
}

export async function loadWorkspace(db: Db, wardId: number): Promise<Workspace> {
  const [items, frame, codings] = await Promise.all([
    loadItems(db, wardId),
    listFrame(db, wardId),
    listCodings(db, wardId),
  ])
  const byItem = new Map<string, Coding[]>()
  for (const c of [...codings].sort((a, b) => (a.codedAt < b.codedAt ? -1 : a.codedAt > b.codedAt ? 1 : a.id - b.id)))
    byItem.set(c.itemRef, [...(byItem.get(c.itemRef) ?? []), c])
  return { items, frame, active: frame.filter((t) => t.status === 'active'), codings, byItem }
}

/** A coding still counts only if none of its themes was split since (those texts go back to the queue). */
function current(w: Workspace, c: Coding): boolean {
  return c.themeIds.every((id) => w.frame.find((t) => t.id === id)?.status !== 'split')
}

export const isCoded = (w: Workspace, ref: string) => (w.byItem.get(ref) ?? []).some((c) => current(w, c))

/** About one in five coded texts is offered for a second, independent coding (fixed by the text's reference). */
export const inDoubleSample = (ref: string) => isHeldOut(`double:${ref}`, 0.2)

export const needsTranslator = (i: Item) => i.language.language === 'other'

export function nextToCode(
  w: Workspace,
  me: number,
  mode: 'first' | 'second',
): { item: Item; remaining: number } | null {
  const pool = w.items.filter((i) => {
    if (needsTranslator(i)) return false
    const cs = (w.byItem.get(i.ref) ?? []).filter((c) => current(w, c))
    if (mode === 'first') return cs.length === 0
    return inDoubleSample(i.ref) && cs.length === 1 && cs[0]!.coderUserId !== me
  })
  // A fixed shuffle (by hash) so two officers working at once rarely get the same text.
  pool.sort((a, b) => stableHash(`${me}:${a.ref}`) - stableHash(`${me}:${b.ref}`))
  return pool[0] ? { item: pool[0], remaining: pool.length } : null
}

/** The agreed codes per text: the first officer's (a second coding measures agreement, it does not overrule). */
export function agreedCodes(w: Workspace): Map<string, { themeIds: number[]; isOther: boolean }> {
  const out = new Map<string, { themeIds: number[]; isOther: boolean }>()
  for (const [ref, cs] of w.byItem) {
    const first = cs.find((c) => current(w, c))
    if (first) out.set(ref, { themeIds: first.themeIds, isOther: first.isOther })
  }
  return out
}

export function agreement(w: Workspace): {
  pairs: number
  perTheme: { theme: FrameTheme; kappa: number | null; band: string }[]
} {
  const pairs: { a: number[]; b: number[] }[] = []
  for (const cs of w.byItem.values()) {
    const cur = cs.filter((c) => current(w, c))
    if (cur.length >= 2 && cur[0]!.coderUserId !== cur[1]!.coderUserId)
      pairs.push({ a: cur[0]!.themeIds, b: cur[1]!.themeIds })
  }
  return {
    pairs: pairs.length,
    perTheme: w.active.map((theme) => {
      const kappa = pairs.length ? kappaForTheme(pairs, theme.id) : null
      return { theme, kappa, band: kappaBand(kappa) }
    }),
  }
}

export interface StoredModel {
  model: SuggestionModel
  evaluation: Evaluation | null
  trainedAt: string
  trainedOn: number
  heldOut: number
}

export async function loadModel(db: Db, wardId: number): Promise<StoredModel | null> {
  const m = await findModel(db, wardId)
  if (!m) return null
  return {
    model: JSON.parse(m.modelJson) as SuggestionModel,
    evaluation: JSON.parse(m.evaluationJson) as Evaluation | null,
    trainedAt: m.trainedAt,
    trainedOn: m.trainedOn,
    heldOut: m.heldOut,
  }
}

/** Themes with at least this many agreed examples are modelled; rarer ones cannot be learnt honestly yet. */
export const MIN_EXAMPLES_PER_THEME = 3

/** Trains on the agreed codes of English texts; null when there is not enough coding to learn from. */
export function trainFromWorkspace(w: Workspace): ReturnType<typeof trainSuggester> | null {
  const agreed = agreedCodes(w)
  const examples = w.items
    .filter((i) => agreed.has(i.ref) && !needsTranslator(i))
    .map((i) => ({ ref: i.ref, text: i.text, themeIds: agreed.get(i.ref)!.themeIds }))
  const themeIds = w.active
    .map((t) => t.id)
    .filter((id) => examples.filter((e) => e.themeIds.includes(id)).length >= MIN_EXAMPLES_PER_THEME)
  if (examples.length < 10 || themeIds.length === 0) return null
  const trained = trainSuggester(examples, themeIds)
  const used = w.items.filter((i) => agreed.has(i.ref) && !needsTranslator(i))
  const data = {
    consultationAnswers: used.filter((i) => i.ref.startsWith('answer:')).length,
    demoTexts: used.filter((i) => i.ref.startsWith('text:') && i.isDemo).length,
    importedTexts: used.filter((i) => i.ref.startsWith('text:') && !i.isDemo).length,
  }
  return { ...trained, evaluation: trained.evaluation && { ...trained.evaluation, data } }
}

/** Retrain when coding has grown by a tenth (at least 5 texts) since the last model. */
export function modelIsStale(w: Workspace, m: StoredModel | null): boolean {
  const coded = agreedCodes(w).size
  if (!m) return coded >= 10
  // trainedOn + heldOut: models stored before cross-validation kept a quarter back; since then heldOut is 0.
  const seen = m.trainedOn + m.heldOut
  return coded >= seen + Math.max(5, Math.ceil(seen / 10))
}

export function suggestionsFor(m: StoredModel | null, text: string): Suggestion[] {
  return m ? suggest(m.model, text) : []
}

/** Calendar quarter of an ISO date ("2026-Q3"): months are too small to publish once disclosure control applies. */
export const quarterOf = (iso: string) => `${iso.slice(0, 4)}-Q${Math.floor((Number(iso.slice(5, 7)) - 1) / 3) + 1}`

/** Every quarter from the first to the last, in order, so a quarter with no evidence shows as a gap, not missing. */
export function quarterRange(first: string, last: string): string[] {
  const out: string[] = []
  let [y, q] = [Number(first.slice(0, 4)), Number(first.slice(6))]
  const [ly, lq] = [Number(last.slice(0, 4)), Number(last.slice(6))]
  while (y < ly || (y === ly && q <= lq)) {
    out.push(`${y}-Q${q}`)
    if (++q > 4) [y, q] = [y + 1, 1]
  }
  return out
}

export interface EvidenceSummary {
  /** Linked answers (texts): a published total, through disclosure control like every other count here. */
  responses: number | null
  people: number | null
  areas: { code: string; responses: number | null }[]
  /** Change over time: answers per calendar quarter of when they were given. */
  byQuarter: { quarter: string; responses: number | null }[]
  /** From the last two published quarters; null when either is hidden or there is only one. */
  trend: 'rising' | 'falling' | 'steady' | null
  firstAt: string | null
  lastAt: string | null
}

/**
 * A need's evidence as it may be shown: every count through the reach capability's disclosure control (under 10
 * hidden, the rest rounded to 5), with secondary suppression across areas and across quarters (each a set that
 * adds up to the total), so no small number can be recovered by subtraction.
 */
export function summariseEvidence(items: readonly Item[]): EvidenceSummary {
  const people = new Set(items.map((i) => i.personKey)).size
  const areaCounts = new Map<string, number>()
  for (const i of items) areaCounts.set(i.areaCode ?? '', (areaCounts.get(i.areaCode ?? '') ?? 0) + 1)
  const areaList = [...areaCounts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
  const areaShown = disclose(areaList.map(([, n]) => n))
  const dates = items.map((i) => i.at).sort()
  const quarters = dates.length ? quarterRange(quarterOf(dates[0]!), quarterOf(dates[dates.length - 1]!)) : []
  const qCounts = quarters.map((q) => items.filter((i) => quarterOf(i.at) === q).length)
  const qShown = disclose(qCounts)
  const [prev, last] = [qShown[qShown.length - 2], qShown[qShown.length - 1]]
  const trend =
    prev === undefined || last === undefined || prev === null || last === null
      ? null
      : last > prev
        ? 'rising'
        : last < prev
          ? 'falling'
          : 'steady'
  const published = disclose([items.length])[0] ?? null
  return {
    responses: published,
    people: disclose([people])[0] ?? null,
    areas: areaList.map(([code], k) => ({ code, responses: areaShown[k] ?? null })),
    byQuarter: quarters.map((quarter, k) => ({ quarter, responses: qShown[k] ?? null })),
    trend,
    // Dates only (not times), and only once the total is publishable: the first or last date of a handful of
    // answers could point at the person who gave them.
    firstAt: published && dates[0] ? dates[0].slice(0, 10) : null,
    lastAt: published && dates.length ? dates[dates.length - 1]!.slice(0, 10) : null,
  }
}

/** Agreed codes per active theme (a text coded to a sub-theme counts for it, not for its parent). */
export function themeCounts(w: Workspace): Map<number, number> {
  const out = new Map<number, number>()
  for (const a of agreedCodes(w).values()) for (const id of a.themeIds) out.set(id, (out.get(id) ?? 0) + 1)
  return out
}
