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

// HTTP scenarios share one app process; each module scenario lives in its own file (bench/<name>.mjs), runs after
// the server has stopped (so nothing competes for the 2 cores) and bounds its own time.
const HTTP_SCENARIOS = ['bare', 'page', 'submit']
const MODULE_SCENARIOS = {
  tally: ['./tally.mjs', 'benchTally', 180],
  panel: ['./rules.mjs', 'benchPanel', 60],
  listen: ['./listen.mjs', 'benchListen', 120],
  reach: ['./reach.mjs', 'benchReach', 90],
  understanding: ['./understanding.mjs', 'benchUnderstanding', 120],
  commissioning: ['./commissioning.mjs', 'benchCommissioning', 60],
  delivery: ['./delivery.mjs', 'benchDelivery', 120],
  programme: ['./programme.mjs', 'benchProgramme', 180],
  trace: ['./trace.mjs', 'benchTrace', 90],
}
const ALL_SCENARIOS = [...HTTP_SCENARIOS, ...Object.keys(MODULE_SCENARIOS)]

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    database: { type: 'string', default: 'sqlite' },
    connections: { type: 'string', default: '50' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    only: { type: 'string', default: ALL_SCENARIOS.join(',') },
    'cpu-prof': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
})

if (args.help) {
  process.stderr.write(
    [
      'usage: node bench/run.mjs [--json] [--database sqlite|postgres] [--connections 50] [--duration 10] [--warmup 3]',
      `                          [--only ${ALL_SCENARIOS.join(',')}]`,
      '                          (a subset, e.g. to profile one scenario)',
      '                          [--cpu-prof DIR]            (write a V8 CPU profile of the server process to DIR)',
      '',
    ].join('\n'),
  )
  process.exit(0)
}

const connections = positiveInt(args.connections, 'connections', 1, 1000)
const duration = positiveInt(args.duration, 'duration', 1, 30)
const warmup = positiveInt(args.warmup, 'warmup', 0, 10)
const only = new Set(args.only.split(',').map((s) => s.trim()))
for (const name of only) if (!ALL_SCENARIOS.includes(name)) fail(`--only: unknown scenario ${name}`)
if (!['sqlite', 'postgres'].includes(args.database)) fail(`--database must be sqlite or postgres, not ${args.database}`)
if (args.database === 'postgres' && !process.env.DATABASE_URL) {
  // Optional mode: without a server to talk to there is nothing to measure, which is not a failure.
  process.stderr.write('bench: --database postgres needs DATABASE_URL (postgres://…); skipped\n')
  if (args.json)
    process.stdout.write(`${JSON.stringify({ skipped: 'DATABASE_URL is not set', database: 'postgres' })}\n`)
  process.exit(0)
}

const log = (line) => process.stderr.write(`bench: ${line}\n`)

// --- Lifetime: one deadline, and cleanup that runs on every way out ------------------------------------------------
// Start-up, sign-in and shutdown take a few seconds; each scenario its two phases plus autocannon's 1 s granularity.
// With the defaults this is 94 s, and a normal run takes about 45 s.
const DEADLINE_MS =
  (40 +
    HTTP_SCENARIOS.filter((n) => only.has(n)).length * (warmup + duration + 5) +
    Object.entries(MODULE_SCENARIOS)
      .filter(([n]) => only.has(n))
      .reduce((sum, [, [, , budget]]) => sum + budget, 0)) *
  1000
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
    BENCH_TEMP_DIR: tempDir,
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
  if (only.has('bare')) {
    http.bare = await measure('bare', { url: `${appUrl}/__bench/bare` })
    http.minimalFastify = await measure('minimalFastify', { url: `${bareUrl}/bare` })
  }
  if (only.has('page')) http.page = await measure('page', { url: `${appUrl}/` })
  if (only.has('submit')) http.submit = await submitPhase(appUrl, env, keyPrefix)
  await stopChild()
  // The module scenarios run here, after the server has stopped, so they do not compete with it for the CPU.
  const modules = {}
  for (const [name, [file, fn]] of Object.entries(MODULE_SCENARIOS)) {
    if (!only.has(name)) continue
    log(`scenario ${name}`)
    const mod = await import(file)
    try {
      modules[name] = await mod[fn](log)
    } catch (e) {
      // One failing scenario is reported in the output and fails the run, after the others have been measured.
      modules[name] = { error: e instanceof Error ? e.message : String(e) }
      process.exitCode = 1
    }
  }

  const ratio = (a, b) => (a && b && b.rps > 0 ? round(a.rps / b.rps, 3) : null)
  return {
    http,
    ratios: { pageToBare: ratio(http.page, http.bare), submitToBare: ratio(http.submit, http.bare) },
    ...modules,
    machine: { cpus: os.availableParallelism?.() ?? os.cpus().length, node: process.version },
    database: args.database,
    settings: { connections, durationS: duration, warmupS: warmup },
    note:
      'bare = GET /__bench/bare -> {"hello":"world"} registered on the app itself (same process, same platform hooks); ' +
      'minimalFastify = the same route on a plugin-free Fastify instance in the same process, for reference. ' +
      'rps counts 2xx/3xx responses only. submit rotates X-Forwarded-For over 1,024 addresses (TRUST_PROXY=true) so ' +
      'the per-client rate limit (600/min) throttles simulated clients, not the benchmark as a whole.',
  }
}

