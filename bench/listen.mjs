// Listen benchmark: sustained response submissions per second through the app's full answer POSTs (CSRF, session,
// database write committed before the reply), as a ratio to the app's bare route measured in the same run.
//
// It runs the BUILT app in a child process exactly as bench/run.mjs does (bench/bench-server.mjs: config, migrations,
// demo seed, listen, plus the in-app bare route /__bench/bare), then measures three things one after the other:
//   bare     GET /__bench/bare: the same process and platform hooks, no template, no query (the ceiling);
//   entry    POST of the staff entry screen: one request = one whole response (every answer, channel, date,
//            who entered it), as a volunteer entering paper forms; each with a fresh submission key;
//   journey  a resident without an account answering the demo "community conversation": POST where (postcode),
//            POST question 1, POST submit; one loop = one response. Figures are responses per second.
// After the run the child is stopped and the rows are counted in the database: every 303 the harness counted as a
// stored response must be there (verified: true), so a fast figure cannot come from writes that never happened.
// Bounded: start-up ≈ 10 s, three phases of (warm-up 1 s + 4 s), shutdown; a hard deadline of 55 s.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import autocannon from 'autocannon'

const root = path.resolve(import.meta.dirname, '..')
const HOST = '127.0.0.1'
const WARD = 'E05013941'
const PASSWORD = 'norbiton-demo-2026' // src/cli/seed.ts DEMO_PASSWORD
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d

