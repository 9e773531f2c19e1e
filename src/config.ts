import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { z } from 'zod'

/**
 * The only reader of process.env. Every setting is validated here at boot; a bad value stops the
 * process with a message naming the variable, so a misconfigured council server never half-starts.
 */
const booleanString = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes')

const EnvSchema = z.object({
  NODE_ENV: z
    .enum(['development', 'test', 'production'], { error: 'must be development, test or production' })
    .default('development'),
  PORT: z.coerce.number({ error: 'must be a number' }).int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .refine((v) => /^postgres(ql)?:\/\//.test(v) || v.startsWith('sqlite:') || v === ':memory:', {
      message: 'must be postgres://…, sqlite:PATH or :memory:',
    })
    .optional(),
  TENANT: z
    .string()
    .regex(/^[a-z0-9-]+$/, 'must be a tenant folder name like kingston')
    .default('kingston'),
  TENANTS_DIR: z.string().optional(),
  PUBLIC_URL: z.url({ error: 'must be an absolute URL like https://together.example.gov.uk' }).optional(),
  SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  DEMO_MODE: booleanString.optional(),
  SESSION_IDLE_MINUTES: z.coerce
    .number()
    .int()
    .min(2)
    .max(24 * 60)
    .default(30),
  SESSION_ABSOLUTE_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 7)
    .default(12),
  PASSWORD_SCRYPT_LOG2N: z.coerce.number().int().min(10).max(20).default(15),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRUST_PROXY: booleanString.default(false),
  SECURITY_CONTACT: z
    .string()
    .regex(/^(mailto:|https:\/\/)/, 'must start with mailto: or https://')
    .optional(),
  RATE_LIMIT_SIGN_IN_PER_15_MIN: z.coerce.number().int().min(1).default(10),
  ASSETS_DIR: z.string().optional(),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^\s/]+/, 'must be smtp://[user:pass@]host[:port] or smtps://…')
    .optional(),
  MAIL_FROM: z
    .string()
    .regex(/^[^\s@<>]+@[^\s@<>]+$/, 'must be an email address like no-reply@council.gov.uk')
    .optional(),
  // GOV.UK Notify instead of SMTP: an API key and one email template whose subject is ((subject)), body ((body)).
  NOTIFY_API_KEY: z
    .string()
    .regex(/^.+-[0-9a-f-]{36}-[0-9a-f-]{36}$/i, 'must be a GOV.UK Notify API key (name-serviceid-secret)')
    .optional(),
  NOTIFY_EMAIL_TEMPLATE_ID: z
    .string()
    .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a template id (uuid)')
    .optional(),
  NOTIFY_BASE_URL: z.url({ error: 'must be an absolute URL' }).optional(),
})

export type DatabaseConfig = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string }

