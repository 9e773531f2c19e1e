import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConfigError, loadConfig } from './config.js'

test('defaults give the embedded SQLite pilot in demo mode', () => {
  const c = loadConfig({ DATA_DIR: '/tmp/wt-config-test' })
  assert.equal(c.database.kind, 'sqlite')
  assert.equal(c.port, 3000)
  assert.equal(c.demoMode, true)
  assert.equal(c.tenant, 'kingston')
})

test('refuses to boot with bad values and names each one', () => {
  assert.throws(
    () => loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', NODE_ENV: 'staging' }),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.problems.length === 3 &&
      e.problems.some((p) => p.startsWith('PORT')) &&
      e.problems.some((p) => p.startsWith('DATABASE_URL')),
  )
})

test('production refuses demo mode, a missing secret and a non-https address', () => {
  assert.throws(
    () => loadConfig({ NODE_ENV: 'production', DEMO_MODE: 'true', PUBLIC_URL: 'http://x.example' }),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.problems.some((p) => p.startsWith('DEMO_MODE')) &&
      e.problems.some((p) => p.startsWith('SECRET_KEY')) &&
      e.problems.some((p) => p.startsWith('PUBLIC_URL')),
  )
  const ok = loadConfig({
    NODE_ENV: 'production',
    SECRET_KEY: 'x'.repeat(40),
    PUBLIC_URL: 'https://together.example',
    SECURITY_CONTACT: 'mailto:security@example.org',
  })
  assert.equal(ok.demoMode, false)
  assert.equal(ok.isProduction, true)
})

test('reads PostgreSQL and explicit SQLite URLs', () => {
  assert.deepEqual(loadConfig({ DATABASE_URL: 'postgres://u@h/db' }).database, {
    kind: 'postgres',
    url: 'postgres://u@h/db',
  })
  assert.deepEqual(loadConfig({ DATABASE_URL: 'sqlite:/tmp/x.sqlite' }).database, {
    kind: 'sqlite',
    file: '/tmp/x.sqlite',
  })
})
