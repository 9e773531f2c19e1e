import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { crossValidate, CV_FOLDS, foldOf, proposeThemes, suggest, trainSuggester } from './analysis.js'
import { explain, predict, trainOneVsRest } from './classifier.js'
import { cohensKappa, kappaBand, kappaForTheme } from './kappa.js'
import { chooseK, kmeans, silhouette } from './kmeans.js'
import { detectLanguage } from './language.js'
import { evaluateMultiLabel, isHeldOut } from './metrics.js'
import { fitTfidf, terms, tokenize, transform } from './tfidf.js'

describe("Cohen's kappa", () => {
  test('textbook example: 50 proposals, 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no gives 0.4', () => {
    // Wikipedia's worked example: po = 0.7, pe = 0.5, kappa = 0.4.
    const a = [...Array<string>(25).fill('yes'), ...Array<string>(25).fill('no')]
    const b = [
      ...Array<string>(20).fill('yes'),
      ...Array<string>(5).fill('no'),
      ...Array<string>(10).fill('yes'),
      ...Array<string>(15).fill('no'),
    ]
    assert.ok(Math.abs(cohensKappa(a, b)! - 0.4) < 1e-12)
    assert.equal(kappaBand(0.4), 'fair')
  })

  test('second textbook example (Fleiss, Levin and Paik style 3 categories)', () => {
    // Counts: agree on A 25, B 20, C 15; off-diagonal 5 each (A→B, B→C, C→A): n = 75, po = 0.8.
    const pairs: [string, string][] = []
    const add = (x: string, y: string, n: number) => {
      for (let i = 0; i < n; i++) pairs.push([x, y])
    }
    add('A', 'A', 25)
    add('B', 'B', 20)
    add('C', 'C', 15)
    add('A', 'B', 5)
    add('B', 'C', 5)
    add('C', 'A', 5)
    // Marginals: coder 1 A30 B25 C20, coder 2 A30 B25 C20 → pe = (900+625+400)/5625 = 0.342222…
    const pe = (30 * 30 + 25 * 25 + 20 * 20) / 75 ** 2
    const expected = (0.8 - pe) / (1 - pe)
    assert.ok(
      Math.abs(
        cohensKappa(
          pairs.map((p) => p[0]),
          pairs.map((p) => p[1]),
        )! - expected,
      ) < 1e-12,
    )
  })

  test('properties: 1 for identical codes with two categories, symmetric, at most 1', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.boolean()), { minLength: 1, maxLength: 60 }), (pairs) => {
        const a = pairs.map((p) => p[0])
        const b = pairs.map((p) => p[1])
        const k = cohensKappa(a, b)
        assert.equal(k, cohensKappa(b, a))
        if (k !== null) assert.ok(k <= 1 + 1e-12)
        const same = cohensKappa(a, a)
        if (new Set(a).size === 2) assert.equal(same, 1)
        else assert.equal(same, null)
      }),
    )
  })

  test('per theme over multi-label codings', () => {
    const pairs = [
      { a: [1], b: [1] },
      { a: [1, 2], b: [2] },
      { a: [2], b: [2] },
      { a: [], b: [] },
    ]
    assert.equal(kappaForTheme(pairs, 2), 1)
    assert.ok(kappaForTheme(pairs, 1)! < 1)
  })
})

describe('precision and recall', () => {
  test('hand-worked example', () => {
    // Theme 0: tp 1 (item 0), fp 1 (item 1), fn 1 (item 2) → p = r = 0.5. Theme 1: tp 1, fp 0, fn 0.
    const e = evaluateMultiLabel([[0], [1], [0]], [[0], [0, 1], []], 2)
    assert.equal(e.perClass[0]!.precision, 0.5)
    assert.equal(e.perClass[0]!.recall, 0.5)
    assert.equal(e.perClass[1]!.precision, 1)
    assert.equal(e.micro.precision, 2 / 3)
    assert.equal(e.micro.recall, 2 / 3)
  })

  test('undefined ratios are null, perfect predictions score 1', () => {
    assert.equal(evaluateMultiLabel([[]], [[]], 1).perClass[0]!.precision, null)
    fc.assert(
      fc.property(
        fc.array(fc.uniqueArray(fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 30 }),
        (truth) => {
          const e = evaluateMultiLabel(truth, truth, 4)
          for (const s of e.perClass) if (s.support > 0) assert.equal(s.recall, 1)
          if (truth.some((t) => t.length)) assert.equal(e.micro.precision, 1)
        },
      ),
    )
  })

  test('hold-out is stable and about the asked fraction', () => {
    const keys = Array.from({ length: 4000 }, (_, i) => `answer:${i}`)
    const share = keys.filter((k) => isHeldOut(k, 0.25)).length / keys.length
    assert.ok(share > 0.22 && share < 0.28, String(share))
    assert.deepEqual(
      keys.filter((k) => isHeldOut(k, 0.25)),
      keys.filter((k) => isHeldOut(k, 0.25)),
    )
  })
})

