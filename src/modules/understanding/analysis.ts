/**
 * Composes the pure pieces into what officers see: a suggestion model trained on the ward's own coded answers
 * (with its held-out precision and recall), and candidate themes from clustering. Pure: no I/O, deterministic.
 */
import { explain, predict, trainOneVsRest, type LinearModel } from './classifier.js'
import { chooseK, kmeansRestarts } from './kmeans.js'
import { evaluateMultiLabel, stableHash, type Evaluation } from './metrics.js'
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
  /** Kept for the stored row: 0 now that evaluation is by cross-validation over every coded answer. */
  heldOut: number
}

/** A theme is suggested when the model gives it at least this probability. */
export const SUGGEST_THRESHOLD = 0.5
/** k in k-fold cross-validation: every coded answer is held out once, by a model that never saw it. */
export const CV_FOLDS = 5

function fit(examples: CodedExample[], themeIds: number[]): SuggestionModel {
  const docs = examples.map((e) => terms(e.text))
  const tfidf = fitTfidf(docs, { minDf: examples.length >= 40 ? 2 : 1, maxFeatures: 5000 })
  const index = vocabularyIndex(tfidf)
  const xs = docs.map((d) => transform(tfidf, d, index))
  const labels = examples.map((e) => e.themeIds.map((t) => themeIds.indexOf(t)).filter((c) => c >= 0))
  return { tfidf, themeIds, linear: trainOneVsRest(xs, labels, themeIds.length, tfidf.vocabulary.length) }
}

/** Fold of an answer, by a hash of its reference: the split does not move when rows are reordered. */
export const foldOf = (ref: string, folds = CV_FOLDS) => stableHash(`fold:${ref}`) % folds

/**
 * k-fold cross-validation: each answer's suggestion comes from a model trained on the other folds only, and
 * precision and recall are pooled over all answers. Less noisy than one held-out quarter on a ward's few hundred
 * coded answers, and no answer is both taught and tested. Null when a fold would leave nothing to train on.
 */
export function crossValidate(examples: CodedExample[], themeIds: number[], folds = CV_FOLDS): Evaluation | null {
  const sorted = [...examples].sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0))
  const truth: number[][] = []
  const predicted: number[][] = []
  for (let f = 0; f < folds; f++) {
    const test = sorted.filter((e) => foldOf(e.ref, folds) === f)
    const train = sorted.filter((e) => foldOf(e.ref, folds) !== f)
    if (test.length === 0) continue
    if (train.length === 0) return null
    const m = fit(train, themeIds)
    for (const e of test) {
      truth.push(e.themeIds.map((t) => themeIds.indexOf(t)).filter((c) => c >= 0))
      predicted.push(
        suggest(m, e.text)
          .filter((s) => s.suggested)
          .map((s) => themeIds.indexOf(s.themeId)),
      )
    }
  }
  return truth.length ? { ...evaluateMultiLabel(truth, predicted, themeIds.length), folds } : null
}

/** Measures by cross-validation, then trains the model officers use on every coded answer. */
export function trainSuggester(examples: CodedExample[], themeIds: number[]): TrainedSuggester {
  const sorted = [...examples].sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0))
  return {
    model: fit(sorted, themeIds),
    evaluation: crossValidate(sorted, themeIds),
    trainedOn: sorted.length,
    heldOut: 0,
  }
}

export interface Suggestion {
  themeId: number
  confidence: number
  suggested: boolean
  /** The words and phrases that pushed the answer towards this theme, strongest first. */
  words: string[]
}

/**
 * The vocabulary lookup, built once per model rather than once per answer: rebuilding a 5,000-term map for every
 * text was most of the time spent suggesting for a large batch (bench/understanding.mjs).
 */
const indexes = new WeakMap<TfidfModel, Map<string, number>>()
function indexOf(tfidf: TfidfModel): Map<string, number> {
  let index = indexes.get(tfidf)
  if (!index) indexes.set(tfidf, (index = vocabularyIndex(tfidf)))
  return index
}

/** Every theme with its probability and the words behind it, most likely first. */
export function suggest(model: SuggestionModel, text: string): Suggestion[] {
  const x = transform(model.tfidf, terms(text), indexOf(model.tfidf))
  return predict(model.linear, x)
    .map((p, c) => ({
      themeId: model.themeIds[c]!,
      confidence: p,
      suggested: p >= SUGGEST_THRESHOLD,
      words: explain(model.linear, x, c, 4).map((f) => model.tfidf.vocabulary[f.feature]!),
    }))
    .sort((a, b) => b.confidence - a.confidence || a.themeId - b.themeId)
}

/** Above this many answers, k is chosen on an evenly spread sample of this size (see proposeThemes). */
export const CHOOSE_K_SAMPLE = 3000

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
  // Choosing k tries seven values with five starts each; on a large pool that is done on a fixed, evenly spread
  // sample (every n-th answer), then the chosen k is fitted once on every answer. Same data, same result.
  const points = usable.map((p) => p.x)
  const kMax = Math.min(maxK, Math.floor(usable.length / 2))
  const stride = Math.ceil(points.length / CHOOSE_K_SAMPLE)
  const { best: chosen, scores } = chooseK(
    stride > 1 ? points.filter((_, i) => i % stride === 0) : points,
    tfidf.vocabulary.length,
    seed,
    kMax,
  )
  const best = stride > 1 ? kmeansRestarts(points, chosen.k, tfidf.vocabulary.length, seed) : chosen
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
