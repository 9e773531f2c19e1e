import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { findWardByCode } from '../../platform/tenancy/index.js'
import { testDatabases } from '../../../test/support/databases.js'
import { Client, createUser, NORBITON, OTHER_WARD, startTestApp, type TestApp } from '../../../test/support/test-app.js'
import { seedEngagement } from '../engagement/index.js'
import { proposeThemes } from './analysis.js'
import {
  listCandidates,
  listCodings,
  listFrame,
  listNeeds,
  listStatements,
  listTexts,
  listVotes,
} from './understanding.repository.js'
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
      assert.ok(seeded.texts >= 110 && seeded.coded > 60)
      assert.ok(seeded.statements >= 10 && seeded.votes > 500)
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

    test('suggestions: trained on the coded answers, explained, measured by cross-validation on named data', async (ctx) => {
      await officer.get(base)
      assert.equal((await officer.post(`${base}/model`)).statusCode, 303)
      const row = await t.testDb.db.selectFrom('understanding_model').selectAll().executeTakeFirstOrThrow()
      const evaluation = JSON.parse(row.evaluation_json) as {
        micro: { precision: number; recall: number }
        examples: number
        folds: number
        data: { consultationAnswers: number; demoTexts: number; importedTexts: number }
      }
      // The figure itself is reported, not asserted: it describes the hand-written demo set only.
      ctx.diagnostic(
        `demo set (hand-written, ${evaluation.data.demoTexts} demo texts + ${evaluation.data.consultationAnswers} consultation answers): ` +
          `${evaluation.folds}-fold CV precision ${evaluation.micro.precision.toFixed(3)}, recall ${evaluation.micro.recall.toFixed(3)} on ${evaluation.examples} answers`,
      )
      assert.equal(evaluation.folds, 5)
      assert.equal(evaluation.examples, Number(row.trained_on))
      assert.equal(
        evaluation.data.demoTexts + evaluation.data.consultationAnswers + evaluation.data.importedTexts,
        evaluation.examples,
      )
      assert.ok(evaluation.data.demoTexts > 0)
      const overview = await officer.get(base)
      assert.match(overview.body, /id="micro"/)
      assert.match(overview.body, /5-fold cross-validation/)
      assert.match(overview.body, /demo texts written for this demonstration/)
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

    test('needs: written, evidenced by coded answers, counts disclosure-controlled, change over time', async () => {
      await officer.get(`${base}/needs`)
      // The demo seed writes three needs, each evidenced by coded demo answers.
      const seeded = await count('understanding_need')
      assert.equal(seeded, 3)
      const demoNeed = (await listNeeds(t.testDb.db, wardId))[0]!
      const demoPage = await officer.get(`${base}/needs/${demoNeed.id}`)
      assert.match(demoPage.body, /Change over time/)
      assert.equal((await officer.post(`${base}/needs`, { statement: '' })).statusCode, 400)
      assert.equal(await count('understanding_need'), seeded)
      const theme = (await listFrame(t.testDb.db, wardId)).find((f) => f.engagementThemeId !== null)!
      const made = await officer.post(`${base}/needs`, { statement: 'Affordable childcare', themeId: String(theme.id) })
      assert.equal(made.statusCode, 303)
      const need = (await listNeeds(t.testDb.db, wardId)).find((x) => x.statement === 'Affordable childcare')!
      const page = await officer.get(`${base}/needs/${need.id}`)
      const refs = [...page.body.matchAll(/name="refs"[^>]*value="([^"]+)"/g)].map((m) => m[1]!)
      assert.ok(refs.length >= 12)
      const coded = new Set((await listCodings(t.testDb.db, wardId)).map((c) => c.itemRef))
      assert.ok(refs.every((r) => coded.has(r)))
      assert.equal(
        (await officer.post(`${base}/needs/${need.id}/evidence`, { refs: refs.slice(0, 3) })).statusCode,
        303,
      )
      const few = await officer.get(`${base}/needs/${need.id}`)
      // Three answers: the count is hidden, never shown as 3.
      assert.match(few.body, /under 10 answers from under 10 people/)
      assert.match(few.body, /No priority round option has been made from this need yet/)
      await officer.post(`${base}/needs/${need.id}/evidence`, { refs: refs.slice(3, 12) })
      const api = await new Client(t).get(`/api/v1/wards/${NORBITON}/themes`)
      assert.equal(api.statusCode, 200)
      const body = JSON.parse(api.body) as {
        themes: { name: string; parent: string | null; responses: number | null }[]
        needs: {
          statement: string
          evidence: { responses: number | null; byQuarter: { responses: number | null }[] }
        }[]
      }
      const n = body.needs.find((x) => x.statement === 'Affordable childcare')!
      // Twelve linked answers are published rounded to 10 (disclosure control: under 10 hidden, others to 5).
      assert.equal(n.evidence.responses, 10)
      assert.ok(n.evidence.byQuarter.length >= 1)
      assert.equal((await outsider.get(`${base}/needs/${need.id}`)).statusCode, 403)
    })

    test('API: themes with parent and disclosure-controlled counts, described in OpenAPI', async () => {
      const anon = new Client(t)
      const top = (await listFrame(t.testDb.db, wardId)).find((f) => f.engagementThemeId !== null)!
      await officer.get(`${base}/frame`)
      await officer.post(`${base}/frame`, { name: 'Childcare', definition: 'Nurseries', parentId: String(top.id) })
      const res = await anon.get(`/api/v1/wards/${NORBITON}/themes`)
      assert.equal(res.statusCode, 200)
      const body = JSON.parse(res.body) as {
        ward: { code: string }
        themes: { id: number; name: string; parent: string | null; responses: number | null }[]
      }
      assert.equal(body.ward.code, NORBITON)
      const w = await loadWorkspace(t.testDb.db, wardId)
      for (const th of body.themes) {
        assert.ok(th.responses === null || (th.responses >= 10 && th.responses % 5 === 0), JSON.stringify(th))
        const frame = w.active.find((f) => f.id === th.id)!
        assert.equal(th.parent, frame.parentId === null ? null : w.frame.find((f) => f.id === frame.parentId)!.name)
      }
      // A sub-theme shows its parent's name.
      assert.equal(body.themes.find((th) => th.name === 'Childcare')?.parent, top.name)
      assert.ok(body.themes.some((th) => th.responses !== null))
      const spec = JSON.parse((await anon.get('/api/v1/openapi.json')).body) as {
        paths: Record<string, { get?: { responses?: Record<string, unknown> } }>
      }
      const path = spec.paths['/api/v1/wards/{wardCode}/themes']
      assert.ok(path?.get?.responses?.['200'])
      assert.equal((await anon.get('/api/v1/wards/E05999999/themes')).statusCode, 404)
    })

    test('sentiment and key phrases: a supporting view for officers only', async () => {
      const page = await officer.get(`${base}/views`)
      assert.equal(page.statusCode, 200)
      assert.match(page.body, /A supporting view, not a decision/)
      assert.match(page.body, /By area/)
      assert.equal((await outsider.get(`${base}/views`)).statusCode, 403)
      assert.equal((await new Client(t).get(`${base}/views`)).statusCode !== 200, true)
    })

    test('opinion statements: vote once per person (changeable), propose, approve, published counts only', async () => {
      const pub = `/wards/${NORBITON}/opinions`
      const anon = new Client(t)
      const page = await anon.get(pub)
      assert.equal(page.statusCode, 200)
      // Demo votes make groups; only rounded counts (multiples of 5, at least 10) or "under 10" appear.
      assert.match(page.body, /opinion groups/)
      assert.match(page.body, /Statements that unite all groups/)
      for (const m of page.body.matchAll(/govuk-table__cell--numeric">(\d+)</g)) {
        const v = Number(m[1])
        assert.ok(v >= 10 && v % 5 === 0, `unrounded count ${v}`)
      }
      const statements = await listStatements(t.testDb.db, wardId)
      const open = statements.find((s) => s.status === 'published')!
      // Anonymous people cannot vote.
      assert.notEqual((await anon.post(`${pub}/${open.id}/vote`, { vote: 'agree' })).statusCode, 303)
      const resident = await clientFor((await createUser(t, { demo: true })).id)
      await resident.get(pub)
      assert.equal((await resident.post(`${pub}/${open.id}/vote`, { vote: 'maybe' })).statusCode, 400)
      assert.equal((await resident.post(`${pub}/${open.id}/vote`, { vote: 'agree' })).statusCode, 303)
      assert.equal((await resident.post(`${pub}/${open.id}/vote`, { vote: 'disagree' })).statusCode, 303)
      const mine = (await listVotes(t.testDb.db, wardId)).filter((v) => !v.voterKey.startsWith('demo:'))
      assert.deepEqual(
        mine.map((v) => [v.statementId, v.vote]),
        [[open.id, 'disagree']],
      )
      assert.match((await resident.get(pub)).body, /Your vote: Disagree/)
      // Proposals wait for an officer.
      assert.equal((await resident.post(`${pub}/proposals`, { body: 'short' })).statusCode, 400)
      assert.equal(
        (await resident.post(`${pub}/proposals`, { body: 'The library should open on Sunday afternoons.' })).statusCode,
        303,
      )
      const proposal = (await listStatements(t.testDb.db, wardId)).find((s) => s.body.startsWith('The library'))!
      assert.equal(proposal.status, 'pending')
      assert.doesNotMatch((await anon.get(pub)).body, /The library should open/)
      // A pending statement takes no votes.
      assert.equal((await resident.post(`${pub}/${proposal.id}/vote`, { vote: 'agree' })).statusCode, 404)
      const manage = `${base}/statements`
      assert.equal((await resident.get(manage)).statusCode, 403)
      assert.equal((await outsider.get(manage)).statusCode, 403)
      await officer.get(manage)
      assert.equal((await officer.post(`${manage}/${proposal.id}`, { decision: 'close' })).statusCode, 400)
      assert.equal((await officer.post(`${manage}/${proposal.id}`, { decision: 'publish' })).statusCode, 303)
      assert.match((await anon.get(pub)).body, /The library should open/)
      // Officers draw statements from coded answers; a made-up reference is refused.
      assert.equal(
        (await officer.post(manage, { body: 'Evening buses should run more often.', sourceRef: 'text:999999' }))
          .statusCode,
        400,
      )
      const source = (await listCodings(t.testDb.db, wardId))[0]!.itemRef
      assert.equal(
        (await officer.post(manage, { body: 'Evening buses should run more often.', sourceRef: source })).statusCode,
        303,
      )
      const drawn = (await listStatements(t.testDb.db, wardId)).find((s) => s.body.startsWith('Evening buses'))!
      assert.equal(drawn.sourceRef, source)
      assert.equal(drawn.status, 'published')
      // Closing keeps the results but takes no more votes.
      assert.equal((await officer.post(`${manage}/${drawn.id}`, { decision: 'close' })).statusCode, 303)
      assert.equal((await resident.post(`${pub}/${drawn.id}/vote`, { vote: 'agree' })).statusCode, 404)
      // Another ward's statements are not found from this ward.
      const otherWard = await outsider.get(`/wards/${OTHER_WARD}/opinions`)
      assert.equal(otherWard.statusCode, 200)
      assert.doesNotMatch(otherWard.body, /Evening buses/)
    })
  })
}
