import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { needsSharedData, sharedDataPath } from '../../../test/support/shared-data.js'
import {
  electionInputFromPabulib,
  PabulibFormatError,
  parsePabulib,
  serialisePabulib,
  type PabulibFile,
} from './pabulib.js'
import { compileElection } from './rules/election.js'
import { Rational } from './rules/rational.js'

const minimal = [
  'META',
  'key;value',
  'description;"Test; with a semicolon and ""quotes"""',
  'budget;1000.50',
  'vote_type;approval',
  'PROJECTS',
  'project_id;cost;votes;name',
  '1;600;2;"Park; phase II"',
  '2; 400.25 ;1;Library',
  'VOTES',
  'voter_id;vote;age',
  'v1;1,2;30',
  'v2; 1 ;',
  'v3;;41',
].join('\n')

function expectError(text: string, line: number, pattern: RegExp) {
  assert.throws(
    () => parsePabulib(text),
    (error: unknown) => {
      assert.ok(error instanceof PabulibFormatError, String(error))
      assert.equal(error.line, line, error.message)
      assert.equal(error.statusCode, 400)
      assert.match(error.message, pattern)
      return true
    },
  )
}

const replaceLine = (n: number, by: string) =>
  minimal
    .split('\n')
    .map((l, i) => (i === n - 1 ? by : l))
    .join('\n')

describe('parsePabulib', () => {
  test('reads META, PROJECTS and VOTES with quoted fields, trimmed values and empty ballots', () => {
    const pb = parsePabulib(minimal)
    assert.equal(pb.meta.get('description'), 'Test; with a semicolon and "quotes"')
    assert.equal(pb.budget.toString(), '2001/2')
    assert.equal(pb.voteType, 'approval')
    assert.deepEqual(
      pb.projects.map((p) => [p.id, p.cost.toDecimalString(), p.fields.name]),
      [
        ['1', '600', 'Park; phase II'],
        ['2', '400.25', 'Library'],
      ],
    )
    assert.deepEqual(
      pb.votes.map((v) => [v.voterId, v.projectIds, v.fields.age]),
      [
        ['v1', ['1', '2'], '30'],
        ['v2', ['1'], ''],
        ['v3', [], '41'],
      ],
    )
    assert.deepEqual(pb.warnings, [])
  })

  test('accepts a byte-order mark and CRLF line ends', () => {
    const pb = parsePabulib('\uFEFF' + minimal.replaceAll('\n', '\r\n') + '\r\n')
    assert.equal(pb.votes.length, 3)
    assert.equal(pb.projects[1]?.fields.name, 'Library')
  })

  test('reads points of cumulative ballots', () => {
    const text = minimal
      .replace('vote_type;approval', 'vote_type;cumulative')
      .replace('voter_id;vote;age', 'voter_id;vote;points')
      .replace('v1;1,2;30', 'v1;1,2;3,2')
      .replace('v2; 1 ;', 'v2;1;5')
      .replace('v3;;41', 'v3;;')
    const pb = parsePabulib(text)
    assert.deepEqual(pb.votes[0]?.points?.map(String), ['3', '2'])
    assert.deepEqual(pb.votes[2]?.points, [])
  })

  test('names the line of each kind of malformed input', () => {
    expectError(replaceLine(4, 'budget;lots'), 4, /budget "lots" is not a non-negative number/)
    expectError(replaceLine(5, 'vote_type;ranked'), 5, /unknown vote_type "ranked"/)
    expectError(replaceLine(8, '1;abc;2;x'), 8, /cost "abc"/)
    expectError(replaceLine(9, '1;400;1;dup'), 9, /project_id "1" appears twice/)
    expectError(replaceLine(9, '2;400;1'), 9, /3 field\(s\) but the header has 4/)
    expectError(replaceLine(12, 'v1;1,7;30'), 12, /unknown project "7"/)
    expectError(replaceLine(13, 'v1;1;30'), 13, /voter_id "v1" appears twice/)
    expectError(replaceLine(8, '1;600;2;"Park'), 8, /quoted field is not closed/)
    expectError(replaceLine(7, 'id;cost;votes;name'), 7, /no "project_id" column/)
    expectError(replaceLine(2, 'name;value'), 2, /META header must be "key;value"/)
    expectError(replaceLine(4, 'budget'), 4, /exactly two fields/)
    expectError(replaceLine(6, 'VOTES'), 6, /VOTES section found where PROJECTS was expected/)
    expectError(minimal.split('\n').slice(0, 9).join('\n'), 0, /no VOTES section/)
    expectError('hello\n' + minimal, 1, /before the META section/)
    expectError(replaceLine(3, 'max_length;three'), 3, /"max_length" must be a number/)
  })

  test('warns, without failing, about META counts that disagree with the rows', () => {
    const pb = parsePabulib(minimal.replace('budget;1000.50', 'budget;1000.50\nnum_votes;4'))
    assert.deepEqual(pb.warnings, ['META num_votes is 4 but the file lists 3 votes'])
  })

  test('a project costing more than the whole budget is an error naming its line', () => {
    expectError(replaceLine(4, 'budget;500'), 8, /project 1 costs 600, more than the whole budget of 500/)
    // Exactly the budget is allowed.
    assert.equal(parsePabulib(replaceLine(4, 'budget;600')).projects.length, 2)
  })

  test('the rest of the malformed inputs of the issue: non-numeric points, and lines counted right', () => {
    const cumulative = minimal
      .replace('vote_type;approval', 'vote_type;cumulative')
      .replace('voter_id;vote;age', 'voter_id;vote;points')
      .replace('v1;1,2;30', 'v1;1,2;3,x')
      .replace('v2; 1 ;', 'v2;1;5')
      .replace('v3;;41', 'v3;;')
    expectError(cumulative, 12, /points "x" of voter v1 is not a non-negative number/)
    // With a byte-order mark and CRLF line ends, the line named is still the line in the file.
    const crlf = (text: string) => '\uFEFF' + text.replaceAll('\n', '\r\n') + '\r\n'
    expectError(crlf(replaceLine(12, 'v1;1,9;30')), 12, /unknown project "9"/)
    expectError(crlf(replaceLine(4, 'budget;500')), 8, /more than the whole budget/)
    // A `;` inside quotes is part of the field, so this row has three fields, not four.
    expectError(replaceLine(9, '2;"400;25";1'), 9, /3 field\(s\) but the header has 4/)
    // …and a quoted field with `;` does not shift the columns of an otherwise bad row.
    expectError(replaceLine(8, '1;"6;00";2;"Park; phase II"'), 8, /cost "6;00"/)
    expectError(replaceLine(8, '1;600;2;"Park; phase II" x'), 8, /text after the closing quote/)
    // Section titles in the wrong place or twice.
    expectError(minimal + '\nMETA', 15, /a second META section/)
  })

  test(
    'reads every shared Pabulib file and its per-project totals match the votes and score columns',
    needsSharedData(),
    () => {
      const files = readdirSync(sharedDataPath('pabulib')).filter((f) => f.endsWith('.pb'))
      assert.equal(files.length, 16)
      for (const file of files) {
        const pb = parsePabulib(readFileSync(sharedDataPath('pabulib', file), 'utf8'))
        assert.equal(String(pb.votes.length), pb.meta.get('num_votes'), file)
        assert.equal(String(pb.projects.length), pb.meta.get('num_projects'), file)
        const election = compileElection(electionInputFromPabulib(pb))
        pb.projects.forEach((project, p) => {
          if (project.fields.votes !== undefined)
            assert.equal(String(election.approvals[p]), project.fields.votes, `${file} ${project.id} votes`)
          if (project.fields.score !== undefined)
            assert.equal(election.scores[p]?.toString(), project.fields.score, `${file} ${project.id} score`)
        })
      }
    },
  )
})

