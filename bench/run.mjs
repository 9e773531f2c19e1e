#!/usr/bin/env node
// Benchmark harness: `npm run bench -- --json` (see bench/README.md).
//
// Starts the built app in a child process (bench/bench-server.mjs), measures three HTTP figures with autocannon over
// loopback, checks the submitted rows in the database, stops the child and removes its data. Progress goes to stderr;
// with --json exactly one JSON object goes to stdout.
import { spawn } from 'node:child_process'
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'

const root = path.resolve(import.meta.dirname, '..')
const HOST = '127.0.0.1'
const DEMO_EMAIL = 'resident@demo.example'
const DEMO_PASSWORD = 'norbiton-demo-2026' // src/cli/seed.ts DEMO_PASSWORD
const KEY_PREFIX = 'bench'

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    database: { type: 'string', default: 'sqlite' },
    connections: { type: 'string', default: '50' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    'cpu-prof': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
})

if (args.help) {
  process.stderr.write(
    [
      'usage: node bench/run.mjs [--json] [--database sqlite|postgres] [--connections 50] [--duration 10] [--warmup 3]',
      '                          [--cpu-prof DIR]   (write a V8 CPU profile of the server process to DIR)',
      '',
    ].join('\n'),
  )
  process.exit(0)
}

const connections = positiveInt(args.connections, 'connections', 1, 1000)
const duration = positiveInt(args.duration, 'duration', 1, 30)
const warmup = positiveInt(args.warmup, 'warmup', 0, 10)
if (!['sqlite', 'postgres'].includes(args.database)) fail(`--database must be sqlite or postgres, not ${args.database}`)
if (args.database === 'postgres' && !process.env.DATABASE_URL) {
  // Optional mode: without a server to talk to there is nothing to measure, which is not a failure.
  process.stderr.write('bench: --database postgres needs DATABASE_URL (postgres://…); skipped\n')
  if (args.json) process.stdout.write(`${JSON.stringify({ skipped: 'DATABASE_URL is not set', database: 'postgres' })}\n`)
  process.exit(0)
}

const log = (line) => process.stderr.write(`bench: ${line}\n`)

// --- Lifetime: one deadline, and cleanup that runs on every way out ------------------------------------------------
const DEADLINE_MS = 115_000
let child
let tempDir
let cleanedUp = false

function cleanupSync() {
  if (cleanedUp) return
  cleanedUp = true
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  if (tempDir) rmSync(tempDir, { recursive: true, force: true })
}
process.on('exit', cleanupSync)
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    log(`${signal}: stopping`)
    cleanupSync()
    process.exit(130)
  })
}
const deadline = setTimeout(() => {
  log(`gave up after ${DEADLINE_MS / 1000} s`)
  cleanupSync()
  process.exit(1)
}, DEADLINE_MS)
deadline.unref()

