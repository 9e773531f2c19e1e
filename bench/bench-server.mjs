// The process under test, started by bench/run.mjs (never on its own in production).
//
// It runs the BUILT app exactly as `npm start` does (dist/src/server.js: config, migrations, demo seed, listen) and,
// in the same Node process, a second, bare Fastify instance with one JSON route. That bare route is the ceiling the
// other figures are compared with: same process, same Node flags, same Fastify version, no platform hooks.
// buildApp() calls app.ready() before returning, so a route cannot be added to the app's own instance afterwards.
import { rmSync } from 'node:fs'
import Fastify from 'fastify'
import { startServer } from '../dist/src/server.js'

const barePort = Number(process.env.BENCH_BARE_PORT ?? '0')
const bare = Fastify({ logger: false })
bare.get('/bare', async () => ({ hello: 'world' }))
await bare.listen({ port: barePort, host: '127.0.0.1' })

// When the harness goes away (even if it was killed), stop too, and remove the temporary data it can no longer remove.
if (process.send) {
  process.on('disconnect', () => {
    const tempDir = process.env.BENCH_TEMP_DIR
    if (tempDir) process.on('exit', () => rmSync(tempDir, { recursive: true, force: true }))
    process.kill(process.pid, 'SIGTERM')
  })
}

// The ceiling the issue asks for: a bare JSON route on the app itself, so it pays the same platform hooks
// (helmet, cookies, session lookup, access check) as every other route but no template or query.
await startServer(process.env, {
  beforeReady: (app) =>
    app.get('/__bench/bare', { config: { access: { permission: 'public' } } }, async () => ({ hello: 'world' })),
})
process.send?.({ ready: true })
