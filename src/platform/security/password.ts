import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto'

function scrypt(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))),
  )
}

/**
 * scrypt (RFC 7914) from Node's own crypto: memory-hard like argon2id, with no native add-on to build.
 * Parameters travel inside the hash so the cost can be raised later and old hashes still verify.
 * Format: scrypt$<log2N>$<r>$<p>$<salt b64url>$<hash b64url>
 */
export async function hashPassword(password: string, log2N = 15): Promise<string> {
  const salt = randomBytes(16)
  const N = 2 ** log2N
  const key = await scrypt(password.normalize('NFKC'), salt, 32, { N, r: 8, p: 1, maxmem: 256 * N * 8 })
  return `scrypt$${log2N}$8$1$${salt.toString('base64url')}$${key.toString('base64url')}`
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false
  const log2N = Number(parts[1])
  const r = Number(parts[2])
  const p = Number(parts[3])
  if (![log2N, r, p].every(Number.isInteger) || log2N < 10 || log2N > 20) return false
  const salt = Buffer.from(parts[4]!, 'base64url')
  const expected = Buffer.from(parts[5]!, 'base64url')
  const N = 2 ** log2N
  const key = await scrypt(password.normalize('NFKC'), salt, expected.length, { N, r, p, maxmem: 256 * N * r })
  return key.length === expected.length && timingSafeEqual(key, expected)
}

/** A hash of a random password: verifying against it costs the same as a real one (no user-enumeration timing). */
let dummyHash: Promise<string> | undefined
export function dummyPasswordHash(log2N: number): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'), log2N)
  return dummyHash
}

/** Passwords people commonly choose, refused whatever their length (NCSC advice: block the obvious, not symbols). */
const COMMON = new Set([
  'password',
  'password1',
  'password12',
  'password123',
  'passw0rd',
  '123456789',
  '1234567890',
  '12345678',
  'qwertyuiop',
  'iloveyou',
  'letmein123',
  'welcome123',
  'football',
  'baseball',
  'sunshine',
  'princess',
  'changeme',
  'qwerty123',
  'abc123456',
  'kingston1',
  'norbiton1',
  'together1',
  'workingtogether',
])

export function passwordProblem(password: string): string | undefined {
  if (password.length < 10) return 'too_short'
  if (password.length > 200) return 'too_long'
  if (COMMON.has(password.toLowerCase())) return 'too_common'
  if (/^(.)\1+$/.test(password)) return 'too_common'
  return undefined
}