try {
  const result = await main()
  if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`)
  else printTable(result)
  clearTimeout(deadline)
} catch (e) {
  log(`failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`)
  process.exitCode = 1
} finally {
  await stopChild()
  cleanupSync()
}

// --- The run ---------------------------------------------------------------------------------------------------------
async function main() {
  tempDir = mkdtempSync(path.join(os.tmpdir(), 'wt-bench-'))
  const [appPort, barePort] = await Promise.all([freePort(), freePort()])
  const runId = Date.now().toString(36)
  const keyPrefix = `${KEY_PREFIX}${runId}_`

  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TMPDIR: process.env.TMPDIR,
    NODE_ENV: 'development', // production refuses DEMO_MODE, and the demo accounts are what we sign in with
    DEMO_MODE: 'true',
    LOG_LEVEL: 'silent',
    HOST,
    PORT: String(appPort),
    DATA_DIR: path.join(tempDir, 'data'),
    // Many clients behind one reverse proxy: requests carry X-Forwarded-For from a pool of 1,024 addresses, so the
    // per-client rate limit on POST /feedback (600 a minute) throttles a client, not the whole benchmark.
    TRUST_PROXY: 'true',
    BENCH_BARE_PORT: String(barePort),
    npm_lifecycle_event: 'bench',
  }
  if (args.database === 'postgres') env.DATABASE_URL = process.env.DATABASE_URL

  const nodeArgs = ['--max-semi-space-size=32']
  if (args['cpu-prof']) {
    const dir = path.resolve(args['cpu-prof'])
    mkdirSync(dir, { recursive: true })
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${dir}`)
    log(`CPU profile of the server will be written to ${dir}`)
  }
  log(`starting the app on ${HOST}:${appPort} (bare route on :${barePort}), data in ${tempDir}`)
  const started = Date.now()
  child = spawn(process.execPath, [...nodeArgs, path.join(root, 'bench', 'bench-server.mjs')], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  // Whatever the server prints is progress, never part of the JSON on stdout.
  child.stdout.pipe(process.stderr)
  child.stderr.pipe(process.stderr)
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  child.exitedPromise = exited

  const appUrl = `http://${HOST}:${appPort}`
  const bareUrl = `http://${HOST}:${barePort}`
  await waitForHealth(`${appUrl}/healthz`, exited, 60_000)
  log(`app healthy after ${((Date.now() - started) / 1000).toFixed(1)} s`)

  const http = {}
  http.bare = await measure('bare', { url: `${bareUrl}/bare` })
  http.page = await measure('page', { url: `${appUrl}/` })

  const session = await signIn(appUrl)
  log(`signed in as ${DEMO_EMAIL}`)
  const submit = submitScenario(appUrl, session, keyPrefix)
  const submitResult = await measure('submit', submit.options, submit.tracker)
  const acknowledged = submit.tracker.acknowledged.size

  // Stop the server first: it finishes the requests in flight, so the database is final when we count.
  await stopChild()
  const stored = await readStoredKeys(env, keyPrefix)
  const missing = [...submit.tracker.acknowledged].filter((k) => !stored.has(k)).length
  const foreign = [...stored].filter((k) => !submit.tracker.sent.has(k)).length
  const unacknowledged = stored.size - (acknowledged - missing)
  http.submit = {
    ...submitResult,
    rowsWritten: stored.size,
    acknowledged,
    // Requests the server completed after autocannon stopped listening (at most one per connection per phase).
    unacknowledgedWrites: unacknowledged,
    verified: missing === 0 && foreign === 0 && unacknowledged >= 0 && unacknowledged <= 2 * connections,
  }
  if (missing > 0) log(`WARNING: ${missing} acknowledged submissions are not in the database`)
  if (unacknowledged > 0) log(`${unacknowledged} rows were written for requests still in flight when a phase stopped`)

  const ratio = (a, b) => (b > 0 ? round(a / b, 3) : 0)
  return {
    http,
    ratios: { pageToBare: ratio(http.page.rps, http.bare.rps), submitToBare: ratio(http.submit.rps, http.bare.rps) },
    machine: { cpus: os.availableParallelism?.() ?? os.cpus().length, node: process.version },
    database: args.database,
    settings: { connections, durationS: duration, warmupS: warmup },
    note:
      'bare = a separate minimal Fastify instance (GET /bare -> {"hello":"world"}) listening inside the same Node ' +
      'process as the app, because buildApp() calls ready() and no route can be added to the app instance afterwards. ' +
      'rps counts 2xx/3xx responses only. submit rotates X-Forwarded-For over 1,024 addresses (TRUST_PROXY=true) so ' +
      'the per-client rate limit (600/min) throttles simulated clients, not the benchmark as a whole.',
  }
}