describe('TF-IDF and the classifier', () => {
  test('tokens drop stopwords; bigrams are kept as phrases', () => {
    assert.deepEqual(tokenize('We need a SAFE play-area!'), ['safe', 'play', 'area'])
    assert.ok(terms('safe play area').includes('play area'))
  })

  test('vectors are unit length and independent of document order', () => {
    const docs = [terms('childcare costs'), terms('youth club evenings'), terms('childcare near home')]
    const m1 = fitTfidf(docs)
    const m2 = fitTfidf([...docs].reverse())
    assert.deepEqual(m1, m2)
    const v = transform(m1, docs[0]!)
    assert.ok(Math.abs(v.val.reduce((s, x) => s + x * x, 0) - 1) < 1e-12)
  })

  test('learns separable classes, is deterministic, and explains with the driving words', () => {
    const texts = ['bus late', 'bus route', 'train bus', 'rent arrears', 'rent debt', 'debt advice']
    const labels = [[0], [0], [0], [1], [1], [1]]
    const tf = fitTfidf(texts.map(terms))
    const xs = texts.map((t) => transform(tf, terms(t)))
    const m = trainOneVsRest(xs, labels, 2, tf.vocabulary.length)
    assert.deepEqual(m, trainOneVsRest(xs, labels, 2, tf.vocabulary.length))
    const x = transform(tf, terms('the bus'))
    const p = predict(m, x)
    assert.ok(p[0]! > 0.5 && p[1]! < 0.5)
    assert.equal(tf.vocabulary[explain(m, x, 0)[0]!.feature], 'bus')
  })

  test('suggester: explanations name words in the text, and retraining on more codes changes the model', () => {
    const base = [
      { ref: 'a1', text: 'help finding work and a job', themeIds: [10] },
      { ref: 'a2', text: 'job club and CV help', themeIds: [10] },
      { ref: 'a3', text: 'training for work', themeIds: [10] },
      { ref: 'a4', text: 'food bank and bills', themeIds: [20] },
      { ref: 'a5', text: 'energy bills too high', themeIds: [20] },
      { ref: 'a6', text: 'debt advice for bills', themeIds: [20] },
    ]
    const one = trainSuggester(base, [10, 20])
    const s = suggest(one.model, 'I need a job')
    assert.equal(s[0]!.themeId, 10)
    for (const w of s[0]!.words) assert.ok('i need a job'.includes(w))
    const more = trainSuggester([...base, { ref: 'a7', text: 'job for my son', themeIds: [10] }], [10, 20])
    assert.notDeepEqual(one.model.linear, more.model.linear)
    assert.deepEqual(trainSuggester(base, [10, 20]), one)
  })
})

