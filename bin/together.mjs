#!/usr/bin/env node
// Runs the compiled CLI when it exists (after npm run build), otherwise the TypeScript source through tsx.
import { existsSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const compiled = path.join(root, 'dist', 'src', 'cli', 'together.js')
if (existsSync(compiled)) {
  const { runCli } = await import(pathToFileURL(compiled).href)
  const code = await runCli(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
  })
  if (code >= 0) process.exitCode = code
} else {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'src', 'cli', 'together.ts'), ...process.argv.slice(2)],
    { stdio: 'inherit' },
  )
  process.exitCode = r.status ?? 1
}
