import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { testDatabases } from '../../../test/support/databases.js'
import { Client, createUser, NORBITON, OTHER_WARD, startTestApp, type TestApp } from '../../../test/support/test-app.js'
import { tallyCommand } from '../../cli/commands/tally.js'
import { findWardByCode } from '../../platform/tenancy/index.js'
import { checkBallot, discloseCount, rulesFor, type RoundRules } from './ballot.rules.js'
import { countPabulib } from './prioritisation.count.js'

const approval: RoundRules = {
  ballotType: 'approval',
  ruleId: 'greedy',
  budgetPence: 10_000,
  minChoices: 1,
  maxChoices: 2,
  rankK: 0,
  pointsTotal: 0,
  minVotes: null,
}
const opts = [
  { id: 1, costPence: 6000 },
  { id: 2, costPence: 5000 },
  { id: 3, costPence: 3000 },
]

describe('ballot rules', () => {
  test('approval limits, basket budget, rankings and points are checked exactly', () => {
    assert.equal(checkBallot(approval, opts, { kind: 'set', ids: [1, 2] }), undefined)
    assert.deepEqual(checkBallot(approval, opts, { kind: 'set', ids: [] }), { code: 'none' })
    assert.deepEqual(checkBallot(approval, opts, { kind: 'set', ids: [1, 2, 3] }), { code: 'tooMany', max: 2 })
    assert.deepEqual(checkBallot(approval, opts, { kind: 'set', ids: [9] }), { code: 'unknownOption' })
    const basket = { ...approval, ballotType: 'basket' as const, maxChoices: 0 }
    assert.equal(checkBallot(basket, opts, { kind: 'set', ids: [1, 3] }), undefined)
    assert.deepEqual(checkBallot(basket, opts, { kind: 'set', ids: [1, 2] }), {
      code: 'overBudget',
      totalPence: 11_000,
      budgetPence: 10_000,
    })
    const ranking = { ...approval, ballotType: 'ranking' as const, rankK: 2 }
    assert.deepEqual(checkBallot(ranking, opts, { kind: 'ranking', ids: [1, 1] }), { code: 'duplicateRank' })
    assert.deepEqual(checkBallot(ranking, opts, { kind: 'ranking', ids: [1, 2, 3] }), { code: 'tooMany', max: 2 })
    const points = { ...approval, ballotType: 'cumulative' as const, pointsTotal: 10 }
    assert.equal(
      checkBallot(points, opts, {
        kind: 'points',
        points: [
          [1, 7],
          [2, 3],
        ],
      }),
      undefined,
    )
    assert.deepEqual(
      checkBallot(points, opts, {
        kind: 'points',
        points: [
          [1, 8],
          [2, 3],
        ],
      }),
      {
        code: 'tooManyPoints',
        total: 11,
        max: 10,
      },
    )
  })

  test('disclosure control hides counts under 10 and rounds the rest to 5', () => {
    assert.equal(discloseCount(0), null)
    assert.equal(discloseCount(9), null)
    assert.equal(discloseCount(10), 10)
    assert.equal(discloseCount(12), 10)
    assert.equal(discloseCount(13), 15)
  })

  test('Phragmén is offered for approval and basket ballots only', () => {
    assert.ok(rulesFor('basket').includes('phragmen'))
    assert.ok(!rulesFor('ranking').includes('phragmen'))
  })
})

