import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { allMigrations } from '../src/app.js'

/**
 * A database created by a released version is upgraded by running the migrations it lacks. The migrator refuses
 * a new migration whose name sorts before one already run, so every migration added after a release must sort
 * after the last released one, and released migrations are never renamed or removed. After a release, append the
 * new names to test/released-migrations.txt.
 */
test('migrations added since the last release sort after every released one', () => {
  const released = readFileSync(path.join(import.meta.dirname, 'released-migrations.txt'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
  const names = allMigrations.map((m) => m.name)
  assert.equal(new Set(names).size, names.length, 'migration names are unique')
  for (const r of released) assert.ok(names.includes(r), `released migration ${r} still exists under its name`)
  const lastReleased = [...released].sort().at(-1) ?? ''
  const added = names.filter((n) => !released.includes(n))
  for (const n of added) assert.ok(n > lastReleased, `${n} must sort after the last released migration ${lastReleased}`)
})
