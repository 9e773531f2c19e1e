import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { groupViews, LEXICON, sentiment } from './sentiment.js'

describe('lexicon sentiment', () => {
  test('scores follow the documented rule, and the words behind them are given', () => {
    // "terrible" −3 in a 4-word text: −3 / 3 / √4 = −0.5.
    const s = sentiment('The lifts are terrible')
    assert.ok(Math.abs(s.score - -0.5) < 1e-12)
    assert.equal(s.label, 'negative')
    assert.deepEqual(s.words, [{ word: 'terrible', weight: -3 }])
  })

  test('a negator within three words flips and halves; an intensifier multiplies by 1.5', () => {
    assert.deepEqual(sentiment('it is not safe').words, [{ word: 'safe', weight: -1 }])
    assert.deepEqual(sentiment("isn't very good").words, [{ word: 'good', weight: -1.5 }])
    assert.deepEqual(sentiment('really lovely').words, [{ word: 'lovely', weight: 4.5 }])
    // Outside the window the negator no longer applies.
    assert.deepEqual(sentiment('not that I mind, it is good').words, [{ word: 'good', weight: 2 }])
  })

  test('asking for help is neutral, not positive: the words of a request are not in the lexicon', () => {
    const s = sentiment('We need help with childcare and support for families')
    assert.equal(s.label, 'neutral')
    assert.deepEqual(s.words, [])
  })

  test('the score stays in −1..1 and is 0 when no word is known', () => {
    const known = Object.keys(LEXICON)
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom(...known, 'not', 'very', 'the', 'bus')), { maxLength: 40 }),
        (ws) => {
          const s = sentiment(ws.join(' '))
          assert.ok(s.score >= -1 && s.score <= 1)
          if (!ws.some((w) => w in LEXICON)) assert.equal(s.score, 0)
        },
      ),
    )
  })
})

describe('key phrases and group views', () => {
  test('phrases used in two or more answers of a group, preferring phrases to their words', () => {
    const [a, b] = groupViews([
      {
        key: 'a',
        texts: ['the play area is broken', 'fix the play area please', 'broken lights by the play area'],
      },
      { key: 'b', texts: ['energy bills are too high', 'help with energy bills', 'a one-off comment'] },
    ])
    assert.equal(a!.keyPhrases[0], 'play area')
    assert.ok(!a!.keyPhrases.includes('play') && !a!.keyPhrases.includes('area'))
    assert.ok(a!.keyPhrases.includes('broken'))
    assert.equal(b!.keyPhrases[0], 'energy bills')
    // "one-off comment" appears once: not a key phrase.
    assert.ok(!b!.keyPhrases.some((p) => p.includes('comment')))
    assert.equal(a!.negative + a!.neutral + a!.positive, 3)
    assert.equal(a!.texts, 3)
  })

  test('same input, same output, whatever the order of groups', () => {
    const groups = [
      { key: 'x', texts: ['lovely park', 'lovely park again', 'dirty bins'] },
      { key: 'y', texts: ['bus late', 'bus late again', 'no bus'] },
    ]
    const one = groupViews(groups)
    const two = groupViews([...groups].reverse()).reverse()
    assert.deepEqual(one, two)
  })
})