for (const kind of await testDatabases()) {
  describe(`priority rounds on ${kind.dialect}`, () => {
    let t: TestApp
    let officer: Client
    const manage = `/wards/${NORBITON}/priorities/manage`
    const pub = `/wards/${NORBITON}/priorities`

    async function clientFor(userId: number): Promise<Client> {
      const c = new Client(t)
      const { cookieValue } = await t.sessions.store.create({ userId, mfaVerified: true })
      c.cookies.set('wt_session', cookieValue)
      return c
    }
    const count = async (
      table: 'prioritisation_round' | 'prioritisation_option' | 'prioritisation_ballot' | 'prioritisation_voted',
    ) =>
      Number(
        (
          await t.testDb.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      )
    const ballotsOf = async (roundId: number) =>
      t.testDb.db.selectFrom('prioritisation_ballot').selectAll().where('round_id', '=', roundId).execute()

    /** Creates a round through the officer's forms, adds the options and opens it; returns its id and options. */
    async function openRound(
      form: Record<string, string>,
      costs: string[],
    ): Promise<{ id: number; options: number[] }> {
      await officer.get(`${manage}/new`)
      const created = await officer.post(`${manage}/new`, {
        title: 'Test round',
        description: '',
        budget: '100',
        ballotType: 'approval',
        ruleId: 'greedy',
        minChoices: '1',
        maxChoices: '0',
        rankK: '0',
        pointsTotal: '0',
        minVotes: '',
        minAge: '0',
        ...form,
      })
      assert.equal(created.statusCode, 303, created.body)
      const id = Number(/\/(\d+)$/.exec(created.headers.location as string)![1])
      for (const [i, cost] of costs.entries()) {
        const r = await officer.post(`${manage}/${id}/options`, {
          title: `Option ${i + 1}`,
          theme: 'place-and-delivery',
          place: 'Norbiton',
          cost,
        })
        assert.equal(r.statusCode, 303, r.body)
      }
      assert.equal((await officer.post(`${manage}/${id}/open`)).statusCode, 303)
      const options = (
        await t.testDb.db
          .selectFrom('prioritisation_option')
          .select('id')
          .where('round_id', '=', id)
          .orderBy('id')
          .execute()
      ).map((o) => Number(o.id))
      return { id, options }
    }

    before(async () => {
      t = await startTestApp(kind, { DEMO_MODE: 'true' })
      officer = await clientFor((await createUser(t, { role: 'officer', demo: true })).id)
    })
    after(async () => t.stop())

    test('an invalid round form answers 400 with the error summary, keeps values and writes nothing', async () => {
      await officer.get(`${manage}/new`)
      const before = await count('prioritisation_round')
      const r = await officer.post(`${manage}/new`, {
        title: 'Kept title',
        budget: 'lots',
        ballotType: 'ranking',
        ruleId: 'phragmen',
        rankK: '3',
      })
      assert.equal(r.statusCode, 400)
      assert.match(r.body, /govuk-error-summary/)
      assert.match(r.body, /Enter the budget in pounds/)
      assert.match(r.body, /value="Kept title"/)
      assert.equal(await count('prioritisation_round'), before)
    })

    test('the rules are frozen once voting opens: settings and options cannot change', async () => {
      const { id } = await openRound({ ruleId: 'mes' }, ['30', '50'])
      await officer.get(`${manage}/${id}`)
      const r = await officer.post(`${manage}/${id}/settings`, {
        title: 'Changed',
        budget: '100',
        ballotType: 'approval',
        ruleId: 'greedy',
        minChoices: '1',
        maxChoices: '0',
        rankK: '0',
        pointsTotal: '0',
        minAge: '0',
      })
      assert.equal(r.statusCode, 409)
      const o = await officer.post(`${manage}/${id}/options`, { title: 'Late', theme: 'financial-support', cost: '1' })
      assert.equal(o.statusCode, 409)
      const row = await t.testDb.db
        .selectFrom('prioritisation_round')
        .select(['rule_id', 'title'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
      assert.deepEqual([row.rule_id, row.title], ['mes', 'Test round'])
      assert.equal(
        (await t.testDb.db.selectFrom('prioritisation_option').select('id').where('round_id', '=', id).execute())
          .length,
        2,
      )
    })

    test('50 simultaneous identical ballots store exactly one ballot and one register row', async () => {
      const { id, options } = await openRound({}, ['30', '50'])
      const voter = await createUser(t)
      const c = await clientFor(voter.id)
      await c.get(`${pub}/${id}/vote`)
      const replies = await Promise.all(
        Array.from({ length: 50 }, () =>
          c.post(`${pub}/${id}/vote`, { options: [String(options[0])], action: 'submit' }),
        ),
      )
      assert.ok(
        replies.every((r) => r.statusCode === 303 || r.statusCode === 409),
        replies.map((r) => r.statusCode).join(),
      )
      assert.equal(replies.filter((r) => r.statusCode === 303).length, 1)
      assert.equal((await ballotsOf(id)).length, 1)
      const register = await t.testDb.db
        .selectFrom('prioritisation_voted')
        .selectAll()
        .where('round_id', '=', id)
        .execute()
      assert.equal(register.length, 1)
      // The ballot row carries nothing that names or dates the voter.
      const [ballot] = await ballotsOf(id)
      assert.deepEqual(Object.keys(ballot!).sort(), ['choices_json', 'id', 'replace_hash', 'round_id'])
      assert.equal(ballot!.replace_hash, null)
    })

    test('50 simultaneous ballots in a round that allows changes still leave one ballot; a change replaces it', async () => {
      const { id, options } = await openRound({ allowChange: 'yes' }, ['30', '50'])
      const voter = await createUser(t)
      const c = await clientFor(voter.id)
      await c.get(`${pub}/${id}/vote`)
      const replies = await Promise.all(
        Array.from({ length: 50 }, () =>
          c.post(`${pub}/${id}/vote`, { options: [String(options[0])], action: 'submit' }),
        ),
      )
      assert.ok(replies.every((r) => r.statusCode === 303))
      assert.equal((await ballotsOf(id)).length, 1)
      const changed = await c.post(`${pub}/${id}/vote`, { options: [String(options[1])], action: 'submit' })
      assert.equal(changed.statusCode, 303)
      const ballots = await ballotsOf(id)
      assert.equal(ballots.length, 1)
      assert.deepEqual(JSON.parse(ballots[0]!.choices_json), { kind: 'set', ids: [options[1]] })
      const reg = await t.testDb.db
        .selectFrom('prioritisation_voted')
        .select('token_hash')
        .where('round_id', '=', id)
        .executeTakeFirstOrThrow()
      // The register's token hash is not the ballot's key: the two can be joined only with the app's secret.
      assert.ok(reg.token_hash && reg.token_hash !== ballots[0]!.replace_hash)
    })

    test('only residents of the ward vote; an over-budget basket or a missing declaration is refused with nothing written', async () => {
      const { id, options } = await openRound(
        { ballotType: 'basket', minChoices: '1', maxChoices: '0', minAge: '16' },
        ['60', '50', '30'],
      )
      const outsider = await createUser(t)
      const other = await findWardByCode(t.testDb.db, OTHER_WARD)
      await t.testDb.db
        .updateTable('accounts_user')
        .set({ home_ward_id: other!.id })
        .where('id', '=', outsider.id)
        .execute()
      const oc = await clientFor(outsider.id)
      assert.equal((await oc.get(`${pub}/${id}/vote`)).statusCode, 403)

      const voter = await createUser(t)
      const c = await clientFor(voter.id)
      const page = await c.get(`${pub}/${id}/vote`)
      assert.equal(page.statusCode, 200)
      const check = await c.post(`${pub}/${id}/vote`, {
        options: [String(options[0]), String(options[1])],
        action: 'check',
      })
      assert.equal(check.statusCode, 200)
      assert.match(check.body, /£110/)
      const over = await c.post(`${pub}/${id}/vote`, {
        options: [String(options[0]), String(options[1])],
        declaration: 'yes',
        action: 'submit',
      })
      assert.equal(over.statusCode, 400)
      assert.match(over.body, /more than the budget/)
      const noDecl = await c.post(`${pub}/${id}/vote`, { options: [String(options[0])], action: 'submit' })
      assert.equal(noDecl.statusCode, 400)
      assert.match(noDecl.body, /16 or over/)
      assert.equal((await ballotsOf(id)).length, 0)
      const ok = await c.post(`${pub}/${id}/vote`, {
        options: [String(options[0]), String(options[2])],
        declaration: 'yes',
        action: 'submit',
      })
      assert.equal(ok.statusCode, 303)
      assert.equal((await ballotsOf(id)).length, 1)
    })

    test('paper ballots: someone who voted online is refused, a new paper voter counts once', async () => {
      const { id, options } = await openRound({}, ['30', '50'])
      const online = await createUser(t)
      const c = await clientFor(online.id)
      await c.get(`${pub}/${id}/vote`)
      assert.equal(
        (await c.post(`${pub}/${id}/vote`, { options: [String(options[0])], action: 'submit' })).statusCode,
        303,
      )
      await officer.get(`${manage}/${id}/paper`)
      const dup = await officer.post(`${manage}/${id}/paper`, {
        voterEmail: online.email,
        options: [String(options[1])],
        action: 'submit',
      })
      assert.equal(dup.statusCode, 409)
      assert.match(dup.body, /already voted/)
      const paper = {
        voterName: 'Pat Paper',
        voterPostcode: 'kt2 7aa',
        options: [String(options[1])],
        action: 'submit',
      }
      assert.equal((await officer.post(`${manage}/${id}/paper`, paper)).statusCode, 303)
      await officer.get(`${manage}/${id}/paper`)
      const again = await officer.post(`${manage}/${id}/paper`, {
        ...paper,
        voterName: ' pat  PAPER ',
        voterPostcode: 'KT27AA',
      })
      assert.equal(again.statusCode, 409)
      assert.equal((await ballotsOf(id)).length, 2)
    })

    test('closing counts with the frozen rule; the results page, the API and the .pb file agree with together tally', async () => {
      const { id, options } = await openRound({ ruleId: 'mes', budget: '100' }, ['60', '50', '30', '20'])
      const patterns = [[0], [0, 2], [1], [1, 3], [2, 3], [0, 3], [1, 2], [0], [3], [2], [0, 1], [1]]
      for (const p of patterns) {
        const u = await createUser(t)
        const c = await clientFor(u.id)
        await c.get(`${pub}/${id}/vote`)
        const r = await c.post(`${pub}/${id}/vote`, { options: p.map((i) => String(options[i])), action: 'submit' })
        assert.equal(r.statusCode, 303)
      }
      await officer.get(`${manage}/${id}`)
      const closed = await officer.post(`${manage}/${id}/close`)
      assert.equal(closed.statusCode, 303)
      const page = await officer.get(`${pub}/${id}/results`)
      assert.equal(page.statusCode, 200)
      assert.match(page.body, /Method of Equal Shares/)
      assert.match(page.body, /Option 1/)
      assert.match(page.body, />10</) // 12 ballots, rounded to the nearest 5
      const api = await t.app.inject({ url: `/api/v1/wards/${NORBITON}/rounds/${id}/results` })
      assert.equal(api.statusCode, 200)
      const json = api.json<{ selected: string[]; turnout: number; options: { explanation: { message: string } }[] }>()
      assert.equal(json.turnout, 10)
      assert.ok(json.options.every((o) => o.explanation.message.length > 0))
      const pb = await t.app.inject({ url: `${pub}/${id}/ballots.pb` })
      assert.equal(pb.statusCode, 200)
      assert.match(pb.body, /^META\n/)
      assert.doesNotMatch(pb.body, /test\.example|Test Person/)
      assert.deepEqual(countPabulib(pb.body, 'mes').selected, json.selected)
      const dir = mkdtempSync(path.join(tmpdir(), 'wt-pb-'))
      try {
        const file = path.join(dir, 'round.pb')
        writeFileSync(file, pb.body)
        let out = ''
        const code = await tallyCommand([file, '--rule', 'mes', '--json'], {
          stdout: (s) => (out += s),
          stderr: () => undefined,
        })
        assert.equal(code, 0)
        assert.deepEqual((JSON.parse(out) as { selected: string[] }).selected, json.selected)
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
      const openapi = (await t.app.inject({ url: '/api/v1/openapi.json' })).json<{ paths: Record<string, unknown> }>()
      assert.ok(openapi.paths['/api/v1/wards/{wardCode}/rounds/{roundId}/results'])
      // Voting after the close is refused.
      const late = await createUser(t)
      const lc = await clientFor(late.id)
      assert.equal((await lc.get(`${pub}/${id}/vote`)).statusCode, 403)
    })

    test('a count cut short by a stop is done when the app starts again; one that cannot be done opens its round again, ballots kept', async () => {
      const round = (id: number) =>
        t.testDb.db
          .selectFrom('prioritisation_round')
          .select(['status', 'closed_at', 'ballots_pb', 'result_json'])
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
      const closeWithVotes = async (patterns: number[][]) => {
        const { id, options } = await openRound({ ruleId: 'mes', budget: '100' }, ['60', '50', '30'])
        for (const p of patterns) {
          const c = await clientFor((await createUser(t)).id)
          await c.get(`${pub}/${id}/vote`)
          const r = await c.post(`${pub}/${id}/vote`, { options: p.map((i) => String(options[i])), action: 'submit' })
          assert.equal(r.statusCode, 303)
        }
        await officer.get(`${manage}/${id}`)
        assert.equal((await officer.post(`${manage}/${id}/close`)).statusCode, 303)
        return id
      }
      // As if the process had stopped while counting: the close and the published file are committed, the
      // result is not. Until it is counted the results page says so, the API answers 409, there is no file.
      const cut = await closeWithVotes([[0], [1, 2], [0, 2]])
      const counted = (await round(cut)).result_json
      assert.ok(counted)
      await t.testDb.db.updateTable('prioritisation_round').set({ result_json: null }).where('id', '=', cut).execute()
      const counting = await officer.get(`${pub}/${cut}/results`)
      assert.equal(counting.statusCode, 200)
      assert.match(counting.body, /The votes are being counted/)
      const api = await t.app.inject({ url: `/api/v1/wards/${NORBITON}/rounds/${cut}/results` })
      assert.equal(api.statusCode, 409)
      assert.equal(api.headers['retry-after'], '5')
      assert.equal(api.json<{ error: string }>().error, 'counting')
      assert.equal((await t.app.inject({ url: `${pub}/${cut}/ballots.pb` })).statusCode, 404)
      // A file that cannot be counted (the app never writes one; made up here) opens its round again.
      const broken = await closeWithVotes([[0], [1]])
      await t.testDb.db
        .updateTable('prioritisation_round')
        .set({ result_json: null, ballots_pb: 'META\nkey;value\n' })
        .where('id', '=', broken)
        .execute()
      const restarted = await startTestApp(kind, {}, t.testDb)
      try {
        const again = await round(cut)
        assert.equal(again.status, 'closed')
        assert.deepEqual(JSON.parse(again.result_json ?? 'null'), JSON.parse(counted))
        assert.equal((await officer.get(`${pub}/${cut}/results`)).statusCode, 200)
        const reopened = await round(broken)
        assert.equal(reopened.status, 'open')
        assert.equal(reopened.closed_at, null)
        assert.equal(reopened.ballots_pb, null)
        assert.equal((await ballotsOf(broken)).length, 2)
        // Closed again, it is counted from its ballots as they were.
        await officer.get(`${manage}/${broken}`)
        assert.equal((await officer.post(`${manage}/${broken}/close`)).statusCode, 303)
        assert.ok((await round(broken)).result_json)
      } finally {
        await restarted.stop()
      }
    })

    test('a count that fails at the close opens the round again with every ballot, and says so', async () => {
      // One voter of ten wants an option that needs 400,000 add1 steps of £1 each: more than MES allows.
      const { id, options } = await openRound({ ruleId: 'mes', budget: '1000000', maxChoices: '2' }, ['500000', '1'])
      for (let voter = 0; voter < 10; voter++) {
        const c = await clientFor((await createUser(t)).id)
        await c.get(`${pub}/${id}/vote`)
        const chosen = voter === 0 ? options : options.slice(1)
        const r = await c.post(`${pub}/${id}/vote`, { options: chosen.map(String), action: 'submit' })
        assert.equal(r.statusCode, 303)
      }
      await officer.get(`${manage}/${id}`)
      const closed = await officer.post(`${manage}/${id}/close`)
      assert.equal(closed.statusCode, 500)
      assert.match(closed.body, /govuk-warning-text/)
      assert.match(closed.body, /The votes could not be counted, so the round is open again/)
      const row = await t.testDb.db
        .selectFrom('prioritisation_round')
        .select(['status', 'ballots_pb', 'result_json'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
      assert.deepEqual(row, { status: 'open', ballots_pb: null, result_json: null })
      assert.equal((await ballotsOf(id)).length, 10)
    })

    for (const ballotType of ['ranking', 'cumulative'] as const) {
      test(`${ballotType} ballots: counted, published and re-counted to the same result`, async () => {
        const { id, options } = await openRound(
          { ballotType, ruleId: 'mes', budget: '100', rankK: '2', pointsTotal: '5' },
          ['60', '50', '30'],
        )
        for (let v = 0; v < 10; v++) {
          const u = await createUser(t)
          const c = await clientFor(u.id)
          await c.get(`${pub}/${id}/vote`)
          const [a, b] = [options[v % 3]!, options[(v + 1) % 3]!]
          const form: Record<string, string> =
            ballotType === 'ranking'
              ? { rank_1: String(a), rank_2: String(b) }
              : { [`points_${a}`]: '3', [`points_${b}`]: '2' }
          assert.equal((await c.post(`${pub}/${id}/vote`, { ...form, action: 'submit' })).statusCode, 303)
        }
        await officer.get(`${manage}/${id}`)
        assert.equal((await officer.post(`${manage}/${id}/close`)).statusCode, 303)
        const api = (await t.app.inject({ url: `/api/v1/wards/${NORBITON}/rounds/${id}/results` })).json<{
          selected: string[]
        }>()
        const pb = await t.app.inject({ url: `${pub}/${id}/ballots.pb` })
        assert.match(pb.body, ballotType === 'ranking' ? /vote_type;ordinal/ : /vote_type;cumulative/)
        assert.deepEqual(countPabulib(pb.body, 'mes').selected, api.selected)
        assert.ok(api.selected.length > 0)
      })
    }

    test('fewer than 10 ballots: turnout hidden and no file published', async () => {
      const { id, options } = await openRound({}, ['30'])
      const u = await createUser(t)
      const c = await clientFor(u.id)
      await c.get(`${pub}/${id}/vote`)
      await c.post(`${pub}/${id}/vote`, { options: [String(options[0])], action: 'submit' })
      await officer.get(`${manage}/${id}`)
      assert.equal((await officer.post(`${manage}/${id}/close`)).statusCode, 303)
      const page = await t.app.inject({ url: `${pub}/${id}/results` })
      assert.match(page.body, /Fewer than 10/)
      assert.equal((await t.app.inject({ url: `${pub}/${id}/ballots.pb` })).statusCode, 404)
    })
  })
}
