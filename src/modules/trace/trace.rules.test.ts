import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import {
  contributionThemes,
  outcomeAudience,
  traceContribution,
  chainReaches,
  reachingAtoms,
  type Contribution,
  type WardPicture,
} from './trace.rules.js'

/** A small ward: two themes, a sub-theme, two needs, a decided round and an open one, two processes, one service. */
function picture(): WardPicture {
  return {
    wardId: 1,
    themes: [
      { id: 1, slug: 'employment-and-skills', name: 'Employment and Skills' },
      { id: 2, slug: 'place-and-delivery', name: 'Place and Delivery' },
    ],
    frame: {
      themes: [
        { id: 11, name: 'Employment and Skills', engagementThemeId: 1, parentId: null },
        { id: 12, name: 'Place and Delivery', engagementThemeId: 2, parentId: null },
        { id: 13, name: 'Interview confidence', engagementThemeId: null, parentId: 11 },
      ],
      needs: [
        { id: 100, statement: 'Help with interviews', themeId: 13 },
        { id: 101, statement: 'Safer crossings', themeId: 12 },
        { id: 102, statement: 'Unthemed need', themeId: null },
      ],
      codings: new Map([
        ['answer:7', [13]],
        ['answer:8', [12]],
      ]),
      evidence: new Map([[102, ['answer:9']]]),
    },
    rounds: [
      {
        roundId: 5,
        title: 'Round 2026',
        status: 'closed',
        selectedOptionIds: [50],
        options: [
          { optionId: 50, title: 'Interview club', needId: 100, theme: 'employment-and-skills' },
          { optionId: 51, title: 'Crossing', needId: 101, theme: 'place-and-delivery' },
          { optionId: 52, title: 'Jobs board', needId: null, theme: 'employment-and-skills' },
        ],
      },
      {
        roundId: 6,
        title: 'Round 2027',
        status: 'open',
        selectedOptionIds: [],
        options: [{ optionId: 60, title: 'Benches', needId: null, theme: 'place-and-delivery' }],
      },
    ],
    processes: [
      {
        processId: 70,
        title: 'Interview club provider',
        theme: 'employment-and-skills',
        sourceKind: 'priority',
        priorityOptionId: 50,
        stage: 'contract',
        providerName: 'Demo Org',
      },
      {
        processId: 71,
        title: 'Crossing study',
        theme: 'place-and-delivery',
        sourceKind: 'need',
        priorityOptionId: null,
        stage: 'tender',
        providerName: null,
      },
    ],
    services: [
      {
        serviceId: 80,
        title: 'Interview club',
        processId: 70,
        priorityOptionId: 50,
        status: 'on_track',
        rag: 'green',
        progressPercent: 40,
      },
    ],
  }
}

test('a response is followed from its coded words to the service: theme, need, funded priority, contract', () => {
  const p = picture()
  const c: Contribution = { kind: 'response', id: 1, themeSlugs: [], itemRefs: ['answer:7'] }
  // Coded to a sub-theme: it supports the sub-theme's root engagement theme.
  assert.deepEqual(contributionThemes(p, c), [1])
  const chain = traceContribution(p, c)
  assert.deepEqual(
    chain.needs.map((n) => [n.id, n.via]),
    [[100, 'theme']],
  )
  assert.deepEqual(
    chain.priorities.map((x) => [x.optionId, x.status, x.via]),
    [
      [50, 'funded', 'need'],
      [52, 'not_funded', 'theme'],
    ],
  )
  assert.deepEqual(
    chain.processes.map((x) => x.processId),
    [70],
  )
  assert.deepEqual(
    chain.services.map((x) => [x.serviceId, x.progressPercent]),
    [[80, 40]],
  )
  assert.equal(chain.reached, 'delivering')
})

