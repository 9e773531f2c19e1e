import type { LightMyRequestResponse } from 'fastify'
import { buildApp, type BuiltApp } from '../../src/app.js'
import { loadConfig, type Config } from '../../src/config.js'
import type { StaffRole } from '../../src/platform/access/index.js'
import { hashPassword } from '../../src/platform/security/index.js'
import { findWardByCode, setWardActive } from '../../src/platform/tenancy/index.js'
import { insertUser } from '../../src/modules/accounts/index.js'
import type { TestDatabase, TestDb } from './databases.js'

export const NORBITON = 'E05013941'
/** A second Kingston ward switched on in tests, to prove cross-ward isolation. */
export const OTHER_WARD = 'E05013932'
export const TEST_PASSWORD = 'correct horse battery staple'

export interface TestApp extends BuiltApp {
  testDb: TestDb
  config: Config
  stop(): Promise<void>
}

export function testConfig(db: TestDb, overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: db.url,
    PASSWORD_SCRYPT_LOG2N: '10',
    DEMO_MODE: 'false',
    RATE_LIMIT_SIGN_IN_PER_15_MIN: '1000',
    ...overrides,
  })
}

export async function startTestApp(
  kind: TestDatabase,
  overrides: Record<string, string> = {},
  existing?: TestDb,
): Promise<TestApp> {
  const testDb = existing ?? (await kind.create())
  const config = testConfig(testDb, overrides)
  const built = await buildApp(config, { db: testDb, logger: false })
  const other = await findWardByCode(testDb.db, OTHER_WARD)
  if (other && !other.isActive) await setWardActive(testDb.db, other.id, true)
  // The app may have cached the ward list while starting (an onReady hook): drop it so the switch is seen.
  built.wards.invalidate()
  return {
    ...built,
    testDb,
    config,
    async stop() {
      await built.close()
      if (!existing) await testDb.dispose()
    },
  }
}

let seq = 0
export interface TestUser {
  id: number
  email: string
  password: string
}

/** A person with an optional staff role in a ward (admin: council-wide). `demo` waives the second factor in demo mode. */
export async function createUser(
  t: TestApp,
  opts: { role?: StaffRole; ward?: string; postcode?: string; demo?: boolean } = {},
): Promise<TestUser> {
  seq += 1
  const email = `person${seq}-${Math.random().toString(36).slice(2, 7)}@test.example`
  const id = await insertUser(t.testDb.db, {
    email,
    name: `Test Person ${seq}`,
    postcode: opts.postcode ?? 'KT2 7AA',
    homeWardId: (await findWardByCode(t.testDb.db, NORBITON))!.id,
    passwordHash: await hashPassword(TEST_PASSWORD, 10),
    isDemo: opts.demo ?? false,
  })
  if (id === undefined) throw new Error('user insert failed')
  if (opts.role) {
    const ward = opts.role === 'admin' ? null : await findWardByCode(t.testDb.db, opts.ward ?? NORBITON)
    const council = await t.testDb.db.selectFrom('tenancy_council').select('id').executeTakeFirstOrThrow()
    await t.testDb.db
      .insertInto('accounts_role_grant')
      .values({
        user_id: id,
        council_id: Number(council.id),
        ward_id: ward ? ward.id : null,
        role: opts.role,
        granted_by_user_id: null,
        created_at: new Date().toISOString(),
      })
      .execute()
  }
  return { id, email, password: TEST_PASSWORD }
}

/** A cookie-keeping client over app.inject, with the page's CSRF token picked up as it goes. */
export class Client {
  cookies = new Map<string, string>()
  csrf: string | undefined
  constructor(readonly t: { app: BuiltApp['app'] }) {}

  private cookieHeader(): string | undefined {
    if (this.cookies.size === 0) return undefined
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  private absorb(res: LightMyRequestResponse): void {
    for (const c of res.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      if (c.value === '' || (c.expires && c.expires.getTime() < Date.now())) this.cookies.delete(c.name)
      else this.cookies.set(c.name, c.value)
    }
    const m = /name="_csrf" value="([^"]+)"/.exec(res.body)
    if (m) this.csrf = m[1]
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const cookie = this.cookieHeader()
    const res = await this.t.app.inject({ method: 'GET', url, headers: { ...headers, ...(cookie ? { cookie } : {}) } })
    this.absorb(res)
    return res
  }

  /** Posts a form; `_csrf` is added from the last page unless the caller sets it (or `null` to omit it). */
  async post(
    url: string,
    form: Record<string, string | string[] | null> = {},
    headers: Record<string, string> = {},
  ): Promise<LightMyRequestResponse> {
    const cookie = this.cookieHeader()
    const body = new URLSearchParams()
    const withToken = { _csrf: this.csrf ?? '', ...form }
    for (const [k, v] of Object.entries(withToken)) {
      if (v === null) continue
      if (Array.isArray(v)) for (const x of v) body.append(k, x)
      else body.append(k, v)
    }
    const res = await this.t.app.inject({
      method: 'POST',
      url,
      payload: body.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers, ...(cookie ? { cookie } : {}) },
    })
    this.absorb(res)
    return res
  }

  /** Posts a multipart/form-data form (file uploads); `_csrf` is added as in `post`. */
  async postMultipart(
    url: string,
    form: Record<string, string | string[] | null> = {},
    files: { field: string; filename: string; content: Buffer; type?: string }[] = [],
  ): Promise<LightMyRequestResponse> {
    const cookie = this.cookieHeader()
    const boundary = `----wt${Math.random().toString(16).slice(2)}`
    const parts: Buffer[] = []
    const withToken = { _csrf: this.csrf ?? '', ...form }
    for (const [k, v] of Object.entries(withToken)) {
      if (v === null) continue
      for (const x of Array.isArray(v) ? v : [v])
        parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${x}\r\n`))
    }
    for (const f of files) {
      parts.push(
        Buffer.from(
          `--${boundary}\r\ncontent-disposition: form-data; name="${f.field}"; filename="${f.filename}"\r\n` +
            `content-type: ${f.type ?? 'application/octet-stream'}\r\n\r\n`,
        ),
        f.content,
        Buffer.from('\r\n'),
      )
    }
    parts.push(Buffer.from(`--${boundary}--\r\n`))
    const res = await this.t.app.inject({
      method: 'POST',
      url,
      payload: Buffer.concat(parts),
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, ...(cookie ? { cookie } : {}) },
    })
    this.absorb(res)
    return res
  }

  async signIn(user: TestUser): Promise<LightMyRequestResponse> {
    await this.get('/sign-in')
    const res = await this.post('/sign-in', { email: user.email, password: user.password })
    if (res.statusCode !== 303) throw new Error(`sign-in failed: ${res.statusCode}`)
    await this.get('/account')
    return res
  }
}
