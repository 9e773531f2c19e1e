import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import {
  base32Decode,
  base32Encode,
  hashPassword,
  hotp,
  passwordProblem,
  verifyPassword,
  verifyTotp,
  totpStep,
} from './index.js'

test('HOTP matches the RFC 4226 appendix D test values', () => {
  const secret = Buffer.from('12345678901234567890')
  const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489']
  expected.forEach((code, counter) => assert.equal(hotp(secret, counter), code))
})

test('TOTP matches the RFC 6238 appendix B values (SHA-1, 8 digits)', () => {
  const secret = Buffer.from('12345678901234567890')
  const cases: [number, string][] = [
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
  ]
  for (const [t, code] of cases) assert.equal(hotp(secret, totpStep(new Date(t * 1000)), 8), code)
})

test('a TOTP code is accepted once, within one step of drift, and never again', () => {
  const secret = base32Encode(Buffer.from('12345678901234567890'))
  const at = new Date(1_700_000_000_000)
  const code = hotp(base32Decode(secret), totpStep(at))
  const step = verifyTotp(secret, code, at, null)
  assert.equal(step, totpStep(at))
  assert.equal(verifyTotp(secret, code, at, step), null, 'replay refused')
  assert.equal(verifyTotp(secret, code, new Date(at.getTime() + 30_000), null), totpStep(at), 'one step late is fine')
  assert.equal(verifyTotp(secret, code, new Date(at.getTime() + 90_000), null), null, 'three steps late is not')
  assert.equal(verifyTotp(secret, '12345', at, null), null)
})

test('base32 round-trips any bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 64 }), (bytes) =>
      base32Decode(base32Encode(Buffer.from(bytes))).equals(Buffer.from(bytes)),
    ),
  )
})

test('scrypt hashes verify the right password only, and carry their parameters', async () => {
  const h = await hashPassword('correct horse battery staple', 10)
  assert.match(h, /^scrypt\$10\$8\$1\$/)
  assert.equal(await verifyPassword('correct horse battery staple', h), true)
  assert.equal(await verifyPassword('correct horse battery stapler', h), false)
  assert.equal(await verifyPassword('x', 'not-a-hash'), false)
  assert.notEqual(await hashPassword('same', 10), await hashPassword('same', 10), 'salted')
})

test('password rules block short and common passwords', () => {
  assert.equal(passwordProblem('short'), 'too_short')
  assert.equal(passwordProblem('Password123'), 'too_common')
  assert.equal(passwordProblem('aaaaaaaaaaaa'), 'too_common')
  assert.equal(passwordProblem('three random words'), undefined)
})