test('evidence links a response to a need without a theme; unknown slugs and themes are ignored', () => {
  const p = picture()
  const chain = traceContribution(p, { kind: 'response', id: 2, themeSlugs: ['nope'], itemRefs: ['answer:9'] })
  assert.deepEqual(chain.themes, [])
  assert.deepEqual(chain.needs, [{ id: 102, statement: 'Unthemed need', via: 'evidence' }])
  assert.equal(chain.reached, 'understood')
})

test('an idea under a theme reaches a need-sourced process under that theme, and an open round shows as open', () => {
  const chain = traceContribution(picture(), { kind: 'idea', id: 3, themeId: 2 })
  assert.deepEqual(
    chain.needs.map((n) => n.id),
    [101],
  )
  assert.deepEqual(
    chain.priorities.map((x) => [x.optionId, x.status]),
    [
      [51, 'not_funded'],
      [60, 'open'],
    ],
  )
  assert.deepEqual(
    chain.processes.map((x) => [x.processId, x.via]),
    [[71, 'theme']],
  )
  assert.equal(chain.reached, 'commissioned')
})

test('a vote leads to its round’s funded options only (never to the voter’s own choices)', () => {
  const chain = traceContribution(picture(), { kind: 'vote', roundId: 5 })
  assert.deepEqual(
    chain.priorities.map((x) => [x.optionId, x.via]),
    [[50, 'vote']],
  )
  assert.deepEqual(
    chain.services.map((s) => s.serviceId),
    [80],
  )
  assert.deepEqual(traceContribution(picture(), { kind: 'vote', roundId: 6 }).priorities, [])
})

test('outcome audiences: who contributed to the round, the award, the service; nobody else', () => {
  const p = picture()
  const people: { userId: number; contribution: Contribution }[] = [
    { userId: 1, contribution: { kind: 'response', id: 1, themeSlugs: [], itemRefs: ['answer:7'] } },
    { userId: 2, contribution: { kind: 'idea', id: 3, themeId: 2 } },
    { userId: 3, contribution: { kind: 'vote', roundId: 5 } },
    { userId: 4, contribution: { kind: 'vote', roundId: 6 } },
    { userId: 5, contribution: { kind: 'response', id: 4, themeSlugs: [], itemRefs: ['answer:9'] } },
    { userId: 1, contribution: { kind: 'vote', roundId: 5 } },
  ]
  assert.deepEqual(outcomeAudience(p, people, { kind: 'round_decided', ref: 5 }), [1, 2, 3])
  assert.deepEqual(outcomeAudience(p, people, { kind: 'process_awarded', ref: 70 }), [1, 3])
  assert.deepEqual(outcomeAudience(p, people, { kind: 'process_awarded', ref: 71 }), [2])
  assert.deepEqual(outcomeAudience(p, people, { kind: 'service_progress', ref: 80 }), [1, 3])
  assert.deepEqual(outcomeAudience(p, people, { kind: 'service_progress', ref: 999 }), [])
})

test('property: each person is in an audience at most once, and only if one of their chains reaches the event', () => {
  const p = picture()
  const contribution = fc.oneof(
    fc.record({
      kind: fc.constant('response' as const),
      id: fc.nat(),
      themeSlugs: fc.subarray(['employment-and-skills', 'place-and-delivery', 'x']),
      itemRefs: fc.subarray(['answer:7', 'answer:8', 'answer:9', 'answer:10']),
    }),
    fc.record({ kind: fc.constant('idea' as const), id: fc.nat(), themeId: fc.constantFrom(1, 2, 3) }),
    fc.record({ kind: fc.constant('vote' as const), roundId: fc.constantFrom(5, 6, 7) }),
  )
  const event = fc.oneof(
    fc.record({ kind: fc.constant('round_decided' as const), ref: fc.constantFrom(5, 6) }),
    fc.record({ kind: fc.constant('process_awarded' as const), ref: fc.constantFrom(70, 71) }),
    fc.record({ kind: fc.constant('service_progress' as const), ref: fc.constantFrom(80) }),
  )
  fc.assert(
    fc.property(
      fc.array(fc.record({ userId: fc.integer({ min: 1, max: 6 }), contribution }), { maxLength: 12 }),
      event,
      (people, e) => {
        const audience = outcomeAudience(p, people, e)
        assert.equal(new Set(audience).size, audience.length)
        for (const u of audience) assert.ok(people.some((x) => x.userId === u))
        // Removing everything one person did removes them, and nobody else.
        for (const u of audience) {
          const without = outcomeAudience(
            p,
            people.filter((x) => x.userId !== u),
            e,
          )
          assert.deepEqual(
            without,
            audience.filter((x) => x !== u),
          )
        }
      },
    ),
  )
})