export interface Config {
  env: 'development' | 'test' | 'production'
  isProduction: boolean
  port: number
  host: string
  dataDir: string
  database: DatabaseConfig
  tenant: string
  tenantsDir: string
  publicUrl: string
  secretKey: string
  demoMode: boolean
  sessionIdleMs: number
  sessionAbsoluteMs: number
  passwordScryptLog2N: number
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  trustProxy: boolean
  securityContact: string
  signInRateLimit: number
  assetsDir: string
  /** When set, queued mail is relayed over SMTP; otherwise it stays in the outbox. */
  smtpUrl: string | undefined
  /** When set, queued mail is sent through GOV.UK Notify (one template with ((subject)) and ((body))). */
  notify: { apiKey: string; templateId: string; baseUrl: string | undefined } | undefined
  mailFrom: string
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

const projectRoot = path.resolve(
  import.meta.dirname,
  import.meta.dirname.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..',
)

/** Reads and validates configuration. `env` defaults to process.env; tests pass their own. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(env)
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`))
  }
  const e = parsed.data
  const problems: string[] = []
  const isProduction = e.NODE_ENV === 'production'
  const dataDir = path.resolve(e.DATA_DIR)
  const demoMode = e.DEMO_MODE ?? !isProduction
  if (isProduction && demoMode)
    problems.push('DEMO_MODE: demo accounts and content are refused when NODE_ENV=production')
  if (isProduction && !e.SECRET_KEY)
    problems.push('SECRET_KEY: required when NODE_ENV=production (32+ random characters)')
  if (isProduction && !e.PUBLIC_URL) problems.push('PUBLIC_URL: required when NODE_ENV=production')
  if (isProduction && !e.SECURITY_CONTACT) problems.push('SECURITY_CONTACT: required when NODE_ENV=production')
  if (isProduction && e.PUBLIC_URL && !e.PUBLIC_URL.startsWith('https://'))
    problems.push('PUBLIC_URL: must be https in production')
  if (!!e.NOTIFY_API_KEY !== !!e.NOTIFY_EMAIL_TEMPLATE_ID)
    problems.push('NOTIFY_API_KEY, NOTIFY_EMAIL_TEMPLATE_ID: set both to send mail through GOV.UK Notify')
  if (e.NOTIFY_API_KEY && e.SMTP_URL) problems.push('SMTP_URL, NOTIFY_API_KEY: choose one mail transport')
  if (problems.length > 0) throw new ConfigError(problems)

  let database: DatabaseConfig
  if (e.DATABASE_URL && /^postgres(ql)?:\/\//.test(e.DATABASE_URL)) database = { kind: 'postgres', url: e.DATABASE_URL }
  else if (e.DATABASE_URL === ':memory:') database = { kind: 'sqlite', file: ':memory:' }
  else if (e.DATABASE_URL) database = { kind: 'sqlite', file: path.resolve(e.DATABASE_URL.slice('sqlite:'.length)) }
  else database = { kind: 'sqlite', file: path.join(dataDir, 'together.sqlite') }

  return {
    env: e.NODE_ENV,
    isProduction,
    port: e.PORT,
    host: e.HOST,
    dataDir,
    database,
    tenant: e.TENANT,
    tenantsDir: path.resolve(e.TENANTS_DIR ?? path.join(projectRoot, 'tenants')),
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    secretKey: e.SECRET_KEY ?? developmentSecret(dataDir, database),
    demoMode,
    sessionIdleMs: e.SESSION_IDLE_MINUTES * 60_000,
    sessionAbsoluteMs: e.SESSION_ABSOLUTE_HOURS * 3_600_000,
    passwordScryptLog2N: e.PASSWORD_SCRYPT_LOG2N,
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY,
    securityContact: e.SECURITY_CONTACT ?? 'mailto:security@example.invalid',
    signInRateLimit: e.RATE_LIMIT_SIGN_IN_PER_15_MIN,
    assetsDir: path.resolve(e.ASSETS_DIR ?? path.join(projectRoot, 'dist', 'public')),
    smtpUrl: e.SMTP_URL,
    notify:
      e.NOTIFY_API_KEY && e.NOTIFY_EMAIL_TEMPLATE_ID
        ? { apiKey: e.NOTIFY_API_KEY, templateId: e.NOTIFY_EMAIL_TEMPLATE_ID, baseUrl: e.NOTIFY_BASE_URL }
        : undefined,
    mailFrom: e.MAIL_FROM ?? `no-reply@${new URL(e.PUBLIC_URL ?? 'http://localhost').hostname}`,
  }
}

/** Outside production a key is generated once and kept beside the data, so restarts keep sessions. */
function developmentSecret(dataDir: string, database: DatabaseConfig): string {
  if (database.kind === 'sqlite' && database.file === ':memory:') return randomBytes(32).toString('base64url')
  const file = path.join(dataDir, 'secret.key')
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  mkdirSync(dataDir, { recursive: true })
  const key = randomBytes(32).toString('base64url')
  writeFileSync(file, key, { mode: 0o600 })
  return key
}

export const paths = { projectRoot }
