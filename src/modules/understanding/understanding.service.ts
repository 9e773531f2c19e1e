/** Use cases: gather the ward's texts and codes, pick the next text to code, agreement, the model, evidence. */
import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import { listFreeTextAnswers } from '../engagement/index.js'
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
  language: LanguageGuess
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
      language: detectLanguage(a.text),
    })),
    ...texts.map((t) => ({
      ref: `text:${t.id}`,
      text: t.body,
      areaCode: t.areaCode,
      source: t.isDemo ? 'Demo coding set' : 'Imported text',
      personKey: `text:${t.id}`,
      language: detectLanguage(t.body),
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
  return trainSuggester(examples, themeIds)
}

/** Retrain when coding has grown by a tenth (at least 5 texts) since the last model. */
export function modelIsStale(w: Workspace, m: StoredModel | null): boolean {
  const coded = agreedCodes(w).size
  if (!m) return coded >= 10
  return coded >= m.trainedOn + m.heldOut + Math.max(5, Math.ceil((m.trainedOn + m.heldOut) / 10))
}

export function suggestionsFor(m: StoredModel | null, text: string): Suggestion[] {
  return m ? suggest(m.model, text) : []
}

/** Counts below this are shown as "fewer than 5", so a need's evidence cannot point at a person. */
export const SUPPRESS_BELOW = 5
export const suppress = (n: number): number | null => (n < SUPPRESS_BELOW ? null : n)