// --- Scenarios -------------------------------------------------------------------------------------------------------
/** Signs in once, POSTs the feedback form with a fresh submission key each time, then counts the rows. */
async function submitPhase(appUrl, env, keyPrefix) {
  const session = await signIn(appUrl)
  log(`signed in as ${DEMO_EMAIL}`)
  const submit = submitScenario(appUrl, session, keyPrefix)
  const submitResult = await measure('submit', submit.options, submit.tracker)
  const { sent, answered, acknowledged } = submit.tracker

  // Stop the server first: it finishes the requests in flight, so the database is final when we count.
  await stopChild()
  const stored = await readStoredKeys(env, keyPrefix)
  const missing = [...acknowledged].filter((k) => !stored.has(k)).length
  const foreign = [...stored].filter((k) => !sent.has(k)).length
  const storedAnswered = [...stored].filter((k) => answered.has(k)).length
  // Each connection has one request outstanding when a phase stops; the server still completes it, nobody reads the
  // 303. Those rows are real but unacknowledged, so they are reported separately.
  const inFlightAtStop = sent.size - answered.size
  const unacknowledgedWrites = stored.size - storedAnswered
  if (missing > 0) log(`WARNING: ${missing} acknowledged submissions are not in the database`)
  if (foreign > 0) log(`WARNING: ${foreign} rows carry keys the harness never sent`)
  if (storedAnswered !== acknowledged.size)
    log(`WARNING: ${storedAnswered} rows for answered requests, ${acknowledged.size} acknowledged`)
  log(
    `submit check: ${acknowledged.size} acknowledged = ${storedAnswered} rows for answered requests; ` +
      `+${unacknowledgedWrites} rows for the ${inFlightAtStop} requests in flight when a phase stopped`,
  )
  return {
    ...submitResult,
    rowsWritten: stored.size,
    acknowledged: acknowledged.size,
    inFlightAtStop,
    unacknowledgedWrites,
    verified:
      missing === 0 && foreign === 0 && storedAnswered === acknowledged.size && unacknowledgedWrites <= inFlightAtStop,
  }
}

function submitScenario(appUrl, session, keyPrefix) {
  const tracker = { sent: new Set(), answered: new Set(), acknowledged: new Set(), rejected: new Map() }
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
          tracker.answered.add(context.key)
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
  if (res.status !== 200 || !firstCsrf)
    throw new Error(`GET /sign-in: ${res.status}, CSRF token ${firstCsrf ? 'found' : 'missing'}`)

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
  if (res.status !== 200 || !csrf)
    throw new Error(`GET /feedback: ${res.status}, CSRF token ${csrf ? 'found' : 'missing'}`)
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
  let timer
  const timedOut = new Promise((resolve) => (timer = setTimeout(() => resolve('timeout'), 10_000)))
  const outcome = await Promise.race([child.exitedPromise, timedOut])
  clearTimeout(timer)
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
  const { http } = result
  const w = (s, n) => String(s).padStart(n)
  const lines = [`${'scenario'.padEnd(10)}${w('req/s', 12)}${w('p99 ms', 10)}${w('errors', 8)}${w('vs bare', 10)}`]
  for (const [name, r] of Object.entries(http)) {
    const vsBare = http.bare ? round(r.rps / http.bare.rps, 3) : '-'
    lines.push(`${name.padEnd(10)}${w(r.rps, 12)}${w(r.p99Ms, 10)}${w(r.errors, 8)}${w(vsBare, 10)}`)
  }
  lines.push('')
  if (http.submit) {
    const s = http.submit
    lines.push(
      `submit check: ${s.acknowledged} acknowledged (303), ${s.rowsWritten} rows written ` +
        `(${s.unacknowledgedWrites} of them for requests in flight at stop) — ${s.verified ? 'OK' : 'MISMATCH'}`,
    )
  }
  for (const name of Object.keys(MODULE_SCENARIOS))
    if (result[name]) lines.push(`${name}: ${JSON.stringify(result[name])}`)
  lines.push(`machine: ${result.machine.cpus} CPUs, Node ${result.machine.node}, database ${result.database}`)
  lines.push(`note: ${result.note}`)
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

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