export async function benchListen(log = () => {}, opts = {}) {
  // As the HTTP scenarios in run.mjs: 50 connections, 3 s warm-up, 10 s measured. "Sustained" submissions are the
  // server's capacity; at 10 connections it waits on disk flushes with its CPU partly idle (both figures in README).
  const connections = opts.connections ?? Number(process.env.BENCH_LISTEN_CONNECTIONS ?? 50)
  const duration = opts.duration ?? 10
  const warmup = opts.warmup ?? 3
  const tempDir = mkdtempSync(path.join(os.tmpdir(), 'wt-bench-listen-'))
  const [appPort, barePort] = await Promise.all([freePort(), freePort()])
  const runId = Date.now().toString(36)
  const entryPrefix = `benchentry${runId}_`
  const journeyPrefix = `benchjourney${runId}_`
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TMPDIR: process.env.TMPDIR,
    NODE_ENV: 'development',
    DEMO_MODE: 'true',
    LOG_LEVEL: 'silent',
    HOST,
    PORT: String(appPort),
    DATA_DIR: path.join(tempDir, 'data'),
    // Many residents behind one proxy: X-Forwarded-For rotates so the per-client limit (600/min) is per client.
    TRUST_PROXY: 'true',
    BENCH_BARE_PORT: String(barePort),
    BENCH_TEMP_DIR: tempDir,
    npm_lifecycle_event: 'bench',
  }
  // BENCH_LISTEN_CPU_PROF=DIR writes a V8 CPU profile of the server process (to see where a request's time goes).
  const nodeArgs = ['--max-semi-space-size=32']
  const profDir = opts.cpuProfDir ?? process.env.BENCH_LISTEN_CPU_PROF
  if (profDir) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${path.resolve(profDir)}`)
  // BENCH_LISTEN_NODE_ARGS adds Node flags to the server (e.g. `--import ./sql-counter.mjs` to count statements).
  nodeArgs.push(...(process.env.BENCH_LISTEN_NODE_ARGS ?? '').split(' ').filter(Boolean))
  const child = spawn(process.execPath, [...nodeArgs, path.join(root, 'bench', 'bench-server.mjs')], {
    cwd: root,
    env,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  })
  child.stderr.on('data', (d) => log(`server: ${String(d).trim()}`))
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const deadline = setTimeout(() => child.kill('SIGKILL'), 55_000)
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(t)
    }
  }
  const appUrl = `http://${HOST}:${appPort}`
  // Other work on the machine moves these figures a lot (the ratio less so): the load average is part of the result.
  const loadBefore = os.loadavg()[0]
  try {
    await waitForHealth(`${appUrl}/healthz`, 40_000)
    log('listen: app healthy')
    // `prepare` runs before the warm-up and again before the measured run (fresh sessions, counters from zero).
    const measure = async (name, options, prepare = async () => {}) => {
      const base = { connections, pipelining: 1, timeout: 10 }
      if (warmup > 0) {
        await prepare()
        await run({ ...base, ...options, duration: warmup })
      }
      await prepare()
      const r = await run({ ...base, ...options, duration })
      const out = {
        rps: round((r['2xx'] + r['3xx']) / r.duration),
        p99Ms: round(r.latency.p99, 2),
        errors: r['4xx'] + r['5xx'] + r.errors + r.timeouts,
        seconds: r.duration,
      }
      log(`listen: ${name}: ${out.rps} req/s, p99 ${out.p99Ms} ms, errors ${out.errors}`)
      return out
    }

    const bare = await measure('bare', { url: `${appUrl}/__bench/bare` })

    // --- entry: the volunteer's one-POST response ----------------------------------------------------------------
    const volunteer = await signIn(appUrl, 'volunteer@demo.example')
    const list = await getPage(appUrl, `/wards/${WARD}/consultations`, volunteer)
    const consultationId = /\/consultations\/(\d+)"/.exec(list.html)?.[1]
    if (!consultationId) throw new Error('no open consultation in the demo seed')
    const entryPath = `/wards/${WARD}/engagement/consultations/${consultationId}/entry`
    const entryPage = await getPage(appUrl, entryPath, volunteer)
    const ids = [...entryPage.html.matchAll(/name="q(\d+)"/g)].map((m) => m[1])
    const [themesQ, , ratingQ] = [...new Set(ids)]
    if (!themesQ || !ratingQ) throw new Error('the demo consultation does not have the expected questions')
    const today = new Date().toISOString().slice(0, 10)
    const entryCounts = { ok: 0, other: 0, total: 0 }
    let seq = 0
    const entry = await measure(
      'entry',
      {
        url: appUrl,
        requests: [
          {
            method: 'POST',
            path: entryPath,
            setupRequest(req) {
              seq += 1
              const body = new URLSearchParams({
                _csrf: volunteer.csrf,
                submissionKey: `${entryPrefix}${seq.toString(36).padStart(8, '0')}`,
                channel: 'paper',
                respondedOn: today,
                postcode: 'KT2 7AA',
                event: '',
                [`q${themesQ}`]: 'employment-and-skills',
                [`q${ratingQ}`]: '4',
              })
              return { ...req, headers: formHeaders(req, volunteer.cookie, seq), body: body.toString() }
            },
            onResponse(status) {
              if (status === 303) {
                entryCounts.ok += 1
                entryCounts.total += 1
              } else entryCounts.other += 1
            },
          },
        ],
      },
      async () => {
        entryCounts.ok = 0
        entryCounts.other = 0
      },
    )

    // --- journey: a resident without an account, three POSTs per response -----------------------------------------
    const base = `/wards/${WARD}/consultations/${consultationId}`
    let pool = []
    const journeyCounts = { submitted: 0, other: 0, total: 0 }
    let jseq = 0
    const post = (pathname, fields, onResponse) => ({
      method: 'POST',
      path: pathname,
      setupRequest(req, context) {
        // A connection takes a session for a whole loop (where → question → submit) and gives it back at the end.
        if (!context.session) context.session = pool.pop()
        jseq += 1
        const s = context.session
        const body = new URLSearchParams({ _csrf: s.csrf, ...fields(context) })
        return { ...req, headers: formHeaders(req, s.cookie, jseq), body: body.toString() }
      },
      onResponse,
    })
    let kseq = 0
    const journey = await measure(
      'journey',
      {
        url: appUrl,
        requests: [
          post(`${base}/where`, () => ({ postcode: 'KT2 7AA' })),
          post(`${base}/questions/1`, () => ({ answer: 'financial-support' })),
          post(
            `${base}/submit`,
            () => ({ submissionKey: `${journeyPrefix}${(kseq += 1).toString(36).padStart(8, '0')}` }),
            (status, _body, context, headers) => {
              if (status === 303 && /\/done\?ref=/.test(String(headers?.location ?? ''))) {
                journeyCounts.submitted += 1
                journeyCounts.total += 1
              } else journeyCounts.other += 1
              pool.push(context.session)
              context.session = undefined
            },
          ),
        ],
      },
      // A run can stop a connection mid-loop, so every run starts with fresh signed-out sessions (one per connection).
      async () => {
        pool = []
        for (let i = 0; i < connections; i++) pool.push(await getPage(appUrl, `${base}/where`, { cookie: '' }))
        journeyCounts.submitted = 0
        journeyCounts.other = 0
      },
    )
    await stop()
    const stored = await countRows(env.DATA_DIR, [entryPrefix, journeyPrefix])
    // Every acknowledged response (warm-up included) is stored; at most one more per connection was in flight at a stop.
    const within = (rows, acked) => rows >= acked && rows <= acked + connections * 2
    const verified =
      within(stored[entryPrefix], entryCounts.total) && within(stored[journeyPrefix], journeyCounts.total)
    const journeyResponsesPerS = round(journeyCounts.submitted / journey.seconds)
    return {
      bare,
      entry: {
        ...entry,
        responsesPerS: entry.rps,
        rowsWritten: stored[entryPrefix],
        acknowledged: entryCounts.total,
        notAcknowledged: entryCounts.other,
      },
      journey: {
        ...journey,
        responsesPerS: journeyResponsesPerS,
        rowsWritten: stored[journeyPrefix],
        acknowledged: journeyCounts.total,
        notAcknowledged: journeyCounts.other,
      },
      ratios: {
        entryToBare: round(entry.rps / bare.rps, 3),
        journeyResponsesToBare: round(journeyResponsesPerS / bare.rps, 3),
      },
      verified,
      settings: { connections, durationS: duration, warmupS: warmup, database: 'sqlite' },
      loadAverage1m: { before: round(loadBefore, 2), after: round(os.loadavg()[0], 2), cpus: os.cpus().length },
      note:
        'entry = one POST per stored response (staff entry screen, CSRF + session + audit + durable write); ' +
        'journey = responses per second for a signed-out resident answering where → question 1 → submit ' +
        '(three POSTs, session-held draft, idempotent submit), counting submits redirected to the confirmation page. ' +
        'Every POST waits for its write to be flushed to disk; BENCH_LISTEN_CONNECTIONS changes the 50 connections.',
    }
  } finally {
    clearTimeout(deadline)
    await stop()
    rmSync(tempDir, { recursive: true, force: true })
  }
}

