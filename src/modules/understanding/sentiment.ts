/**
 * Offline, lexicon-based sentiment for English answers, and key phrases by class-based TF-IDF. Both are
 * SUPPORTING VIEWS for officers, never decisions: a sentiment score cannot tell a complaint from a need (people
 * describe needs in negative words), and it is blind to sarcasm and to languages other than English. Pure.
 *
 * How the score works (so an officer can check any figure by hand):
 * - Each word in LEXICON has a valence from −3 (very negative) to +3 (very positive). The list is our own, written
 *   for the way residents describe services and their area; it is small on purpose, so it can be read and argued
 *   with. Words not in it count 0. Words that residents use neutrally when asking for things ("help", "support",
 *   "free", "like", "open") are left out on purpose: asking for help is not a negative or positive feeling.
 * - A negator ("not", "no", "never", "nothing", "cannot", "without" and n't forms) within the three words before a
 *   lexicon word flips its sign and halves it ("not good" is mildly negative, not as negative as "bad").
 * - An intensifier ("very", "really", "so", "too", "extremely") just before a word multiplies it by 1.5.
 * - The text's score is the sum divided by √(number of words), clipped to −1..+1 after dividing by 3, so a long
 *   answer with one bad word is not as negative as a short one.
 * - Labels: score ≤ −0.15 negative, ≥ +0.15 positive, otherwise neutral (including no lexicon words at all).
 */
import { fitTfidf, terms } from './tfidf.js'

export const LEXICON: Readonly<Record<string, number>> = {
  // Positive
  good: 2,
  great: 3,
  lovely: 3,
  brilliant: 3,
  excellent: 3,
  amazing: 3,
  nice: 2,
  helpful: 2,
  helped: 2,
  safe: 2,
  safer: 2,
  clean: 1,
  friendly: 2,
  happy: 2,
  love: 3,
  enjoy: 2,
  improve: 1,
  improved: 2,
  better: 1,
  best: 2,
  welcoming: 2,
  affordable: 1,
  supportive: 2,
  thank: 2,
  thanks: 2,
  useful: 2,
  decent: 1,
  easy: 1,
  hope: 1,
  fantastic: 3,
  pleased: 2,
  grateful: 2,
  kind: 2,
  // Negative
  bad: -2,
  terrible: -3,
  awful: -3,
  horrible: -3,
  dangerous: -3,
  scary: -2,
  unsafe: -3,
  dirty: -2,
  broken: -2,
  worse: -2,
  worst: -3,
  impossible: -2,
  nightmare: -3,
  struggling: -2,
  struggle: -2,
  struggled: -2,
  scared: -2,
  afraid: -2,
  lonely: -2,
  alone: -1,
  ill: -2,
  sick: -2,
  damp: -2,
  mould: -2,
  leak: -1,
  smells: -1,
  stolen: -2,
  overflowing: -2,
  litter: -1,
  crime: -2,
  expensive: -2,
  crazy: -1,
  terrifying: -3,
  embarrassed: -2,
  judged: -1,
  closed: -1,
  closing: -1,
  waiting: -1,
  wait: -1,
  forever: -1,
  problem: -2,
  problems: -2,
  issue: -1,
  worried: -2,
  worry: -2,
  angry: -3,
  fed: -1,
  ignored: -2,
  unfair: -2,
  behind: -1,
  debt: -1,
  evicted: -3,
  freezing: -2,
  anxiety: -1,
  depression: -1,
  hard: -1,
  difficult: -2,
  poor: -2,
  missing: -1,
  missed: -1,
  fail: -2,
  failed: -2,
  useless: -3,
  rubbish: -2,
  noise: -1,
  cant: -1,
  boring: -2,
}
const NEGATORS = new Set([
  'not',
  'no',
  'never',
  'nothing',
  'cannot',
  'without',
  'nobody',
  'none',
  'isnt',
  'dont',
  'doesnt',
  'didnt',
  'wont',
  'arent',
  'wasnt',
  'havent',
  'hasnt',
  'couldnt',
  'shouldnt',
])
const INTENSIFIERS = new Set(['very', 'really', 'so', 'too', 'extremely', 'absolutely', 'totally'])

