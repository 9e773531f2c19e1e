import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, test } from 'node:test'
import { needsSharedData, sharedDataPath } from '../../../test/support/shared-data.js'
import { countRoundJson, countRoundOffThread } from './prioritisation.count.js'

describe('counting a round off the main thread', () => {
  test('gives what the count on this thread gives, while this thread goes on serving', needsSharedData(), async () => {
    const pb = readFileSync(sharedDataPath('pabulib', 'Poland_Swiecie_2023.pb'), 'utf8')
    // Turns of the event loop while the worker counts: none if the count held this thread.
    let turns = 0
    let counting = true
    const turn = (): void => {
      turns++
      if (counting) setImmediate(turn)
    }
    setImmediate(turn)
    const json = await countRoundOffThread(pb, 'mes', 2553).finally(() => {
      counting = false
    })
    assert.ok(turns > 1, `the event loop turned ${turns} times during the count`)
    assert.equal(json, countRoundJson(pb, 'mes', 2553))
    const stored = JSON.parse(json) as { rule: string; ballots: number; selected: string[]; pbSha256: string }
    assert.equal(stored.rule, 'mes')
    assert.equal(stored.ballots, 2553)
    assert.equal(stored.selected.length, 17)
    assert.match(stored.pbSha256, /^[0-9a-f]{64}$/)
  })

  test('a file that cannot be counted rejects with the reason, and the worker ends', async () => {
    await assert.rejects(countRoundOffThread('META\nkey;value\n', 'greedy', 0), /the count failed: .+/)
    await assert.rejects(countRoundOffThread('META\nkey;value\n', 'no-such-rule', 0), /the count failed/)
  })
})
