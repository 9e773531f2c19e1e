import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { testDatabases } from '../../../test/support/databases.js'
import {
  Client,
  createUser,
  NORBITON,
  startTestApp,
  type TestApp,
  type TestUser,
} from '../../../test/support/test-app.js'

/** Issue 3: the author of an idea hears (if they chose to) about comments, public replies and status changes. */
for (const kind of await testDatabases()) {
  describe(`idea activity emails on ${kind.dialect}`, () => {
    let t: TestApp
    let authorUser: TestUser
    let author: Client
    let other: Client
    let officer: Client
    let themeId: number
    const base = `/wards/${NORBITON}/ideas`
    const mailTo = (email: string) =>
      t.testDb.db.selectFrom('mail_outbox').selectAll().where('to_address', '=', email).orderBy('id').execute()

    before(async () => {
      t = await startTestApp(kind, { DEMO_MODE: 'true' })
      authorUser = await createUser(t)
      author = new Client(t)
      await author.signIn(authorUser)
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

    async function postIdea(title: string, notify: boolean): Promise<string> {
      await author.get(`${base}/new`)
      const res = await author.post(base, {
        kind: 'idea',
        title,
        body: 'Somewhere to sit on the way to the shops.',
        theme: String(themeId),
        postcode: 'KT2 7AA',
        ...(notify ? { notify: 'yes' } : {}),
      })
      assert.equal(res.statusCode, 303)
      return res.headers.location as string
    }

    test('without the opt-in, comments and replies send the author nothing', async () => {
      const url = await postIdea('Benches without emails', false)
      await other.get(url)
      assert.equal((await other.post(`${url}/comments`, { comment: 'Good idea' })).statusCode, 303)
      await officer.get(url)
      assert.equal(
        (await officer.post(`${url}/status`, { status: 'under_consideration', reply: 'We are looking at it' }))
          .statusCode,
        303,
      )
      assert.equal((await mailTo(authorUser.email)).length, 0)
    })

    test('with the opt-in: one email per comment by someone else, one per officer reply or status change', async () => {
      const url = await postIdea('Benches on the way to the shops', true)
      await author.get(url)
      await author.post(`${url}/comments`, { comment: 'My own note' })
      assert.equal((await mailTo(authorUser.email)).length, 0, 'your own comment does not email you')

      await other.get(url)
      await other.post(`${url}/comments`, { comment: 'I would use one every day' })
      let mails = await mailTo(authorUser.email)
      assert.equal(mails.length, 1)
      assert.match(mails[0]!.subject, /Benches on the way to the shops/)
      assert.match(mails[0]!.body, /I would use one every day/)
      assert.match(mails[0]!.headers_json ?? '', /List-Unsubscribe-Post/)

      await officer.get(url)
      const r = await officer.post(`${url}/status`, {
        status: 'taken_forward',
        reason: '',
        reply: 'We will add two benches in the spring.',
      })
      assert.equal(r.statusCode, 303)
      mails = await mailTo(authorUser.email)
      assert.equal(mails.length, 2)
      assert.match(mails[1]!.body, /two benches in the spring/)
      assert.match(mails[1]!.body, /Taken forward|taken forward/i)

      // The opt-in also covers outcomes, and the preferences page shows both as chosen.
      const prefs = await author.get('/account/notifications')
      assert.match(prefs.body, /value="idea_activity" checked/)
      assert.match(prefs.body, /value="outcomes" checked/)
    })
  })
}
