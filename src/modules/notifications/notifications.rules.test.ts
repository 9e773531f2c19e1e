import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import {
  composeBody,
  effectivePreferences,
  NOTIFICATION_KINDS,
  signUnsubscribeToken,
  unsubscribeHeaders,
  verifyUnsubscribeToken,
} from './notifications.rules.js'

const SECRET = 's'.repeat(40)
const kind = fc.constantFrom(...NOTIFICATION_KINDS)
const userId = fc.integer({ min: 1, max: 999_999_999 })

test('a signed token verifies to exactly the person and kind it was made for', () => {
  fc.assert(
    fc.property(userId, kind, (u, k) => {
      assert.deepEqual(verifyUnsubscribeToken(SECRET, signUnsubscribeToken(SECRET, u, k)), { userId: u, kind: k })
    }),
  )
})

test('any change to a token (one character, another person, another kind, another secret) is refused', () => {
  fc.assert(
    fc.property(userId, kind, fc.nat(), fc.constantFrom(...'abcXYZ019_-.'), (u, k, pos, ch) => {
      const token = signUnsubscribeToken(SECRET, u, k)
      const i = pos % token.length
      const tampered = token.slice(0, i) + ch + token.slice(i + 1)
      if (tampered !== token) assert.equal(verifyUnsubscribeToken(SECRET, tampered), undefined)
    }),
  )
  const t = signUnsubscribeToken(SECRET, 42, 'outcomes')
  const [, , sig] = t.split('.')
  assert.equal(verifyUnsubscribeToken(SECRET, `43.outcomes.${sig}`), undefined)
  assert.equal(verifyUnsubscribeToken(SECRET, `42.idea_activity.${sig}`), undefined)
  assert.equal(verifyUnsubscribeToken('t'.repeat(40), t), undefined)
  for (const junk of [undefined, '', 'x'.repeat(43), '42.outcomes.', '0.outcomes.abc', `42.nope.${sig}`, t + t])
    assert.equal(verifyUnsubscribeToken(SECRET, junk), undefined)
})

test('defaults: receipts on, everything else only by choice; stored choices win', () => {
  assert.deepEqual(effectivePreferences([]), {
    response_receipt: true,
    idea_activity: false,
    outcomes: false,
    service_surveys: false,
  })
  const p = effectivePreferences([
    { kind: 'response_receipt', enabled: false },
    { kind: 'outcomes', enabled: true },
  ])
  assert.equal(p.response_receipt, false)
  assert.equal(p.outcomes, true)
  assert.equal(p.idea_activity, false)
})

test('RFC 8058 headers and the body footer carry the unsubscribe URL', () => {
  const url = 'https://example.test/unsubscribe/1.outcomes.abc'
  assert.deepEqual(unsubscribeHeaders(url), {
    'List-Unsubscribe': `<${url}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  })
  const body = composeBody({ text: ' Hello ', link: 'https://x.test/a', footer: 'Why', unsubscribeUrl: url })
  assert.equal(body, `Hello\n\nhttps://x.test/a\n\n--\nWhy\n${url}\n`)
})