function formHeaders(req, cookie, seq) {
  return {
    ...req.headers,
    'content-type': 'application/x-www-form-urlencoded',
    cookie,
    'x-forwarded-for': `10.78.${(seq >> 8) & 15}.${seq & 255}`,
  }
}

function run(opts) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)))
    const guard = setTimeout(() => instance.stop(), (opts.duration + 10) * 1000)
    instance.once('done', () => clearTimeout(guard))
  })
}

/** A browser-like cookie jar for one page load; returns the session cookie header and the page's CSRF token. */
async function getPage(appUrl, pathname, session) {
  const res = await fetch(`${appUrl}${pathname}`, { redirect: 'manual', headers: { cookie: session.cookie } })
  const html = await res.text()
  if (res.status !== 200) throw new Error(`GET ${pathname}: ${res.status}`)
  const set = res.headers.getSetCookie().map((l) => l.split(';')[0])
  const cookie = set.length > 0 ? set.join('; ') : session.cookie
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? session.csrf
  return { cookie, csrf, html }
}

async function signIn(appUrl, email) {
  const first = await getPage(appUrl, '/sign-in', { cookie: '' })
  const res = await fetch(`${appUrl}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: first.cookie },
    body: new URLSearchParams({ email, password: PASSWORD, _csrf: first.csrf }).toString(),
  })
  await res.text()
  if (res.status !== 303) throw new Error(`sign-in as ${email}: ${res.status}`)
  const cookie = res.headers
    .getSetCookie()
    .map((l) => l.split(';')[0])
    .join('; ')
  const page = await getPage(appUrl, '/account', { cookie })
  return { cookie, csrf: page.csrf }
}

async function countRows(dataDir, prefixes) {
  const { default: Database } = await import('better-sqlite3')
  const db = new Database(path.join(dataDir, 'together.sqlite'), { readonly: true, fileMustExist: true })
  try {
    const out = {}
    for (const p of prefixes)
      out[p] = db.prepare('select count(*) as n from engagement_response where submission_key like ?').get(`${p}%`).n
    return out
  } finally {
    db.close()
  }
}

async function waitForHealth(url, timeoutMs) {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) })
      await res.text()
      if (res.status === 200) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`the app was not healthy within ${timeoutMs / 1000} s`)
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
