// `npm test`: builds the browser assets, finds every *.test.ts (node's runner does not expand globs on
// Node 20), runs them with node:test, and fails when no test ran (a silent 0 would look like success).
import { spawn, spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const filters = process.argv.slice(2)

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name)
    if (name === 'node_modules' || name.startsWith('.')) continue
    if (statSync(p).isDirectory()) find(p, out)
    else if (name.endsWith('.test.ts')) out.push(path.relative(root, p))
  }
  return out
}

const assets = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-assets.mjs')], { stdio: 'inherit' })
if (assets.status !== 0) process.exit(assets.status ?? 1)

let files = [...find(path.join(root, 'src')), ...find(path.join(root, 'test'))].sort()
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)))
if (files.length === 0) {
  console.error('no test files found')
  process.exit(1)
}
console.log(`running ${files.length} test files`)
const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-reporter=spec',
    `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`,
    '--test-timeout=600000',
    ...files,
  ],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_ENV: 'test' } },
)
// The runner's own summary lines (ℹ pass N …) come before the details of failures, so they are caught line by line.
const summary = { pass: 0, fail: 0, skipped: 0 }
let partial = ''
child.stdout.on('data', (d) => {
  process.stdout.write(d)
  const lines = (partial + d.toString()).split('\n')
  partial = lines.pop() ?? ''
  for (const line of lines) {
    const m = /^ℹ (pass|fail|skipped) (\d+)$/.exec(line.trim())
    if (m) summary[m[1]] = Number(m[2])
  }
})
child.on('close', (code) => {
  const { pass, fail, skipped } = summary
  console.log(`${pass} passed, ${fail} failed, ${skipped} skipped`)
  if (code === 0 && pass === 0) {
    console.error('no test passed: failing on purpose (0 tests is not success)')
    process.exit(1)
  }
  process.exit(code ?? 1)
})