// --- Scenarios -------------------------------------------------------------------------------------------------------
function submitScenario(appUrl, session, keyPrefix) {
  const tracker = { sent: new Set(), acknowledged: new Set(), rejected: new Map() }
  let seq = 0
  const cookie = `${session.cookieName}=${session.cookieValue}`
  const options = {
    url: appUrl,
    requests: [
      {
        method: 'POST',
        path: '/feedback',
        setupRequest(req, context) {
          seq += 1
          // 16–64 characters of [A-Za-z0-9_-], unique per request: every acknowledged submission is a new row.
          const key = `${keyPrefix}${seq.toString(36).padStart(8, '0')}`
          context.key = key
          tracker.sent.add(key)
          const body = new URLSearchParams({
            _csrf: session.csrf,
            submissionKey: key,
            rating: 'satisfied',
            comments: 'Benchmark submission: the service was easy to use.',
          }).toString()
          return {
            ...req,
            headers: {
              ...req.headers,
              'content-type': 'application/x-www-form-urlencoded',
              cookie,
              'x-forwarded-for': `10.77.${(seq >> 8) & 3}.${seq & 255}`,
            },
            body,
          }
        },
        onResponse(status, _body, context) {
          if (status === 303) tracker.acknowledged.add(context.key)
          else tracker.rejected.set(status, (tracker.rejected.get(status) ?? 0) + 1)
        },
      },
    ],
  }
  return { options, tracker }
}

async function measure(name, options, tracker) {
  const base = { connections, pipelining: 1, timeout: 10 }
  if (warmup > 0) {
    log(`${name}: warm-up ${warmup} s`)
    await autocannonRun({ ...base, ...options, duration: warmup })
  }
  log(`${name}: measuring ${duration} s with ${connections} connections`)
  const r = await autocannonRun({ ...base, ...options, duration })
  const ok = r['2xx'] + r['3xx']
  const errors = r['1xx'] + r['4xx'] + r['5xx'] + r.errors + r.timeouts
  const out = { rps: round(ok / r.duration, 1), p99Ms: round(r.latency.p99, 2), errors }
  const codes = Object.entries(r.statusCodeStats ?? {})
    .map(([code, s]) => `${code}×${s.count}`)
    .join(' ')
  log(`${name}: ${out.rps} req/s, p99 ${out.p99Ms} ms, errors ${errors} (${codes || 'no responses'})`)
  if (tracker?.rejected.size) log(`${name}: non-303 responses ${JSON.stringify(Object.fromEntries(tracker.rejected))}`)
  return out
}

function autocannonRun(opts) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)))
    // A safety net on top of autocannon's own duration.
    const guard = setTimeout(() => instance.stop(), (opts.duration + 15) * 1000)
    instance.once('done', () => clearTimeout(guard))
  })
}