test('property: the audience (each chain traced once per signature) equals tracing every contribution', () => {
  const p = picture()
  const contribution = fc.oneof(
    fc.record({
      kind: fc.constant('response' as const),
      id: fc.nat(),
      themeSlugs: fc.array(fc.constantFrom('employment-and-skills', 'place-and-delivery', 'x', 'a,b', ''), {
        maxLength: 4,
      }),
      itemRefs: fc.array(fc.constantFrom('answer:7', 'answer:8', 'answer:9', 'answer:10', 'answer:11'), {
        maxLength: 4,
      }),
    }),
    fc.record({
      kind: fc.constant('idea' as const),
      id: fc.integer({ min: -3, max: 12 }),
      themeId: fc.constantFrom(1, 2, 3),
    }),
    fc.record({ kind: fc.constant('vote' as const), roundId: fc.constantFrom(5, 6, 7) }),
  )
  const event = fc.oneof(
    fc.record({ kind: fc.constant('round_decided' as const), ref: fc.constantFrom(5, 6) }),
    fc.record({ kind: fc.constant('process_awarded' as const), ref: fc.constantFrom(70, 71) }),
    fc.record({ kind: fc.constant('service_progress' as const), ref: fc.constantFrom(80) }),
  )
  fc.assert(
    fc.property(
      fc.array(fc.record({ userId: fc.integer({ min: 1, max: 8 }), contribution }), { maxLength: 20 }),
      event,
      (people, e) => {
        const reference = [
          ...new Set(
            people
              .filter((x) => chainReaches(traceContribution(p, x.contribution), x.contribution, e))
              .map((x) => x.userId),
          ),
        ].sort((a, b) => a - b)
        assert.deepEqual(outcomeAudience(p, people, e), reference)
      },
    ),
  )
})

test('property: a response reaches an event exactly when one of its atoms (a theme, a coded or cited answer) does', () => {
  const p = picture()
  const response = fc.record({
    kind: fc.constant('response' as const),
    id: fc.nat(),
    themeSlugs: fc.array(fc.constantFrom('employment-and-skills', 'place-and-delivery', 'x', ''), { maxLength: 4 }),
    itemRefs: fc.array(fc.constantFrom('answer:7', 'answer:8', 'answer:9', 'answer:10', 'answer:11'), {
      maxLength: 4,
    }),
  })
  const event = fc.oneof(
    fc.record({ kind: fc.constant('round_decided' as const), ref: fc.constantFrom(5, 6) }),
    fc.record({ kind: fc.constant('process_awarded' as const), ref: fc.constantFrom(70, 71) }),
    fc.record({ kind: fc.constant('service_progress' as const), ref: fc.constantFrom(80, 81) }),
  )
  fc.assert(
    fc.property(response, event, (c, e) => {
      const atoms = reachingAtoms(p, e)
      const byAtoms =
        c.themeSlugs.some((s) => atoms.slugs.includes(s)) ||
        c.itemRefs.some((r) => atoms.answerIds.includes(Number(r.slice('answer:'.length))))
      assert.equal(byAtoms, chainReaches(traceContribution(p, c), c, e))
    }),
  )
})
