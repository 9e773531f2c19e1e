import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { needsSharedData, sharedDataPath } from '../../../test/support/shared-data.js'
import { panelCommand } from './panel.js'

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const code = await panelCommand(args, { stdout: (s) => (out += s), stderr: (s) => (err += s) })
  return { code, out, err }
}

function files(categories: string, respondents: string): { c: string; r: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'panel-cli-'))
  const c = path.join(dir, 'categories.csv')
  const r = path.join(dir, 'respondents.csv')
  writeFileSync(c, categories)
  writeFileSync(r, respondents)
  return { c, r }
}

describe('together panel select', () => {
  const small = (): string[] => {
    const dir = sharedDataPath('sortition', 'instances', 'example_small_20')
    return [
      '--categories',
      path.join(dir, 'categories.csv'),
      '--respondents',
      path.join(dir, 'respondents.csv'),
      '--k',
      '20',
    ]
  }

  test('--json prints one object with probabilities, minimum, panel and seed', needsSharedData(), async () => {
    const { code, out, err } = await run(['select', ...small(), '--seed', 'abc', '--json'])
    assert.equal(code, 0, err)
    const lines = out.trim().split('\n')
    assert.equal(lines.length, 1)
    const parsed: unknown = JSON.parse(lines[0] ?? '')
    assert.ok(typeof parsed === 'object' && parsed !== null)
    const json = parsed as Record<string, unknown>
    assert.deepEqual(Object.keys(json).sort(), ['k', 'method', 'minProbability', 'n', 'panel', 'probabilities', 'seed'])
    assert.equal(json.seed, 'abc')
    assert.equal(json.method, 'leximin')
    assert.equal(json.k, 20)
    assert.equal(json.n, 200)
    assert.equal(json.minProbability, 0.1)
    const probabilities = json.probabilities as Record<string, number>
    assert.equal(Object.keys(probabilities).length, 200)
    assert.equal(probabilities['0'], 0.1)
    assert.ok(Array.isArray(json.panel) && json.panel.length === 20)
    const again = await run(['select', ...small(), '--seed', 'abc', '--json'])
    assert.equal(again.out, out)
    const other = await run(['select', ...small(), '--seed', 'abd', '--json'])
    assert.notDeepEqual((JSON.parse(other.out) as { panel: string[] }).panel, json.panel)
  })

  test('summary output and the id column', needsSharedData(), async () => {
    const dir = sharedDataPath('sortition', 'instances', 'sa_fixture_22')
    const args = [
      'select',
      '--categories',
      path.join(dir, 'categories.csv'),
      '--respondents',
      path.join(dir, 'respondents.csv'),
    ]
    const { code, out } = await run([...args, '--k=22', '--seed', 's1', '--method', 'legacy', '--legacy-runs', '200'])
    assert.equal(code, 0)
    assert.match(out, /LEGACY selection of a panel of 22 from a pool of 150/)
    assert.match(out, /equal share k\/n 14\.67%/)
    assert.match(out, /Panel \(22\): p\d+/)
  })

  test('infeasible quotas: explanation and suggested relaxation, exit 1', async () => {
    const { c, r } = files(
      'category,feature,min,max\ngender,f,1,1\ngender,m,1,1\nage,y,0,0\nage,o,1,2',
      'gender,age\nf,y\nf,y\nm,o',
    )
    const { code, out, err } = await run(['select', '--categories', c, '--respondents', r, '--k', '2'])
    assert.equal(code, 1)
    assert.equal(out, '')
    assert.match(err, /cannot be met/)
    assert.match(err, /age = y: raise the maximum from 0 to 1/)
    const json = await run(['select', '--categories', c, '--respondents', r, '--k', '2', '--json'])
    assert.equal(json.code, 1)
    assert.equal((JSON.parse(json.out) as { error: string }).error, 'infeasible')
  })

  test('values missing from the quota table are reported, exit 1', async () => {
    const { c, r } = files('category,feature,min,max\ngender,f,0,1\ngender,m,0,1', 'gender\nf\nx\nm')
    const { code, err } = await run(['select', '--categories', c, '--respondents', r, '--k', '2'])
    assert.equal(code, 1)
    assert.match(err, /respondent 1 has gender = "x"/)
  })

  test('bad usage: exit 2 with a message on stderr', async () => {
    const { c, r } = files('category,feature,min,max\ngender,f,0,1', 'gender\nf')
    for (const args of [
      [],
      ['pick'],
      ['select'],
      ['select', '--categories', c, '--respondents', r],
      ['select', '--categories', c, '--respondents', r, '--k', 'two'],
      ['select', '--categories', c, '--respondents', r, '--k', '1', '--method', 'random'],
      ['select', '--categories', c, '--respondents', r, '--k', '1', '--bogus'],
      ['select', '--categories', '/nonexistent/c.csv', '--respondents', r, '--k', '1'],
    ]) {
      const { code, out, err } = await run(args)
      assert.equal(code, 2, `args ${args.join(' ')}`)
      assert.equal(out, '')
      assert.ok(err.length > 0)
    }
    assert.equal((await run(['select', '--help'])).code, 0)
  })
})