export type SentimentLabel = 'negative' | 'neutral' | 'positive'

export interface Sentiment {
  score: number
  label: SentimentLabel
  /** Words that moved the score, with their signed contribution: the explanation shown beside it. */
  words: { word: string; weight: number }[]
}

/** Lower-case words with apostrophes dropped ("isn't" → "isnt"), keeping stopwords: negation needs them. */
const words = (text: string) =>
  (
    text
      .toLowerCase()
      .normalize('NFKC')
      .match(/[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu) ?? []
  ).map((w) => w.replace(/['’]/g, ''))

export function sentiment(text: string): Sentiment {
  const ws = words(text)
  const found: { word: string; weight: number }[] = []
  let sum = 0
  ws.forEach((w, i) => {
    const base = LEXICON[w]
    if (base === undefined) return
    let v = base
    // "can't" splits as "cant": it is a negator when followed by a lexicon word, and mildly negative on its own.
    const before = ws.slice(Math.max(0, i - 3), i)
    if (before.some((b) => NEGATORS.has(b) || b === 'cant')) v = -v / 2
    if (i > 0 && INTENSIFIERS.has(ws[i - 1]!)) v *= 1.5
    sum += v
    found.push({ word: w, weight: v })
  })
  const score = ws.length ? Math.max(-1, Math.min(1, sum / 3 / Math.sqrt(ws.length))) : 0
  const label: SentimentLabel = score <= -0.15 ? 'negative' : score >= 0.15 ? 'positive' : 'neutral'
  return {
    score,
    label,
    words: found.sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight) || (a.word < b.word ? -1 : 1)),
  }
}

export interface GroupView {
  key: string
  texts: number
  negative: number
  neutral: number
  positive: number
  meanScore: number | null
  keyPhrases: string[]
}

/**
 * Sentiment counts and key phrases per group (a theme, or an area). Key phrases by class-based TF-IDF: each group's
 * answers are joined into one document; a term's weight is its frequency in the group × the idf across groups, and
 * only terms used in at least two answers of the group count (one person's turn of phrase is not a key phrase).
 * Two-word phrases are preferred over the words inside them.
 */
export function groupViews(groups: { key: string; texts: string[] }[], phrases = 5): GroupView[] {
  const docs = groups.map((g) => g.texts.flatMap((t) => terms(t)))
  const tfidf = fitTfidf(docs)
  const idf = new Map(tfidf.vocabulary.map((t, j) => [t, tfidf.idf[j]!]))
  return groups.map((g, gi) => {
    const s = g.texts.map((t) => sentiment(t))
    const df = new Map<string, number>()
    for (const t of g.texts) for (const term of new Set(terms(t))) df.set(term, (df.get(term) ?? 0) + 1)
    const tf = new Map<string, number>()
    for (const term of docs[gi]!) tf.set(term, (tf.get(term) ?? 0) + 1)
    const ranked = [...tf.entries()]
      .filter(([term]) => (df.get(term) ?? 0) >= 2)
      .map(([term, n]) => ({ term, w: n * idf.get(term)! * (term.includes(' ') ? 1.5 : 1) }))
      .sort((a, b) => b.w - a.w || (a.term < b.term ? -1 : 1))
    const chosen: string[] = []
    for (const r of ranked) {
      if (chosen.some((c) => c.split(' ').includes(r.term) || r.term.split(' ').every((w) => chosen.includes(w))))
        continue
      chosen.push(r.term)
      if (chosen.length === phrases) break
    }
    const count = (l: SentimentLabel) => s.filter((x) => x.label === l).length
    return {
      key: g.key,
      texts: g.texts.length,
      negative: count('negative'),
      neutral: count('neutral'),
      positive: count('positive'),
      meanScore: s.length ? s.reduce((a, x) => a + x.score, 0) / s.length : null,
      keyPhrases: chosen,
    }
  })
}
