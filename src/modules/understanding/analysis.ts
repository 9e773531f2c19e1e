/**
 * Composes the pure pieces into what officers see: a suggestion model trained on the ward's own coded answers
 * (with its held-out precision and recall), and candidate themes from clustering. Pure: no I/O, deterministic.
 */
import { explain, predict, trainOneVsRest, type LinearModel } from './classifier.js'
import { chooseK } from './kmeans.js'
import { evaluateMultiLabel, isHeldOut, type Evaluation } from './metrics.js'
import { fitTfidf, terms, tokenize, transform, vocabularyIndex, type TfidfModel } from './tfidf.js'

export interface CodedExample {
  ref: string
  text: string
  themeIds: number[]
}

export interface SuggestionModel {
  tfidf: TfidfModel
  themeIds: number[]
  linear: LinearModel
}

export interface TrainedSuggester {
  model: SuggestionModel
  evaluation: Evaluation | null
  trainedOn: number
  heldOut: number
}

/** A theme is suggested when the model gives it at least this probability. */
export const SUGGEST_THRESHOLD = 0.5
export const HOLD_OUT_FRACTION = 0.25

function fit(examples: CodedExample[], themeIds: number[]): SuggestionModel {
  const docs = examples.map((e) => terms(e.text))
  const tfidf = fitTfidf(docs, { minDf: examples.length >= 40 ? 2 : 1, maxFeatures: 5000 })
  const index = vocabularyIndex(tfidf)
  const xs = docs.map((d) => transform(tfidf, d, index))
  const labels = examples.map((e) => e.themeIds.map((t) => themeIds.indexOf(t)).filter((c) => c >= 0))
  return { tfidf, themeIds, linear: trainOneVsRest(xs, labels, themeIds.length, tfidf.vocabulary.length) }
}

/**
 * Evaluates on a fixed held-out quarter (chosen by a hash of each answer's reference, so it does not move when
 * rows are reordered), then trains the model officers use on every coded answer.
 */
export function trainSuggester(examples: CodedExample[], themeIds: number[]): TrainedSuggester {
  const sorted = [...examples].sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0))
  const test = sorted.filter((e) => isHeldOut(e.ref, HOLD_OUT_FRACTION))
  const train = sorted.filter((e) => !isHeldOut(e.ref, HOLD_OUT_FRACTION))
  let evaluation: Evaluation | null = null
  if (test.length > 0 && train.length > 0) {
    const m = fit(train, themeIds)
    const truth = test.map((e) => e.themeIds.map((t) => themeIds.indexOf(t)).filter((c) => c >= 0))
    const predicted = test.map((e) =>
      suggest(m, e.text)
        .filter((s) => s.suggested)
        .map((s) => themeIds.indexOf(s.themeId)),
    )
    evaluation = evaluateMultiLabel(truth, predicted, themeIds.length)
  }
  return { model: fit(sorted, themeIds), evaluation, trainedOn: train.length, heldOut: test.length }
}

export interface Suggestion {
  themeId: number
  confidence: number
  suggested: boolean
  /** The words and phrases that pushed the answer towards this theme, strongest first. */
  words: string[]
}

/** Every theme with its probability and the words behind it, most likely first. */
export function suggest(model: SuggestionModel, text: string): Suggestion[] {
  const x = transform(model.tfidf, terms(text))
  return predict(model.linear, x)
    .map((p, c) => ({
      themeId: model.themeIds[c]!,
      confidence: p,
      suggested: p >= SUGGEST_THRESHOLD,
      words: explain(model.linear, x, c, 4).map((f) => model.tfidf.vocabulary[f.feature]!),
    }))
    .sort((a, b) => b.confidence - a.confidence || a.themeId - b.themeId)
}

export interface Candidate {
  keyPhrases: string[]
  quoteRefs: string[]
  itemRefs: string[]
  size: number
}

/**
 * Clusters answers (TF-IDF → k-means, k by silhouette) into candidate themes: each with the terms that weigh most
 * in its centre (phrases first, they read better), the answers nearest its centre as quotes, and its size.
 */
export function proposeThemes(
  items: { ref: string; text: string }[],
  seed: number,
  maxK = 8,
): { candidates: Candidate[]; scores: { k: number; silhouette: number }[] } {
  const sorted = [...items].sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0))
  // Words, not phrases, for the distances: in short answers bigrams make almost every answer unique, and
  // silhouette then prefers many tiny clusters. Phrases are used afterwards, to name the clusters.
  const docs = sorted.map((i) => tokenize(i.text))
  const tfidf = fitTfidf(docs, { minDf: sorted.length >= 30 ? 2 : 1, maxFeatures: 3000 })
  const index = vocabularyIndex(tfidf)
  const xs = docs.map((d) => transform(tfidf, d, index))
  const usable = xs.map((x, i) => ({ x, i })).filter((p) => p.x.idx.length > 0)
  if (usable.length < 4) return { candidates: [], scores: [] }
  const { best, scores } = chooseK(
    usable.map((p) => p.x),
    tfidf.vocabulary.length,
    seed,
    Math.min(maxK, Math.floor(usable.length / 2)),
  )
  const phrasesOf = sorted.map((i) => new Set(terms(i.text)))
  const overall = new Map<string, number>()
  for (const q of usable) for (const t of phrasesOf[q.i]!) overall.set(t, (overall.get(t) ?? 0) + 1)
  const candidates: Candidate[] = []
  for (let c = 0; c < best.k; c++) {
    const members = usable.filter((_, q) => best.assignment[q] === c)
    if (members.length === 0) continue
    const centre = best.centroids[c]!
    // Key phrases: terms much commoner inside the cluster than across all answers (phrases slightly preferred).
    const inside = new Map<string, number>()
    for (const m of members) for (const t of phrasesOf[m.i]!) inside.set(t, (inside.get(t) ?? 0) + 1)
    const ranked = [...inside.entries()]
      .filter(([, k]) => k >= Math.min(2, members.length))
      .map(([term, k]) => ({
        term,
        w: (k / members.length - overall.get(term)! / usable.length) * (term.includes(' ') ? 1.2 : 1),
      }))
      .filter((t) => t.w > 0)
      .sort((a, b) => b.w - a.w || (a.term < b.term ? -1 : 1))
    const phrases: string[] = []
    for (const t of ranked) {
      // Skip a word already inside a chosen phrase: "play area" makes "play" redundant.
      if (phrases.some((p) => p.split(' ').includes(t.term) || t.term.split(' ').every((w) => phrases.includes(w))))
        continue
      phrases.push(t.term)
      if (phrases.length === 5) break
    }
    const closeness = (q: number) => xs[q]!.idx.reduce((s, j, k) => s + xs[q]!.val[k]! * centre[j]!, 0)
    // Distinct wording only: three copies of one sentence say less than three different voices.
    const seen = new Set<string>()
    const quotes = [...members]
      .sort((a, b) => closeness(b.i) - closeness(a.i) || a.i - b.i)
      .filter((m) => {
        const key = sorted[m.i]!.text.trim().toLowerCase()
        if (seen.has(key)) return false
        seen.add(key)
        return true
      })
      .slice(0, 3)
    candidates.push({
      keyPhrases: phrases,
      quoteRefs: quotes.map((q) => sorted[q.i]!.ref),
      itemRefs: members.map((m) => sorted[m.i]!.ref),
      size: members.length,
    })
  }
  candidates.sort((a, b) => b.size - a.size || (a.itemRefs[0]! < b.itemRefs[0]! ? -1 : 1))
  return { candidates, scores }
}
