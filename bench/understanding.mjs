// Benchmark of the "Understand" analysis on the BUILT code (dist/): seconds to suggest themes for 100,000 answers
// and to cluster 20,000, plus opinion groups and sentiment. The texts are GENERATED here (a seeded mix of theme
// words and filler), so these figures measure speed only, never accuracy. The baseline, measured in the same run on
// the same texts, is tokenising them (words and two-word phrases): the least any of these steps has to do.
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const mod = (f) => import(path.join(root, 'dist/src/modules/understanding', f))

const seconds = (t0) => Math.round((performance.now() - t0) / 10) / 100

const THEMES = [
  'job jobs work cv interview apprenticeship training course college skills employer shifts career'.split(' '),
  'childcare nursery toddler school youth club teenagers holiday parenting kids children family'.split(' '),
  'bins litter lights lift repairs damp mould pavement crossing bus park trees estate'.split(' '),
  'bills energy rent debt benefits food bank money credit arrears heating cost budget'.split(' '),
]
const FILLER =
  'we need more help please the and for our on it is there would be really some a lot near home local area people'.split(
    ' ',
  )

function generate(seededRandom, n, seed) {
  const rand = seededRandom(seed)
  const pick = (xs) => xs[Math.floor(rand() * xs.length)]
  const out = []
  for (let i = 0; i < n; i++) {
    const theme = Math.floor(rand() * THEMES.length)
    const second = rand() < 0.2 ? Math.floor(rand() * THEMES.length) : -1
    const len = 5 + Math.floor(rand() * 25)
    const words = []
    for (let w = 0; w < len; w++) {
      const r = rand()
      words.push(r < 0.35 ? pick(THEMES[theme]) : r < 0.45 && second >= 0 ? pick(THEMES[second]) : pick(FILLER))
    }
    out.push({
      ref: `text:${i}`,
      text: words.join(' '),
      themeIds: second >= 0 && second !== theme ? [theme + 1, second + 1] : [theme + 1],
    })
  }
  return out
}

export async function benchUnderstanding(
  log,
  sizes = { suggest: 100_000, cluster: 20_000, train: 2_000, voters: 2_000 },
) {
  const { seededRandom } = await mod('kmeans.js')
  const { terms } = await mod('tfidf.js')
  const { trainSuggester, suggest, proposeThemes } = await mod('analysis.js')
  const { sentiment } = await mod('sentiment.js')
  const { analyseOpinions } = await mod('opinion.rules.js')
  const out = { note: 'generated texts: speed only, not accuracy; wall seconds on a shared machine' }
  const cpu0 = process.cpuUsage()

  log(`understanding: generating ${sizes.suggest} texts`)
  const texts = generate(seededRandom, sizes.suggest, 1)

  let t0 = performance.now()
  let tokens = 0
  for (const x of texts) tokens += terms(x.text).length
  out.tokeniseSuggestSetSeconds = seconds(t0)
  out.tokens = tokens

  log(`understanding: training on ${sizes.train} coded texts (5-fold cross-validation + final model)`)
  t0 = performance.now()
  const trained = trainSuggester(generate(seededRandom, sizes.train, 2), [1, 2, 3, 4])
  out.trainWithCrossValidationSeconds = seconds(t0)
  out.trainedOn = trained.trainedOn

  log(`understanding: suggesting themes for ${sizes.suggest} texts`)
  t0 = performance.now()
  let suggested = 0
  for (const x of texts) if (suggest(trained.model, x.text).some((s) => s.suggested)) suggested += 1
  out.suggestSeconds = seconds(t0)
  out.suggestAnswers = sizes.suggest
  out.suggestVsTokenise = Math.round((out.suggestSeconds / Math.max(out.tokeniseSuggestSetSeconds, 0.01)) * 10) / 10
  out.answersWithASuggestion = suggested

  const pool = texts.slice(0, sizes.cluster).map(({ ref, text }) => ({ ref, text }))
  t0 = performance.now()
  for (const x of pool) terms(x.text)
  out.tokeniseClusterSetSeconds = seconds(t0)
  log(`understanding: clustering ${sizes.cluster} texts (k = 2..8 by silhouette)`)
  t0 = performance.now()
  const clustered = proposeThemes(pool, 20261126)
  out.clusterSeconds = seconds(t0)
  out.clusterAnswers = sizes.cluster
  out.clusterVsTokenise = Math.round((out.clusterSeconds / Math.max(out.tokeniseClusterSetSeconds, 0.01)) * 10) / 10
  out.candidates = clustered.candidates.length

  log(`understanding: sentiment for ${sizes.suggest} texts`)
  t0 = performance.now()
  for (const x of texts) sentiment(x.text)
  out.sentimentSeconds = seconds(t0)

  log(`understanding: opinion groups for ${sizes.voters} voters × 30 statements`)
  const rand = seededRandom(3)
  const votes = []
  for (let p = 0; p < sizes.voters; p++) {
    const camp = p % 3
    for (let s = 1; s <= 30; s++) {
      if (rand() < 0.3) continue
      const lean = (s + camp) % 3
      const vote =
        rand() < 0.2 ? ['agree', 'disagree', 'pass'][Math.floor(rand() * 3)] : ['agree', 'disagree', 'pass'][lean]
      votes.push({ voter: `v${p}`, statementId: s, vote })
    }
  }
  t0 = performance.now()
  const opinions = analyseOpinions(
    votes,
    Array.from({ length: 30 }, (_, i) => i + 1),
    1,
  )
  out.opinionGroupsSeconds = seconds(t0)
  out.opinionVotes = votes.length
  out.opinionGroups = opinions.groups
  // CPU seconds of this process for the whole run: wall time above includes waiting for a busy machine.
  const cpu = process.cpuUsage(cpu0)
  out.processCpuSeconds = Math.round((cpu.user + cpu.system) / 1e4) / 100
  return out
}
