import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { testDatabases } from '../../../test/support/databases.js'
import { createUser, NORBITON, startTestApp, type TestApp } from '../../../test/support/test-app.js'
import { findWardByCode } from '../../platform/tenancy/index.js'
import { compileProblem, drawPanel, type Instance, type PanelDistribution, type Quota } from './selection/index.js'
import { probabilitiesHash } from './panel.rules.js'
import { findMemberByUser, latestRun, listMembers } from './panel.repository.js'
import { DEMO_POOL_SIZE, demoSeed, seedPanelDemo, type PanelDemoOptions } from './panel.seed.js'

for (const kind of await testDatabases()) {
  describe(`demo panel seed on ${kind.dialect}`, () => {
    let t: TestApp
    let wardId = 0
    let panelUserId = 0
    let opts: PanelDemoOptions
    const granted: number[] = []
    const count = async (table: 'panel_volunteer' | 'panel_settings' | 'panel_run' | 'panel_member' | 'audit_event') =>
      Number(
        (
          await t.testDb.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      )

    before(async () => {
      t = await startTestApp(kind, { DEMO_MODE: 'true' })
      wardId = (await findWardByCode(t.testDb.db, NORBITON))!.id
      const panel = await createUser(t, { role: 'panel_member', postcode: 'KT2 7AA', demo: true })
      const officer = await createUser(t, { role: 'officer', demo: true })
      panelUserId = panel.id
      opts = {
        wardId,
        panelEmail: panel.email,
        officerEmail: officer.email,
        audit: t.audit,
        grantPanelRole: async (userId) => {
          granted.push(userId)
        },
        legacyRuns: 200,
      }
    })
    after(async () => t.stop())

    test('the demo account volunteers, is drawn with the first demo seed that draws it, and accepts', async () => {
      const result = await seedPanelDemo(t.testDb.db, opts)
      assert.ok(result.seeded, JSON.stringify(result))
      assert.equal(result.seed, demoSeed(result.tries))
      assert.equal(await count('panel_volunteer'), DEMO_POOL_SIZE)
      const member = await findMemberByUser(t.testDb.db, wardId, panelUserId)
      assert.equal(member?.status, 'accepted', 'commissioning lets an accepted member score')
      assert.deepEqual(granted, [panelUserId], 'accepting went through the service, which grants the role')
      const own = await t.testDb.db
        .selectFrom('panel_volunteer')
        .selectAll()
        .where('user_id', '=', panelUserId)
        .executeTakeFirstOrThrow()
      assert.equal(own.source, 'self')
      assert.ok(own.consent_at)

      // Realistic answers: some accepted, one declined (and replaced), some still invited.
      const members = await listMembers(t.testDb.db, wardId)
      const by = (s: string) => members.filter((m) => m.status === s).length
      assert.equal(by('accepted'), 7)
      assert.equal(by('declined'), 1)
      assert.ok(by('invited') >= 4)

      // The first seed that draws the demo account, and none before it.
      const run = (await latestRun(t.testDb.db, wardId))!
      const instance = JSON.parse(run.instanceJson) as Instance
      const problem = compileProblem(instance, { households: run.onePerHousehold })
      const distribution = JSON.parse(run.distributionJson) as PanelDistribution
      const index = instance.respondents.findIndex((r) => r.id === member.pseudonym)
      for (let i = 1; i < result.tries; i++)
        assert.ok(!drawPanel(problem, distribution, demoSeed(i)).panel.includes(index), `seed ${i} draws it`)
      const redraw = drawPanel(problem, distribution, run.seed!).panel.map((a) => instance.respondents[a]!.id)
      assert.deepEqual(redraw, run.panel, 'the recorded seed reproduces the recorded panel')

      const events = await t.audit.list({ wardIds: 'all', limit: 100 })
      const note = events.find((e) => e.action === 'panel.demo.seed-chosen')
      assert.match(note?.detail ?? '', /Demo only/)
      assert.ok(events.some((e) => e.action === 'panel.draw.recorded'))
      assert.ok((await t.audit.verify()).ok, 'the audit chain still verifies')
    })

    test('the run re-checks: hash of the probabilities, k people in expectation, quotas from the Census', async () => {
      const run = (await latestRun(t.testDb.db, wardId))!
      assert.equal(run.k, 12)
      assert.equal(run.n, DEMO_POOL_SIZE)
      assert.equal(
        probabilitiesHash(
          run.probabilities.map(([id]) => id),
          run.probabilities.map(([, p]) => p),
        ),
        run.probabilitiesHash,
      )
      assert.ok(Math.abs(run.probabilities.reduce((s, [, p]) => s + p, 0) - run.k) < 1e-6)
      assert.ok(run.minProbability > 0)
      const quotas = (JSON.parse(run.instanceJson) as { quotas: Quota[] }).quotas
      const female = quotas.find((q) => q.category === 'sex' && q.value === 'female')!
      assert.ok(female.min > 0, 'quotas were suggested from the figures, not left open')
    })

    test('running the seed again adds nothing', async () => {
      const tables = ['panel_volunteer', 'panel_settings', 'panel_run', 'panel_member', 'audit_event'] as const
      const before = await Promise.all(tables.map(count))
      const again = await seedPanelDemo(t.testDb.db, opts)
      assert.deepEqual(again, { seeded: false, reason: 'exists' })
      assert.deepEqual(await Promise.all(tables.map(count)), before)
    })
  })
}
