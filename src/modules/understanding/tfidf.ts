/**
 * TF-IDF features, written here rather than taken from a package so every number an officer sees can be traced
 * (stack probe §5: nothing may be downloaded at run time). Pure: no I/O, same input gives the same output.
 */

/** Short English function words: they carry no theme, and would otherwise dominate both suggestions and clusters. */
export const ENGLISH_STOPWORDS: ReadonlySet<string> = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below between both ' +
    'but by can could did do does doing down during each few for from further had has have having he her here hers ' +
    'him his how i if in into is it its itself just me more most my no nor not now of off on once only or other our ' +
    'ours out over own same she should so some such than that the their theirs them then there these they this those ' +
    'through to too under until up very was we were what when where which while who whom why will with would you your ' +
    'yours im dont its get got also much many really lot lots need needs want like make one us people well even ' +
    // Contractions without their apostrophe (tokenize drops it) and filler that named clusters badly in the demo.
    'isnt cant wont didnt doesnt arent wasnt havent hasnt couldnt shouldnt ive youre theyre every someone everything'
  ).split(' '),
)

/** Lower-cased word tokens (letters and digits of any script), minus stopwords and one-letter tokens. */
export function tokenize(text: string): string[] {
  const words =
    text
      .toLowerCase()
      .normalize('NFKC')
      .match(/[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu) ?? []
  return words.map((w) => w.replace(/['’]/g, '')).filter((w) => w.length > 1 && !ENGLISH_STOPWORDS.has(w))
}

/** Unigrams plus adjacent bigrams ("play area"): phrases explain suggestions and name clusters better than words. */
export function terms(text: string): string[] {
  const t = tokenize(text)
  const out = [...t]
  for (let i = 1; i < t.length; i++) out.push(`${t[i - 1]} ${t[i]}`)
  return out
}

/** A sparse vector: indices ascending, values aligned. */
export interface SparseVector {
  idx: number[]
  val: number[]
}

export interface TfidfModel {
  vocabulary: string[]
  idf: number[]
}

/**
 * Learns the vocabulary (terms in at least `minDf` documents, at most `maxFeatures` by document frequency, ties
 * broken alphabetically so the result never depends on input order) and smoothed idf = ln((1+n)/(1+df)) + 1.
 */
export function fitTfidf(docs: string[][], opts: { minDf?: number; maxFeatures?: number } = {}): TfidfModel {
  const minDf = opts.minDf ?? 1
  const df = new Map<string, number>()
  for (const d of docs) for (const term of new Set(d)) df.set(term, (df.get(term) ?? 0) + 1)
  const kept = [...df.entries()]
    .filter(([, n]) => n >= minDf)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, opts.maxFeatures ?? Infinity)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  const n = docs.length
  return { vocabulary: kept.map(([t]) => t), idf: kept.map(([, k]) => Math.log((1 + n) / (1 + k)) + 1) }
}

/** Sublinear tf (1 + ln tf) × idf, L2-normalised so long answers do not outweigh short ones. */
export function transform(model: TfidfModel, doc: string[], index?: Map<string, number>): SparseVector {
  const lookup = index ?? vocabularyIndex(model)
  const tf = new Map<number, number>()
  for (const term of doc) {
    const j = lookup.get(term)
    if (j !== undefined) tf.set(j, (tf.get(j) ?? 0) + 1)
  }
  const idx = [...tf.keys()].sort((a, b) => a - b)
  const val = idx.map((j) => (1 + Math.log(tf.get(j)!)) * model.idf[j]!)
  const norm = Math.sqrt(val.reduce((s, v) => s + v * v, 0))
  return { idx, val: norm > 0 ? val.map((v) => v / norm) : val }
}

export function vocabularyIndex(model: TfidfModel): Map<string, number> {
  return new Map(model.vocabulary.map((t, i) => [t, i]))
}
