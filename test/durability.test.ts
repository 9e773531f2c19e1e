import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import SQLite from 'better-sqlite3'

/**
 * Crash durability (a Jepsen-style set test): writers send feedback forms with unique keys, the server
 * is killed with SIGKILL mid-stream, restarted, and every acknowledged (303) write must be there —
 * 0 lost, 0 duplicated, 0 phantoms — and SQLite's integrity check must pass.
 */
const root = path.resolve(import.meta.dirname, '..')

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const address = s.address()
      const port = typeof address === 'object' && address ? address.port : 0
      s.close(() => resolve(port))
    })
    s.on('error', reject)
  })
}

async function start(dataDir: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src', 'server.ts')], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'development',
      DATA_DIR: dataDir,
      PORT: String(port),
      LOG_LEVEL: 'silent',
      DEMO_MODE: 'false',
      PASSWORD_SCRYPT_LOG2N: '10',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited early: ${stderr}`)
    try {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`)
      if (r.ok) return child
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150))
  }
  child.kill('SIGKILL')
  throw new Error(`server did not start: ${stderr}`)
}

async function formSession(base: string): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(`${base}/feedback`)
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await res.text())![1]!
  return { cookie, csrf }
}

test('no acknowledged write is lost when the server is killed with SIGKILL', { timeout: 240_000 }, async (t) => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'wt-durability-'))
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const acknowledged = new Set<string>()
  const sent = new Set<string>()
  let child: ChildProcess | undefined
  try {
    for (let round = 0; round < 3; round++) {
      child = await start(dataDir, port)
      const { cookie, csrf } = await formSession(base)
      let stop = false
      const writer = async (w: number) => {
        for (let i = 0; !stop; i++) {
          const key = `r${round}w${w}i${i}`.padEnd(20, '_')
          sent.add(key)
          try {
            const res = await fetch(`${base}/feedback`, {
              method: 'POST',
              redirect: 'manual',
              headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
              body: new URLSearchParams({
                _csrf: csrf,
                submissionKey: key,
                rating: 'satisfied',
                comments: `round ${round}`,
              }).toString(),
            })
            if (res.status === 303) acknowledged.add(key)
            else if (res.status !== 503) assert.fail(`unexpected ${res.status}`)
          } catch {
            return // connection reset by the kill: not acknowledged
          }
        }
      }
      const writers = Array.from({ length: 16 }, (_, w) => writer(w))
      await new Promise((r) => setTimeout(r, 400 + Math.floor(Math.random() * 800)))
      child.kill('SIGKILL')
      stop = true
      await Promise.all(writers)
      await new Promise<void>((r) =>
        child!.exitCode !== null || child!.signalCode !== null ? r() : child!.once('exit', () => r()),
      )
    }
    child = await start(dataDir, port)
    child.kill('SIGTERM')
    await new Promise<void>((r) =>
      child!.exitCode !== null || child!.signalCode !== null ? r() : child!.once('exit', () => r()),
    )

    const db = new SQLite(path.join(dataDir, 'together.sqlite'), { readonly: true })
    const rows = db.prepare("select submission_key as k from site_feedback where submission_key like 'r%'").all() as {
      k: string
    }[]
    const integrity = db.pragma('integrity_check', { simple: true })
    db.close()
    const stored = rows.map((r) => r.k)
    const lost = [...acknowledged].filter((k) => !stored.includes(k))
    const phantoms = stored.filter((k) => !sent.has(k))
    assert.ok(acknowledged.size > 50, `only ${acknowledged.size} writes were acknowledged`)
    assert.deepEqual(lost, [], `${lost.length} acknowledged writes lost`)
    assert.equal(new Set(stored).size, stored.length, 'duplicates stored')
    assert.deepEqual(phantoms, [])
    assert.equal(integrity, 'ok')
    t.diagnostic(
      `3 SIGKILLs: ${sent.size} sent, ${acknowledged.size} acknowledged, ${stored.length} stored, 0 lost, 0 duplicated, 0 phantoms`,
    )
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    rmSync(dataDir, { recursive: true, force: true })
  }
})