describe('k-means and emerging themes', () => {
  const groups = [
    // Lexically distinct groups: TF-IDF k-means groups by shared words, it does not know "wifi" means internet.
    ['gp appointment waiting', 'gp surgery phone', 'cannot see a gp', 'gp appointment impossible'],
    ['internet at home', 'free wifi internet', 'no internet access', 'internet in the library'],
    ['dog fouling park', 'dog mess pavement', 'dog fouling everywhere', 'dog off lead park'],
  ]
  const items = groups.flat().map((text, i) => ({ ref: `t:${String(i).padStart(2, '0')}`, text }))

  test('same data and seed give the same candidates; input order does not matter', () => {
    const a = proposeThemes(items, 7)
    assert.deepEqual(a, proposeThemes([...items].reverse(), 7))
    assert.equal(
      a.candidates.reduce((s, c) => s + c.size, 0),
      items.length,
    )
  })

  test('finds the three planted groups by silhouette, with their key phrases', () => {
    const { candidates } = proposeThemes(items, 7)
    assert.equal(candidates.length, 3)
    const phrases = candidates.map((c) => c.keyPhrases.join(' '))
    assert.ok(phrases.some((p) => p.includes('gp')))
    assert.ok(phrases.some((p) => p.includes('internet') || p.includes('wifi')))
    assert.ok(phrases.some((p) => p.includes('dog')))
    for (const c of candidates) assert.ok(c.quoteRefs.every((r) => c.itemRefs.includes(r)))
  })

  test('properties: every point assigned, silhouette within [-1, 1], determinism', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.double({ min: 0.01, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }), {
          minLength: 4,
          maxLength: 25,
        }),
        fc.integer({ min: 1, max: 1000 }),
        (pts, seed) => {
          const xs = pts.map((p) => {
            const n = Math.hypot(...p)
            return { idx: [0, 1, 2], val: p.map((v) => v / n) }
          })
          const c = kmeans(xs, 2, 3, seed)
          assert.deepEqual(c, kmeans(xs, 2, 3, seed))
          assert.ok(c.assignment.every((a) => a === 0 || a === 1))
          const s = silhouette(xs, c.assignment)
          assert.ok(s >= -1 - 1e-9 && s <= 1 + 1e-9)
          assert.ok(chooseK(xs, 3, seed, 4).best.k >= 1)
        },
      ),
      { numRuns: 40 },
    )
  })
})

describe('language check', () => {
  test('English, other scripts, Latin-script languages it knows, and short texts', () => {
    assert.equal(detectLanguage('We need more help with the bills this winter').language, 'en')
    assert.equal(detectLanguage('نحتاج إلى مساعدة في العثور على عمل').language, 'other')
    assert.equal(detectLanguage('Нам нужна помощь с оплатой счетов').language, 'other')
    assert.equal(detectLanguage('Potrzebujemy więcej zajęć dla dzieci, nie ma gdzie iść').language, 'other')
    assert.equal(detectLanguage('Necesitamos más ayuda con las facturas de la luz').language, 'other')
    assert.equal(detectLanguage('Potholes!').language, 'unknown')
  })
})

describe('cross-validation', () => {
  // Two themes told apart by their own words; the texts vary so that no fold is a copy of another.
  const words = {
    1: ['bins', 'litter', 'lights', 'pavement', 'lift', 'repairs', 'damp', 'bus'],
    2: ['nursery', 'childcare', 'toddler', 'school', 'youth', 'holiday', 'parenting', 'teenagers'],
  }
  const examples = Array.from({ length: 60 }, (_, i) => {
    const theme = i % 2 === 0 ? 1 : 2
    const w = words[theme as 1 | 2]
    return { ref: `text:${i}`, text: `${w[i % 8]} ${w[(i * 3 + 1) % 8]} problem ${i}`, themeIds: [theme] }
  })

  test('every coded answer is tested exactly once, by a model that did not see it', () => {
    const e = crossValidate(examples, [1, 2])!
    assert.equal(e.examples, examples.length)
    assert.equal(e.folds, CV_FOLDS)
    const sizes = Array.from({ length: CV_FOLDS }, (_, f) => examples.filter((x) => foldOf(x.ref) === f).length)
    assert.equal(
      sizes.reduce((a, b) => a + b, 0),
      60,
    )
    assert.ok(sizes.every((n) => n > 0))
  })

  test('separable themes are recovered; labels shuffled at random are not (no leakage from training)', () => {
    const good = crossValidate(examples, [1, 2])!
    assert.ok(good.micro.recall! > 0.8 && good.micro.precision! > 0.8)
    // Same texts, labels unrelated to the words: a model that had seen the test answers would still score well.
    const noise = examples.map((x, i) => ({ ...x, themeIds: [foldOf(`noise:${i}`, 2) + 1] }))
    const bad = crossValidate(noise, [1, 2])!
    assert.ok((bad.micro.f1 ?? 0) < 0.7, `f1 ${bad.micro.f1}`)
  })

  test('trainSuggester reports the cross-validated evaluation and trains on every coded answer', () => {
    const r = trainSuggester(examples, [1, 2])
    assert.equal(r.trainedOn, 60)
    assert.equal(r.heldOut, 0)
    assert.deepEqual(r.evaluation, crossValidate(examples, [1, 2]))
    // Reordering the answers changes nothing.
    assert.deepEqual(trainSuggester([...examples].reverse(), [1, 2]), r)
  })
})
