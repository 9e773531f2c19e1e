// What the module benchmarks share: where the built code is, the demo ward, and how samples are timed and summarised.
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** Imports a module of the BUILT app (`npm run build` first), e.g. `dist('app.js')`. */
export const dist = (f) => import(path.join(root, 'dist/src', f))

/** Norbiton, the pilot ward the generated data belongs to. */
export const WARD = 'E05013941'

/** p50, p99 and max of latency samples in ms (nearest-rank quantiles), to two decimals. */
export function stats(samples) {
  const s = [...samples].sort((a, b) => a - b)
  const at = (q) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]
  const r = (x) => Math.round(x * 100) / 100
  return { p50Ms: r(at(0.5)), p99Ms: r(at(0.99)), maxMs: r(s.at(-1)), runs: s.length }
}

/** Runs `fn` `n` times one after another; each run's duration in ms. */
export async function time(n, fn) {
  const out = []
  for (let i = 0; i < n; i++) {
    const t0 = performance.now()
    await fn()
    out.push(performance.now() - t0)
  }
  return out
}

/** `total` requests with `concurrency` in flight at once; each request's own latency is recorded. */
export async function underLoad(total, concurrency, fn) {
  const out = []
  let next = 0
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next += 1
        const s = performance.now()
        await fn()
        out.push(performance.now() - s)
      }
    }),
  )
  return { samples: out, wallMs: performance.now() - t0 }
}
