import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, test } from 'node:test'
import { needsSharedData, sharedDataPath } from '../../../test/support/shared-data.js'
import { tallyCommand } from './tally.js'

async function run(args: string[]) {
  const out: string[] = []
  const err: string[] = []
  const code = await tallyCommand(args, { stdout: (s) => out.push(s), stderr: (s) => err.push(s) })
  return { code, stdout: out.join('\n'), stderr: err.join('\n') }
}

const dir = mkdtempSync(path.join(tmpdir(), 'tally-'))
const small = path.join(dir, 'small.pb')
writeFileSync(
  small,
  [
    'META',
    'key;value',
    'budget;10',
    'vote_type;approval',
    'PROJECTS',
    'project_id;cost',
    'A;6',
    'B;6',
    'C;4',
    'VOTES',
    'voter_id;vote',
    '1;A,B',
    '2;A,B',
    '3;A,C',
  ].join('\n'),
)

describe('together tally', () => {
  test('--json prints one object with ids in selection order and exact money', async () => {
    const { code, stdout, stderr } = await run([small, '--rule', 'greedy', '--json'])
    assert.equal(code, 0, stderr)
    const json: unknown = JSON.parse(stdout)
    assert.ok(typeof json === 'object' && json !== null)
    assert.deepEqual(Reflect.get(json, 'selected'), ['A', 'C'])
    assert.equal(Reflect.get(json, 'rule'), 'greedy')
    assert.equal(Reflect.get(json, 'budget'), '10')
    assert.equal(Reflect.get(json, 'spent'), '10')
    const explanations: unknown = Reflect.get(json, 'explanations')
    assert.ok(typeof explanations === 'object' && explanations !== null)
    assert.deepEqual(Object.keys(explanations).sort(), ['A', 'B', 'C'])
  })

  test('prints a readable table without --json', async () => {
    const { code, stdout } = await run([small, '--rule', 'greedy-noskip'])
    assert.equal(code, 0)
    assert.match(stdout, /rule greedy-noskip: 1 project\(s\) funded, 6 of 10 spent/)
    assert.match(stdout, /C .*not funded .*Counting stopped at B/)
  })

  test('passes variant flags to the rule', async () => {
    const { code, stdout } = await run([small, '--rule', 'greedy', '--threshold', '3', '--json'])
    assert.equal(code, 0)
    assert.deepEqual((JSON.parse(stdout) as { selected: string[] }).selected, ['A'])
  })

  const bad: [string, string[], RegExp][] = [
    ['no file', ['--rule', 'greedy'], /no FILE\.pb given/],
    ['an unknown rule', [small, '--rule', 'borda'], /unknown rule "borda"/],
    ['an unknown flag', [small, '--colour'], /Unknown option/],
    ['a bad threshold', [small, '--threshold', 'lots'], /--threshold must be a non-negative number/],
    ['a bad tie-break key', [small, '--tie-break', 'random'], /unknown tie-break key/],
    ['a missing file', [path.join(dir, 'nope.pb')], /cannot read/],
    ['a threshold rule without a threshold', [small, '--rule', 'greedy-threshold'], /needs a minimum score/],
  ]
  for (const [what, args, message] of bad) {
    test(`exits with 2 and a message for ${what}`, async () => {
      const { code, stdout, stderr } = await run(args)
      assert.equal(code, 2)
      assert.equal(stdout, '')
      assert.match(stderr, message)
    })
  }

  test('exits with 2 naming the line of a malformed file', async () => {
    const broken = path.join(dir, 'broken.pb')
    writeFileSync(
      broken,
      [
        'META',
        'key;value',
        'budget;10',
        'vote_type;approval',
        'PROJECTS',
        'project_id;cost',
        'A;6',
        'VOTES',
        'voter_id;vote',
        '1;Z',
      ].join('\n'),
    )
    const { code, stderr } = await run([broken])
    assert.equal(code, 2)
    assert.match(stderr, /line 10: voter 1 votes for unknown project "Z"/)
  })

  test('counts Assen 2024 with MES as the city did', needsSharedData(), async () => {
    const { code, stdout } = await run([
      sharedDataPath('pabulib', 'Netherlands_Assen_2024.pb'),
      '--rule',
      'mes',
      '--no-completion',
      '--json',
    ])
    assert.equal(code, 0)
    const json = JSON.parse(stdout) as { selected: string[]; spent: string }
    assert.deepEqual(json.selected, ['3', '9', '11', '2', '13', '14', '5', '6', '12'])
    assert.equal(json.spent, '76700')
  })
})
