import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { testDatabases } from '../../../test/support/databases.js'
import { Client, createUser, NORBITON, OTHER_WARD, startTestApp, type TestApp } from '../../../test/support/test-app.js'

for (const kind of await testDatabases()) {
  describe(`ideas on ${kind.dialect}`, () => {
    let t: TestApp
    let author: Client
    let other: Client
    let officer: Client
    let themeId: number
    const base = `/wards/${NORBITON}/ideas`
    const count = async (table: 'ideas_idea' | 'ideas_support' | 'ideas_comment' | 'ideas_report') =>
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
      author = new Client(t)
      await author.signIn(await createUser(t))
      other = new Client(t)
      await other.signIn(await createUser(t))
      officer = new Client(t)
      await officer.signIn(await createUser(t, { role: 'officer', demo: true }))
      const ward = await t.wards.byCode(NORBITON)
      const theme = await t.testDb.db
        .selectFrom('engagement_theme')
        .select('id')
        .where('ward_id', '=', ward!.id)
        .orderBy('id')
        .executeTakeFirstOrThrow()
      themeId = Number(theme.id)
    })
    after(async () => t.stop())

    let ideaId = 0
    test('a resident posts an idea; invalid input writes nothing and shows the error summary', async () => {
      await author.get(`${base}/new`)
      const bad = await author.post(base, { kind: 'idea', title: '', body: 'x', theme: '999999', postcode: 'nope' })
      assert.equal(bad.statusCode, 400)
      assert.match(bad.body, /govuk-error-summary/)
      assert.equal(await count('ideas_idea'), 0)
      const ok = await author.post(base, {
        kind: 'problem',
        title: 'Broken lights on Cambridge Road',
        body: 'Dark at night',
        theme: String(themeId),
        postcode: 'kt27aa',
      })
      assert.equal(ok.statusCode, 303)
      ideaId = Number(/\/ideas\/(\d+)$/.exec(String(ok.headers.location))?.[1])
      const page = await new Client(t).get(`${base}/${ideaId}`)
      assert.equal(page.statusCode, 200)
      assert.match(page.body, /Broken lights on Cambridge Road/)
      assert.match(page.body, /KT2 7AA/)
      assert.match((await new Client(t).get(base)).body, /Broken lights/)
    })

    test('one support per person, enforced by the database', async () => {
      await other.get(`${base}/${ideaId}`)
      assert.equal((await other.post(`${base}/${ideaId}/support`)).statusCode, 303)
      assert.equal((await other.post(`${base}/${ideaId}/support`)).statusCode, 303)
      assert.equal(await count('ideas_support'), 1)
      await assert.rejects(
        t.testDb.db
          .insertInto('ideas_support')
          .values({
            idea_id: ideaId,
            user_id: (await t.testDb.db.selectFrom('ideas_support').select('user_id').executeTakeFirstOrThrow())
              .user_id,
            ward_id: 1,
            created_at: 'x',
          })
          .execute(),
      )
      assert.match((await new Client(t).get(`${base}/${ideaId}`)).body, /1 person supports this/)
    })

    test('comments, officer reply and status with a required reason', async () => {
      assert.equal((await other.post(`${base}/${ideaId}/comments`, { comment: '' })).statusCode, 400)
      assert.equal((await other.post(`${base}/${ideaId}/comments`, { comment: 'Rude words here' })).statusCode, 303)
      assert.equal(await count('ideas_comment'), 1)
      // A resident cannot set a status.
      assert.equal((await other.post(`${base}/${ideaId}/status`, { status: 'taken_forward' })).statusCode, 403)
      await officer.get(`${base}/${ideaId}`)
      const noReason = await officer.post(`${base}/${ideaId}/status`, { status: 'not_taken_forward', reason: '' })
      assert.equal(noReason.statusCode, 400)
      assert.match(noReason.body, /Give the reason it is not taken forward/)
      const ok = await officer.post(`${base}/${ideaId}/status`, {
        status: 'under_consideration',
        reason: 'Highways are checking',
        reply: 'Thank you, we have passed this on.',
      })
      assert.equal(ok.statusCode, 303)
      const page = await new Client(t).get(`${base}/${ideaId}`)
      assert.match(page.body, /Under consideration/)
      assert.match(page.body, /Officer reply/)
      assert.match(page.body, /we have passed this on/)
    })

    test('reports, hiding with a reason the author sees, audit trail, gone from public view', async () => {
      const comment = await t.testDb.db
        .selectFrom('ideas_comment')
        .select('id')
        .where('is_official', '=', 0)
        .executeTakeFirstOrThrow()
      await author.get(`${base}/${ideaId}`)
      assert.equal((await author.post(`${base}/${ideaId}/report`, { reason: '' })).statusCode, 400)
      assert.equal(
        (await author.post(`${base}/${ideaId}/report`, { reason: 'Offensive', commentId: String(comment.id) }))
          .statusCode,
        303,
      )
      assert.equal(await count('ideas_report'), 1)
      assert.equal((await other.get(`${base}/moderation`)).statusCode, 403)
      const queue = await officer.get(`${base}/moderation`)
      assert.match(queue.body, /Offensive/)
      assert.equal(
        (await officer.post(`${base}/${ideaId}/hide`, { reason: '', commentId: String(comment.id) })).statusCode,
        400,
      )
      const hide = await officer.post(`${base}/${ideaId}/hide`, {
        reason: 'Abusive language',
        commentId: String(comment.id),
      })
      assert.equal(hide.statusCode, 303)
      assert.doesNotMatch((await new Client(t).get(`${base}/${ideaId}`)).body, /Rude words/)
      const mine = await other.get(`${base}/${ideaId}`)
      assert.match(mine.body, /Rude words/)
      assert.match(mine.body, /Abusive language/)
      assert.doesNotMatch((await officer.get(`${base}/moderation`)).body, /Offensive/)
      // The idea itself.
      await officer.post(`${base}/${ideaId}/hide`, { reason: 'Duplicate of another post' })
      assert.equal((await new Client(t).get(`${base}/${ideaId}`)).statusCode, 404)
      assert.equal((await other.get(`${base}/${ideaId}`)).statusCode, 404)
      assert.doesNotMatch((await new Client(t).get(base)).body, /Broken lights/)
      const own = await author.get(`${base}/${ideaId}`)
      assert.equal(own.statusCode, 200)
      assert.match(own.body, /Duplicate of another post/)
      const audit = await t.testDb.db
        .selectFrom('audit_event')
        .select(['action', 'subject'])
        .where('action', '=', 'ideas.content.hidden')
        .execute()
      assert.deepEqual(audit.map((a) => a.subject).sort(), [`comment:${comment.id}`, `idea:${ideaId}`].sort())
    })

    test('an officer of another ward cannot moderate here', async () => {
      const foreign = new Client(t)
      await foreign.signIn(await createUser(t, { role: 'officer', ward: OTHER_WARD, demo: true }))
      assert.equal((await foreign.get(`${base}/moderation`)).statusCode, 403)
      await foreign.get(`/wards/${OTHER_WARD}/ideas`)
      const res = await foreign.post(`${base}/${ideaId}/status`, { status: 'taken_forward' })
      assert.equal(res.statusCode, 403)
    })
  })
}