const safeText = fc.string({ maxLength: 12 }).map((s) => s.replace(/[\r\n,]/g, '').trim())
const id = safeText.filter((s) => s !== '')

const pbFile = fc
  .record({
    projects: fc.uniqueArray(fc.record({ id, cost: fc.nat(10_000), cents: fc.nat(99), name: safeText }), {
      minLength: 1,
      maxLength: 6,
      selector: (p) => p.id,
    }),
    voters: fc.uniqueArray(fc.record({ id, picks: fc.array(fc.nat(5), { maxLength: 4 }), age: safeText }), {
      maxLength: 6,
      selector: (v) => v.id,
    }),
    description: safeText,
    budget: fc.nat(1_000_000),
    cumulative: fc.boolean(),
  })
  // At least the dearest possible project (£10,000.99): a project dearer than the budget is a format error.
  .map(({ budget, ...rest }) => ({ ...rest, budget: budget + 10_001 }))
  .map(({ projects, voters, description, budget, cumulative }): PabulibFile => ({
    meta: new Map([
      ['description', description],
      ['budget', String(budget)],
      ['vote_type', cumulative ? 'cumulative' : 'approval'],
    ]),
    budget: Rational.of(budget),
    voteType: cumulative ? 'cumulative' : 'approval',
    projectColumns: ['project_id', 'cost', 'name'],
    projects: projects.map((p) => ({
      id: p.id,
      cost: Rational.of(p.cost * 100 + p.cents, 100),
      fields: { name: p.name },
    })),
    voteColumns: cumulative ? ['voter_id', 'vote', 'points', 'age'] : ['voter_id', 'vote', 'age'],
    votes: voters.map((v) => {
      const ids = [...new Set(v.picks.filter((i) => i < projects.length).map((i) => projects[i]?.id ?? ''))]
      return cumulative
        ? { voterId: v.id, projectIds: ids, points: ids.map((_, k) => Rational.of(k + 1)), fields: { age: v.age } }
        : { voterId: v.id, projectIds: ids, fields: { age: v.age } }
    }),
    warnings: [],
  }))

describe('serialisePabulib', () => {
  test('parsing what was written gives back the same election', () => {
    fc.assert(
      fc.property(pbFile, (file) => {
        const again = parsePabulib(serialisePabulib(file))
        assert.deepEqual({ ...again, warnings: [] }, file)
      }),
      { numRuns: 300 },
    )
  })

  test('writes and rereads every shared Pabulib file unchanged', needsSharedData(), () => {
    for (const file of [
      'Poland_Wroclaw_2023.pb',
      'Poland_Krakow_2024_Stare_Miasto.pb',
      'Poland_Czestochowa_2024_Dzbow.pb',
      'Hungary_Veszprem_2025.pb',
    ]) {
      const pb = parsePabulib(readFileSync(sharedDataPath('pabulib', file), 'utf8'))
      assert.deepEqual(parsePabulib(serialisePabulib(pb)), pb, file)
    }
  })

  test('refuses what the format cannot hold', () => {
    const pb = parsePabulib(minimal)
    assert.throws(() => serialisePabulib({ ...pb, budget: Rational.of(1, 3) }), /no finite decimal form/)
    assert.throws(() => serialisePabulib({ ...pb, meta: new Map([['comment', 'two\nlines']]) }), /line break/)
  })
})
