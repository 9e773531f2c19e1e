import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { DEMO_ACCOUNTS, DEMO_PASSWORD } from '../src/cli/seed.js'

const root = path.resolve(import.meta.dirname, '..')

test('the server refuses a bad configuration and says which setting is wrong', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src', 'server.ts')], {
    cwd: root,
    env: { ...process.env, PORT: 'eighty', DATABASE_URL: 'mysql://nope', NODE_ENV: 'development' },
    encoding: 'utf8',
    timeout: 60_000,
  })
  assert.equal(r.status, 78)
  assert.match(r.stderr, /PORT: must be a number/)
  assert.match(r.stderr, /DATABASE_URL: must be postgres/)
})

test(
  'first start migrates, loads the wards and seeds the demo; demo accounts sign in',
  { timeout: 120_000 },
  async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'wt-boot-'))
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const a = s.address()
        s.close(() => resolve(typeof a === 'object' && a ? a.port : 0))
      })
    })
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src', 'server.ts')], {
      cwd: root,
      env: {
        ...process.env,
        NODE_ENV: 'development',
        DATA_DIR: dataDir,
        PORT: String(port),
        LOG_LEVEL: 'silent',
        DEMO_MODE: 'true',
      },
      stdio: 'ignore',
    })
    const base = `http://127.0.0.1:${port}`
    try {
      let up = false
      for (let i = 0; i < 300 && !up; i++) {
        up = await fetch(`${base}/healthz`).then(
          (r) => r.ok,
          () => false,
        )
        if (!up) await new Promise((r) => setTimeout(r, 200))
      }
      assert.ok(up, 'server answered /healthz')
      const home = await (await fetch(base)).text()
      assert.match(home, /One Norbiton Working Together/)
      assert.match(home, /11,187/)
      const signIn = await fetch(`${base}/sign-in`)
      const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await signIn.text())![1]!
      const admin = DEMO_ACCOUNTS.find((a) => a.role === 'admin')!
      const res = await fetch(`${base}/sign-in`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, email: admin.email, password: DEMO_PASSWORD }).toString(),
      })
      assert.equal(res.status, 303)
      const session = (res.headers.get('set-cookie') ?? '').split(';')[0]!
      const adminPage = await fetch(`${base}/admin`, { headers: { cookie: session } })
      assert.equal(adminPage.status, 200, 'demo admin reaches administration without a second factor in demo mode')
    } finally {
      child.kill('SIGTERM')
      await new Promise((r) => child.once('exit', r))
      rmSync(dataDir, { recursive: true, force: true })
    }
  },
)
