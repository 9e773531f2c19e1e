import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { describe, test } from 'node:test'
import { needsSharedData, sharedDataPath } from '../../../../test/support/shared-data.js'
import { electionInputFromPabulib, parsePabulib } from '../pabulib.js'
import { compileElection } from './election.js'
import { RULES } from './registry.js'
import type { RuleId, RuleOptions } from './types.js'

// Which of our rules reproduces each Pabulib `rule` value (notes §3, §4.2). MES files are checked below
// with the variant each city used.
const GREEDY_FAMILY: Readonly<Record<string, RuleId>> = {
  greedy: 'greedy',
  'greedy-no-skip': 'greedy-noskip',
  'greedy-threshold': 'greedy-threshold',
}

function load(file: string) {
  const pb = parsePabulib(readFileSync(sharedDataPath('pabulib', file), 'utf8'))
  const official = pb.projects.filter((p) => p.fields.selected === '1').map((p) => p.id)
  return {
    pb,
    election: compileElection(electionInputFromPabulib(pb)),
    official,
    hasOutcome: pb.projectColumns.includes('selected'),
  }
}

const sorted = (ids: readonly string[]) => [...ids].sort()

describe('official outcomes of the shared Pabulib elections', () => {
  test(
    'every greedy, greedy-no-skip and greedy-threshold file with a recorded outcome is reproduced',
    needsSharedData(),
    () => {
      const checked: string[] = []
      for (const file of readdirSync(sharedDataPath('pabulib')).filter((f) => f.endsWith('.pb'))) {
        const { pb, election, official, hasOutcome } = load(file)
        const rule = GREEDY_FAMILY[pb.meta.get('rule') ?? '']
        if (rule === undefined || !hasOutcome) continue
        assert.deepEqual(sorted(RULES[rule].count(election).selected), sorted(official), `${file} under ${rule}`)
        checked.push(file)
      }
      // Amsterdam 267 is greedy too but has no selected column; the other five are MES or unknown.
      assert.equal(checked.length, 10, checked.join(', '))
    },
  )

  const mesCases: [string, RuleOptions, string][] = [
    ['Poland_Swiecie_2023.pb', {}, 'add1, then greedy completion (the default)'],
    ['Netherlands_Assen_2024.pb', { greedyCompletion: false }, 'add1 without completion'],
    [
      'Poland_Wieliczka_2023_Green_Budget.pb',
      { exhaustiveStop: false, greedyCompletion: false },
      'add1 without the exhaustive stop',
    ],
    ['Poland_Swiecie_2023.pb', { exhaustiveStop: false, greedyCompletion: false }, 'the cities’ add1, no completion'],
    [
      'Netherlands_Assen_2024.pb',
      { exhaustiveStop: false, greedyCompletion: false },
      'the cities’ add1, no completion',
    ],
  ]
  for (const [file, options, variant] of mesCases) {
    test(`${file} is reproduced by MES with ${variant}`, needsSharedData(), () => {
      const { election, official } = load(file)
      assert.deepEqual(sorted(RULES.mes.count(election, options).selected), sorted(official))
    })
  }

  test('the pabutools defaults differ from Wieliczka and Assen exactly as the notes record', needsSharedData(), () => {
    const wieliczka = RULES.mes.count(load('Poland_Wieliczka_2023_Green_Budget.pb').election)
    assert.equal(wieliczka.parameters.endowmentDecimal, '301.84')
    assert.equal(wieliczka.spent.toString(), '984579')
    assert.ok(
      wieliczka.selected.includes('66') && wieliczka.selected.includes('67') && !wieliczka.selected.includes('46'),
    )
    const assen = RULES.mes.count(load('Netherlands_Assen_2024.pb').election)
    assert.equal(assen.selected.at(-1), '7')
    assert.equal(assen.explanations['7']?.stage, 'completion')
  })
})
