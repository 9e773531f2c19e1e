import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { findWardByCode } from '../../platform/tenancy/index.js'
import { testDatabases } from '../../../test/support/databases.js'
import { Client, createUser, NORBITON, OTHER_WARD, startTestApp, type TestApp } from '../../../test/support/test-app.js'
import { seedEngagement } from '../engagement/index.js'
import { proposeThemes } from './analysis.js'
import { listCandidates, listCodings, listFrame, listNeeds, listTexts } from './understanding.repository.js'
import { seedUnderstandingDemo } from './understanding.seed.js'
import { loadWorkspace } from './understanding.service.js'

for (const kind of await testDatabases()) {
  describe(`understanding on ${kind.dialect}`, () => {
    let t: TestApp
    let wardId: number
    let officer: Client
    let outsider: Client
    const base = `/wards/${NORBITON}/understanding`

    async function clientFor(userId: number): Promise<Client> {
      const c = new Client(t)
      const { cookieValue } = await t.sessions.store.create({ userId, mfaVerified: true })
      c.cookies.set('wt_session', cookieValue)
      return c
    }
    const count = async (table: 'understanding_coding' | 'understanding_theme' | 'understanding_need') =>
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
      await seedEngagement(t.testDb.db, t.tenant, wardId, { demo: false })
      const o = await createUser(t, { role: 'officer', demo: true })
      const o2 = await createUser(t, { role: 'officer', demo: true })
      const db = t.testDb.db
      const emailOf = async (id: number) =>
        (await db.selectFrom('accounts_user').select('email').where('id', '=', id).executeTakeFirstOrThrow()).email
      const seeded = await seedUnderstandingDemo(db, {
        wardId,
        officerEmail: await emailOf(o.id),
        secondCoderEmail: await emailOf(o2.id),
      })
      assert.ok(seeded.texts > 200 && seeded.coded > 100)
      // A second run adds nothing.
      assert.equal((await seedUnderstandingDemo(db, { wardId, officerEmail: '', secondCoderEmail: '' })).texts, 0)
      officer = await clientFor(o.id)
      outsider = await clientFor((await createUser(t, { role: 'officer', ward: OTHER_WARD, demo: true })).id)
    })
    after(async () => t.stop())

    test('the frame starts from the ward themes; an officer of another ward is refused', async () => {
      const frame = await listFrame(t.testDb.db, wardId)
      assert.equal(frame.filter((f) => f.engagementThemeId !== null).length, 4)
      assert.equal((await officer.get(`${base}/frame`)).statusCode, 200)
      assert.equal((await outsider.get(`${base}/frame`)).statusCode, 403)
      assert.equal((await outsider.get(`${base}/queue`)).statusCode, 403)
    })

    test('add, edit, merge and split keep history; invalid input writes nothing', async () => {
      await officer.get(`${base}/frame`)
      const before = await count('understanding_theme')
      const bad = await officer.post(`${base}/frame`, { name: '', definition: '' })
      assert.equal(bad.statusCode, 400)
      assert.match(bad.body, /govuk-error-summary/)
      assert.equal(await count('understanding_theme'), before)
      const parent = (await listFrame(t.testDb.db, wardId))[0]!
      const ok = await officer.post(`${base}/frame`, {
        name: 'Jobs club',
        definition: 'Help finding work in a group',
        examples: 'CV help',
        parentId: String(parent.id),
      })
      assert.equal(ok.statusCode, 303)
      const made = (await listFrame(t.testDb.db, wardId)).find((f) => f.name === 'Jobs club')!
      assert.equal(made.parentId, parent.id)
      await officer.get(`${base}/frame/${made.id}`)
      assert.equal((await officer.post(`${base}/frame/${made.id}/merge`, { targetId: '' })).statusCode, 400)
      assert.equal(
        (await officer.post(`${base}/frame/${made.id}/merge`, { targetId: String(parent.id) })).statusCode,
        303,
      )
      const after = await listFrame(t.testDb.db, wardId)
      assert.equal(after.find((f) => f.id === made.id)!.status, 'merged')
      const page = await officer.get(`${base}/frame/${made.id}`)
      assert.match(page.body, /Merged/)
      // Split a fresh theme into two.
      await officer.post(`${base}/frame`, { name: 'Parks', definition: 'Green spaces' })
      const parks = (await listFrame(t.testDb.db, wardId)).find((f) => f.name === 'Parks')!
      await officer.get(`${base}/frame/${parks.id}`)
      assert.equal((await officer.post(`${base}/frame/${parks.id}/split`, { nameA: 'Play areas' })).statusCode, 400)
      assert.equal(
        (await officer.post(`${base}/frame/${parks.id}/split`, { nameA: 'Play areas', nameB: 'Trees' })).statusCode,
        303,
      )
      const split = (await listFrame(t.testDb.db, wardId)).find((f) => f.id === parks.id)!
      assert.equal(split.status, 'split')
      assert.equal(split.replacedBy.length, 2)
    })

    test('the queue shows one text, refuses an empty choice, and saves and moves on', async () => {
      const page = await officer.get(`${base}/queue`)
      assert.equal(page.statusCode, 200)
      const ref = /name="itemRef" value="([^"]+)"/.exec(page.body)![1]!
      const before = await count('understanding_coding')
      const bad = await officer.post(`${base}/queue`, { itemRef: ref })
      assert.equal(bad.statusCode, 400)
      assert.match(bad.body, /govuk-error-summary/)
      assert.equal(await count('understanding_coding'), before)
      const theme = (await listFrame(t.testDb.db, wardId)).find((f) => f.status === 'active')!
      const ok = await officer.post(`${base}/queue`, { itemRef: ref, themes: [String(theme.id)] })
      assert.equal(ok.statusCode, 303)
      assert.equal(await count('understanding_coding'), before + 1)
      const next = await officer.get(`${base}/queue`)
      assert.notEqual(/name="itemRef" value="([^"]+)"/.exec(next.body)![1], ref)
    })

    test('suggestions: trained on the coded answers, explained, with held-out precision and recall shown', async (ctx) => {
      await officer.get(base)
      assert.equal((await officer.post(`${base}/model`)).statusCode, 303)
      const row = await t.testDb.db.selectFrom('understanding_model').selectAll().executeTakeFirstOrThrow()
      const evaluation = JSON.parse(row.evaluation_json) as { micro: { precision: number; recall: number } }
      ctx.diagnostic(
        `demo set (synthetic): held-out precision ${evaluation.micro.precision.toFixed(3)}, recall ${evaluation.micro.recall.toFixed(3)} on ${row.held_out} answers`,
      )
      const overview = await officer.get(base)
      assert.match(overview.body, /id="micro"/)
      const sug = await officer.get(`${base}/suggestions`)
      assert.equal(sug.statusCode, 200)
      assert.match(sug.body, /%/)
      // Kappa per theme from the double-coded sample.
      assert.match(overview.body, /Cohen/)
    })

    test('emerging themes: deterministic, non-English routed to a translator, accept creates a theme', async () => {
      const w = await loadWorkspace(t.testDb.db, wardId)
      const pool = w.items.filter((i) => i.language.language !== 'other').slice(0, 120)
      assert.deepEqual(proposeThemes(pool, 5), proposeThemes([...pool].reverse(), 5))
      await officer.get(`${base}/emerging`)
      assert.equal((await officer.post(`${base}/emerging`)).statusCode, 303)
      const page = await officer.get(`${base}/emerging`)
      assert.match(page.body, /نحتاج/)
      const open = (await listCandidates(t.testDb.db, wardId)).filter((c) => c.status === 'open')
      assert.ok(open.length >= 2)
      const texts = await listTexts(t.testDb.db, wardId)
      const arabic = texts.find((x) => x.body.startsWith('نحتاج'))!
      assert.ok(open.every((c) => !c.itemRefs.includes(`text:${arabic.id}`)))
      const before = await count('understanding_theme')
      assert.equal((await officer.post(`${base}/emerging/${open[0]!.id}`, { decision: 'accept' })).statusCode, 400)
      assert.equal(await count('understanding_theme'), before)
      assert.equal(
        (await officer.post(`${base}/emerging/${open[0]!.id}`, { decision: 'accept', name: 'Health services' }))
          .statusCode,
        303,
      )
      assert.ok((await listFrame(t.testDb.db, wardId)).some((f) => f.name === 'Health services'))
      assert.equal((await officer.post(`${base}/emerging/${open[1]!.id}`, { decision: 'dismiss' })).statusCode, 303)
    })

    test('needs: written, evidenced by coded answers, counts suppressed below 5', async () => {
      await officer.get(`${base}/needs`)
      assert.equal((await officer.post(`${base}/needs`, { statement: '' })).statusCode, 400)
      assert.equal(await count('understanding_need'), 0)
      const theme = (await listFrame(t.testDb.db, wardId)).find((f) => f.engagementThemeId !== null)!
      const made = await officer.post(`${base}/needs`, { statement: 'Affordable childcare', themeId: String(theme.id) })
      assert.equal(made.statusCode, 303)
      const need = (await listNeeds(t.testDb.db, wardId))[0]!
      const page = await officer.get(`${base}/needs/${need.id}`)
      const refs = [...page.body.matchAll(/name="refs"[^>]*value="([^"]+)"/g)].map((m) => m[1]!).slice(0, 3)
      assert.equal(refs.length, 3)
      const coded = new Set((await listCodings(t.testDb.db, wardId)).map((c) => c.itemRef))
      assert.ok(refs.every((r) => coded.has(r)))
      assert.equal((await officer.post(`${base}/needs/${need.id}/evidence`, { refs })).statusCode, 303)
      const shown = await officer.get(`${base}/needs/${need.id}`)
      assert.match(shown.body, /fewer than 5/)
      assert.equal((await outsider.get(`${base}/needs/${need.id}`)).statusCode, 403)
    })
  })
}
