import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createTtlCache } from './cache.js'

test('serves from cache within the TTL, reloads after it or after invalidate, and never caches failures', async () => {
  let clock = 0
  let loads = 0
  let fail = false
  const cache = createTtlCache<string, number>(
    1000,
    async (k) => {
      loads += 1
      if (fail) throw new Error('down')
      return k.length + loads
    },
    () => clock,
  )
  assert.equal(await cache.get('ab'), 3)
  assert.equal(await cache.get('ab'), 3)
  assert.equal(loads, 1)
  clock = 1000
  assert.equal(await cache.get('ab'), 4)
  cache.invalidate()
  assert.equal(await cache.get('ab'), 5)
  fail = true
  cache.invalidate()
  await assert.rejects(cache.get('x'))
  fail = false
  assert.equal(await cache.get('x'), 6, 'the failure was not cached')
})