// --- Signing in, like a browser ----------------------------------------------------------------------------------
async function signIn(appUrl) {
  const jar = new Map()
  const absorb = (res) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';')
      const eq = pair.indexOf('=')
      jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim())
    }
  }
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ')
  const csrfFrom = (html) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1]

  let res = await fetch(`${appUrl}/sign-in`, { redirect: 'manual' })
  absorb(res)
  const firstCsrf = csrfFrom(await res.text())
  if (res.status !== 200 || !firstCsrf) throw new Error(`GET /sign-in: ${res.status}, CSRF token ${firstCsrf ? 'found' : 'missing'}`)

  res = await fetch(`${appUrl}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader() },
    body: new URLSearchParams({ email: DEMO_EMAIL, password: DEMO_PASSWORD, _csrf: firstCsrf }).toString(),
  })
  absorb(res)
  await res.text()
  if (res.status !== 303) throw new Error(`POST /sign-in: expected 303, got ${res.status}`)

  // The session id (and its CSRF token) rotate at sign-in: read the token of the signed-in session.
  res = await fetch(`${appUrl}/feedback`, { redirect: 'manual', headers: { cookie: cookieHeader() } })
  absorb(res)
  const html = await res.text()
  const csrf = csrfFrom(html)
  if (res.status !== 200 || !csrf) throw new Error(`GET /feedback: ${res.status}, CSRF token ${csrf ? 'found' : 'missing'}`)
  if (!html.includes('/sign-out')) log('WARNING: /feedback does not look signed in (no sign-out link)')
  const cookieName = [...jar.keys()].find((k) => k.endsWith('wt_session'))
  if (!cookieName) throw new Error('no wt_session cookie after sign-in')
  return { cookieName, cookieValue: jar.get(cookieName), csrf }
}

// --- Database check --------------------------------------------------------------------------------------------------
async function readStoredKeys(env, keyPrefix) {
  const pattern = `${keyPrefix}%`
  if (args.database === 'postgres') {
    const { default: pg } = await import('pg')
    const client = new pg.Client({ connectionString: env.DATABASE_URL })
    await client.connect()
    try {
      const r = await client.query('select submission_key from site_feedback where submission_key like $1', [pattern])
      return new Set(r.rows.map((row) => row.submission_key))
    } finally {
      await client.end()
    }
  }
  const { default: Database } = await import('better-sqlite3')
  const db = new Database(path.join(env.DATA_DIR, 'together.sqlite'), { readonly: true, fileMustExist: true })
  try {
    const rows = db.prepare('select submission_key from site_feedback where submission_key like ?').all(pattern)
    return new Set(rows.map((row) => row.submission_key))
  } finally {
    db.close()
  }
}

// --- Process helpers -------------------------------------------------------------------------------------------------
async function waitForHealth(url, exited, timeoutMs) {
  const until = Date.now() + timeoutMs
  let gone
  exited.then((e) => (gone = e))
  while (Date.now() < until) {
    if (gone) throw new Error(`the app exited before it was healthy (code ${gone.code}, signal ${gone.signal})`)
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) })
      await res.text()
      if (res.status === 200) return
    } catch {
      // not listening yet
    }
    await sleep(100)
  }
  throw new Error(`the app was not healthy within ${timeoutMs / 1000} s`)
}

async function stopChild() {
  if (!child || child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGTERM')
  const outcome = await Promise.race([child.exitedPromise, sleep(10_000).then(() => 'timeout')])
  if (outcome === 'timeout') {
    log('the app did not stop within 10 s of SIGTERM; killing it')
    child.kill('SIGKILL')
    await child.exitedPromise
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.unref()
    s.once('error', reject)
    s.listen(0, HOST, () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

// --- Small things ----------------------------------------------------------------------------------------------------
function printTable(result) {
  const rows = Object.entries(result.http).map(([name, r]) => ({
    scenario: name,
    'req/s': r.rps,
    'p99 ms': r.p99Ms,
    errors: r.errors,
    'vs bare': name === 'bare' ? 1 : round(r.rps / result.http.bare.rps, 3),
  }))
  const w = (s, n) => String(s).padStart(n)
  const lines = [
    `${'scenario'.padEnd(10)}${w('req/s', 12)}${w('p99 ms', 10)}${w('errors', 8)}${w('vs bare', 10)}`,
    ...rows.map((r) => `${r.scenario.padEnd(10)}${w(r['req/s'], 12)}${w(r['p99 ms'], 10)}${w(r.errors, 8)}${w(r['vs bare'], 10)}`),
    '',
    `submit check: ${result.http.submit.acknowledged} acknowledged (303), ${result.http.submit.rowsWritten} rows written, ` +
      `${result.http.submit.unacknowledgedWrites} in flight at stop — ${result.http.submit.verified ? 'OK' : 'MISMATCH'}`,
    `machine: ${result.machine.cpus} CPUs, Node ${result.machine.node}, database ${result.database}`,
    `note: ${result.note}`,
  ]
  process.stdout.write(`${lines.join('\n')}\n`)
}

function positiveInt(value, name, min, max) {
  const n = Number(value)
  if (!Number.isInteger(n) || n < min || n > max) fail(`--${name} must be a whole number from ${min} to ${max}`)
  return n
}

function fail(message) {
  process.stderr.write(`bench: ${message}\n`)
  process.exit(2)
}

function round(n, digits) {
  const f = 10 ** digits
  return Math.round(n * f) / f
}

/** An unref'd timer: waiting on it never keeps the harness alive by itself. */
function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}
