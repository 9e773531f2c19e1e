import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { compileElection } from './election.js'
import { CountingError } from './errors.js'
import { Rational } from './rational.js'
import { getRule, isRuleId, RULE_IDS, RULES } from './registry.js'

describe('rule registry', () => {
  test('offers the six counting rules under their CLI names', () => {
    assert.deepEqual(RULE_IDS, ['greedy', 'greedy-noskip', 'greedy-threshold', 'mes', 'mes-cardinal', 'phragmen'])
    for (const id of RULE_IDS) assert.equal(RULES[id].id, id)
  })

  test('each rule reports its own id in its result', () => {
    const election = compileElection({
      budget: Rational.of(10),
      projects: [{ id: 'A', cost: Rational.of(4) }],
      ballotKind: 'approval',
      ballots: [{ projectIds: ['A'] }],
      scoreThreshold: Rational.ONE,
    })
    for (const id of RULE_IDS) {
      const result = getRule(id).count(election)
      assert.equal(result.rule, id)
      assert.deepEqual(result.selected, ['A'])
    }
  })

  test('refuses an unknown rule, naming the valid ones', () => {
    assert.equal(isRuleId('toString'), false)
    assert.throws(
      () => getRule('borda'),
      (e: unknown) => e instanceof CountingError && /greedy, greedy-noskip/.test(e.message),
    )
  })
})
