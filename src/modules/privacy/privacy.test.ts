import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { testDatabases } from '../../../test/support/databases.js'
import { Client, createUser, NORBITON, startTestApp, type TestApp } from '../../../test/support/test-app.js'
import { createWriter } from '../../platform/db/index.js'
import { createPrivacyService, type PrivacyService } from './privacy.service.js'
import { DEFAULT_POLICY, isDue, parseRetentionPolicy, retentionCutoffs } from './privacy.rules.js'
import { loadRetentionPolicy } from './privacy.routes.js'
import { postcodeSector } from '../ideas/ideas.personal-data.js'
import { purgeCommand } from '../../cli/commands/purge.js'

const DAY = 24 * 60 * 60 * 1000
const later = (days: number) => new Date(Date.now() + days * DAY)

describe('privacy rules', () => {
  test('the retention policy has documented defaults, and a bad file names the field', () => {
    assert.equal(DEFAULT_POLICY.erasureCoolingOffDays, 14)
    assert.equal(DEFAULT_POLICY.retention.equalityAnswersDays, 1095)
    const custom = parseRetentionPolicy('{"erasureCoolingOffDays": 7, "retention": {"engagementDraftsDays": 30}}')
    assert.equal(custom.erasureCoolingOffDays, 7)
    assert.equal(custom.retention.engagementDraftsDays, 30)
    assert.equal(custom.retention.passwordResetsDays, 30, 'unset kinds keep their default')
    assert.throws(() => parseRetentionPolicy('{"retention": {"engagementDraftsDays": 0}}'), /engagementDraftsDays/)
    assert.throws(() => parseRetentionPolicy('{"retention": {"unknownKind": 5}}'), /privacy\.json/)
    // The tenant's own file parses.
    assert.equal(loadRetentionPolicy('tenants/kingston').retention.respondentLinksDays, 730)
  })

  test('cut-offs and due dates follow the clock', () => {
    const now = new Date('2026-11-26T12:00:00.000Z')
    const c = retentionCutoffs(DEFAULT_POLICY, now)
    assert.equal(c.engagementDraftsDays, '2026-08-28T12:00:00.000Z')
    assert.equal(isDue({ status: 'pending', dueAt: '2026-11-26T12:00:00.000Z' }, now), true)
    assert.equal(isDue({ status: 'pending', dueAt: '2026-11-26T12:00:00.001Z' }, now), false)
    assert.equal(isDue({ status: 'cancelled', dueAt: '2020-01-01T00:00:00.000Z' }, now), false)
    assert.equal(postcodeSector('KT2 7AA'), 'KT2 7')
    assert.equal(postcodeSector('SW1A 1AA'), 'SW1A 1')
  })
})

for (const kind of await testDatabases()) {
  describe(`data rights on ${kind.dialect}`, () => {
    let t: TestApp
    let privacy: PrivacyService
    let consultationId: number
    const staff = `/wards/${NORBITON}/engagement`
    const keyOf = (body: string) => /name="submissionKey" value="([^"]+)"/.exec(body)?.[1] ?? ''
    const count = async (table: 'engagement_response' | 'engagement_equality' | 'ideas_idea') =>
      Number(
        (
          await t.testDb.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      )

    /** A signed-in resident answers the consultation, the equality questions, posts an idea and saves a draft. */
    async function activeResident() {
      const user = await createUser(t, { postcode: 'KT2 7AA' })
      const r = new Client(t)
      await r.signIn(user)
      const base = `/wards/${NORBITON}/consultations/${consultationId}`
      await r.get(`${base}/where`)
      await r.post(`${base}/where`, { postcode: 'KT2 7AA' })
      await r.get(`${base}/questions/1`)
      await r.post(`${base}/questions/1`, { answer: 'More youth clubs near Cambridge Road' })
      const check = await r.get(`${base}/check`)
      assert.equal((await r.post(`${base}/submit`, { submissionKey: keyOf(check.body) })).statusCode, 303)
      const eq = await r.get(`${base}/equality`)
      const given = await r.post(`${base}/equality`, {
        submissionKey: keyOf(eq.body),
        consent: 'yes',
        age_band: '25-34',
      })
      assert.equal(given.statusCode, 303)
      await r.get(`/wards/${NORBITON}/ideas/new`)
      const theme = await t.testDb.db.selectFrom('engagement_theme').select('id').executeTakeFirstOrThrow()
      const idea = await r.post(`/wards/${NORBITON}/ideas`, {
        kind: 'idea',
        title: 'Benches by the bus stop',
        body: 'Somewhere to sit while waiting.',
        theme: String(theme.id),
        postcode: 'KT2 7AA',
      })
      assert.equal(idea.statusCode, 303)
      // An unfinished draft (save and come back).
      await r.get(`${base}/where`)
      await r.post(`${base}/where`, { postcode: 'KT2 7AA' })
      return { user, r }
    }

    before(async () => {
      t = await startTestApp(kind, { DEMO_MODE: 'true' })
      privacy = createPrivacyService({
        db: t.testDb.db,
        write: createWriter(t.testDb),
        audit: t.audit,
        policy: DEFAULT_POLICY,
        secretKey: t.config.secretKey,
        endSessions: (id) => t.sessions.store.destroyForUser(id),
      })
      const officer = new Client(t)
      await officer.signIn(await createUser(t, { role: 'officer', demo: true }))
      await officer.get(`${staff}/new`)
      const created = await officer.post(`${staff}/new`, { title: 'Rights test', summary: 'x', allowAnonymous: 'yes' })
      consultationId = Number(/consultations\/(\d+)/.exec(created.headers.location as string)![1])
      await officer.get(`${staff}/consultations/${consultationId}`)
      await officer.post(`${staff}/consultations/${consultationId}/questions`, {
        kind: 'long_text',
        prompt: 'What would help?',
        required: 'no',
      })
      await officer.post(`${staff}/consultations/${consultationId}/status`, { status: 'open' })
    })
    after(async () => t.stop())

    test('a resident sees and downloads everything held about them, without equality answers one by one', async () => {
      const { r, user } = await activeResident()
      const page = await r.get('/account/your-data')
      assert.equal(page.statusCode, 200)
      assert.match(page.body, /Rights test/)
      assert.match(page.body, /More youth clubs near Cambridge Road/)
      assert.match(page.body, /Benches by the bus stop/)
      assert.match(page.body, /Equality monitoring forms held under a pseudonym linked to your account: 1/)
      const file = await r.get('/account/your-data/download.json')
      assert.equal(file.statusCode, 200)
      assert.match(String(file.headers['content-disposition']), /attachment/)
      const data = JSON.parse(file.body) as {
        account: { account: { email: string } }
        engagement: { responses: { answers: { answer: string }[] }[]; drafts: unknown[]; equalityFormsHeld: number }
        ideas: { ideas: { title: string }[] }
      }
      assert.equal(data.account.account.email, user.email)
      assert.equal(data.engagement.responses[0]!.answers[0]!.answer, 'More youth clubs near Cambridge Road')
      assert.equal(data.engagement.drafts.length, 1)
      assert.equal(data.engagement.equalityFormsHeld, 1)
      assert.equal(data.ideas.ideas[0]!.title, 'Benches by the bus stop')
      assert.doesNotMatch(file.body, /25-34|scrypt|password_?hash|totp_?secret/i)
      // Signed out, there is nothing to see.
      assert.notEqual((await new Client(t).get('/account/your-data/download.json')).statusCode, 200)
    })

    /** Data for one person in panel, notifications, prioritisation, understanding, directory and commissioning. */
    async function everywhereData(userId: number) {
      const db = t.testDb.db
      const now = new Date().toISOString()
      const wardId = (
        await db.selectFrom('tenancy_ward').select('id').where('code', '=', NORBITON).executeTakeFirstOrThrow()
      ).id
      const other = await createUser(t)
      // Panel: a pool place with special-category features, and an invitation from a run.
      const volunteer = await db
        .insertInto('panel_volunteer')
        .values({
          ward_id: wardId,
          pseudonym: `P-${userId}`,
          user_id: userId,
          source: 'self',
          age_band: '65-74',
          sex: 'female',
          ethnic_group: 'mixed',
          disability: 'yes',
          tenure: 'social-rent',
          area: 'north',
          household: 'KT2 7AA',
          status: 'active',
          consent_at: now,
          created_at: now,
          updated_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      const run = await db
        .insertInto('panel_run')
        .values({
          ward_id: wardId,
          kind: 'initial',
          method: 'leximin',
          k: 1,
          n: 1,
          instance_json: JSON.stringify({ respondents: [{ id: `P-${userId}` }] }),
          one_per_household: 0,
          distribution_json: '[]',
          probabilities_json: JSON.stringify([[`P-${userId}`, 1]]),
          probabilities_hash: 'h',
          min_probability: 1,
          leximin_ms: 1,
          panel_json: JSON.stringify([`P-${userId}`]),
          created_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      await db
        .insertInto('panel_member')
        .values({
          ward_id: wardId,
          volunteer_id: volunteer.id,
          run_id: run.id,
          status: 'accepted',
          interests: 'Housing repairs on my estate',
          created_at: now,
        })
        .execute()
      // Notifications: a choice and an outcome already announced.
      await db
        .insertInto('notifications_preference')
        .values({ user_id: userId, kind: 'outcomes', enabled: 0, updated_at: now })
        .execute()
      await db
        .insertInto('notifications_outcome_sent')
        .values({ user_id: userId, event_key: `round_decided:${userId}`, created_at: now })
        .execute()
      // Prioritisation: a proposal, the register row of a vote and a (secret, unlinked) ballot.
      const round = await db
        .insertInto('prioritisation_round')
        .values({
          ward_id: wardId,
          title: 'Rights round',
          description: '',
          status: 'open',
          ballot_type: 'approval',
          rule_id: 'greedy',
          budget_pence: 100000,
          min_choices: 0,
          max_choices: 0,
          rank_k: 0,
          points_total: 0,
          allow_change: 0,
          min_age: 0,
          proposals_open: 0,
          is_demo: 0,
          created_at: now,
          updated_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      await db
        .insertInto('prioritisation_option')
        .values({
          round_id: round.id,
          title: 'A pocket park on Elm Road',
          description: 'My neighbours and I would plant it.',
          theme: '',
          place: 'Elm Road',
          cost_pence: 50000,
          is_demo: 0,
          created_at: now,
          status: 'proposed',
          proposed_by_user_id: userId,
        })
        .execute()
      for (const [key, uid] of [
        [`user:${userId}`, userId],
        [`user:${other.id}`, other.id],
      ] as const)
        await db
          .insertInto('prioritisation_voted')
          .values({
            round_id: round.id,
            person_key: key,
            user_id: uid,
            name_key: `name-key-${uid}`,
            channel: 'online',
            voted_at: now,
          })
          .execute()
      await db
        .insertInto('prioritisation_ballot')
        .values({ id: `secret-ballot-${userId}`, round_id: round.id, choices_json: '["secret-choice"]' })
        .execute()
      // Understanding: a proposed statement and opinion votes (one by someone else).
      const statement = await db
        .insertInto('understanding_statement')
        .values({
          ward_id: wardId,
          body: 'The high street needs more benches',
          origin: 'resident',
          status: 'published',
          proposed_by_user_id: userId,
          is_demo: 0,
          created_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      for (const [key, vote] of [
        [`user:${userId}`, 'agree'],
        [`user:${other.id}`, 'disagree'],
      ] as const)
        await db
          .insertInto('understanding_vote')
          .values({ statement_id: statement.id, ward_id: wardId, voter_key: key, vote, is_demo: 0, voted_at: now })
          .execute()
      // Directory: the person manages an organisation.
      const org = await db
        .insertInto('directory_organisation')
        .values({
          uuid: `org-${userId}`,
          ward_id: wardId,
          name: `Elm Road Gardeners ${userId}`,
          kind: 'community',
          description: '',
          website: '',
          email: '',
          charity_number: '',
          company_number: '',
          is_demo: 0,
          created_at: now,
          updated_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      await db
        .insertInto('directory_org_user')
        .values({ organisation_id: org.id, user_id: userId, created_at: now })
        .execute()
      // Commissioning: a comment on a specification, a bid, an evaluator's score and a declared conflict.
      const partner = await db
        .insertInto('ledger_partner')
        .values({ ward_id: wardId, name: 'Council', kind: 'council', created_at: now })
        .returning('id')
        .executeTakeFirstOrThrow()
      const fund = await db
        .insertInto('ledger_fund')
        .values({ ward_id: wardId, financial_year: '2026-27', name: 'Rights fund', created_at: now })
        .returning('id')
        .executeTakeFirstOrThrow()
      const pledge = await db
        .insertInto('ledger_pledge')
        .values({
          fund_id: fund.id,
          partner_id: partner.id,
          amount_pence: 100000,
          themes_json: '[]',
          approval_required: 0,
          note: '',
          created_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      const process = await db
        .insertInto('commissioning_process')
        .values({
          ward_id: wardId,
          title: 'Rights commissioning',
          source_kind: 'need',
          source_text: '',
          fund_id: fund.id,
          pledge_id: pledge.id,
          theme: '',
          purpose: '',
          invited_json: '[]',
          criteria_json: '[]',
          award_reason: '',
          is_demo: 0,
          created_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      await db
        .insertInto('commissioning_comment')
        .values({
          process_id: process.id,
          version: 1,
          author_user_id: userId,
          body: 'Please include evenings',
          created_at: now,
        })
        .execute()
      const bid = await db
        .insertInto('commissioning_bid')
        .values({
          process_id: process.id,
          organisation_id: org.id,
          answers_json: '{}',
          price_pence: 1000,
          submitted_by_user_id: userId,
          created_at: now,
          updated_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      await db
        .insertInto('commissioning_score')
        .values({
          bid_id: bid.id,
          scorer_user_id: userId,
          criterion: 'quality',
          score: 7,
          reason: 'Strong plan',
          created_at: now,
        })
        .execute()
      await db
        .insertInto('commissioning_conflict')
        .values({
          process_id: process.id,
          user_id: userId,
          organisation_id: org.id,
          reason: 'My sister works there',
          created_at: now,
        })
        .execute()
      return {
        wardId,
        volunteerId: volunteer.id,
        runId: run.id,
        roundId: round.id,
        statementId: statement.id,
        bidId: bid.id,
      }
    }

    test('panel, notifications, prioritisation, understanding, directory and commissioning data are downloaded and erased', async () => {
      const { r, user } = await activeResident()
      const ids = await everywhereData(user.id)
      const db = t.testDb.db

      const page = await r.get('/account/your-data')
      assert.equal(page.statusCode, 200)
      assert.match(page.body, /A pocket park on Elm Road/)
      assert.match(page.body, /Rights round/)
      const file = await r.get('/account/your-data/download.json')
      assert.equal(file.statusCode, 200)
      const data = JSON.parse(file.body) as {
        panel: { volunteering: { ethnicGroup: string; household: string }[]; invitations: { interests: string }[] }
        notifications: { preferences: { kind: string; enabled: boolean }[]; outcomesSent: unknown[] }
        prioritisation: { proposals: { title: string }[]; votedIn: { roundReference: number; round: string }[] }
        understanding: { statementsProposed: { body: string }[]; opinionVotes: { vote: string }[] }
        directory: { organisations: { name: string }[] }
        commissioning: {
          specificationComments: { body: string }[]
          bidsSubmitted: { reference: number }[]
          scoresGiven: { score: number; reason: string }[]
          conflictsDeclared: { reason: string }[]
        }
      }
      assert.equal(data.panel.volunteering[0]!.ethnicGroup, 'mixed')
      assert.equal(data.panel.volunteering[0]!.household, 'KT2 7AA')
      assert.equal(data.panel.invitations[0]!.interests, 'Housing repairs on my estate')
      assert.deepEqual(
        data.notifications.preferences.map((p) => [p.kind, p.enabled]),
        [['outcomes', false]],
      )
      assert.equal(data.notifications.outcomesSent.length, 1)
      assert.equal(data.prioritisation.proposals[0]!.title, 'A pocket park on Elm Road')
      assert.deepEqual(
        data.prioritisation.votedIn.map((v) => [v.roundReference, v.round]),
        [[ids.roundId, 'Rights round']],
      )
      assert.doesNotMatch(file.body, /secret-ballot|secret-choice|choices|name-key/, 'never the ballot, never the key')
      assert.equal(data.understanding.statementsProposed[0]!.body, 'The high street needs more benches')
      assert.deepEqual(
        data.understanding.opinionVotes.map((v) => v.vote),
        ['agree'],
      )
      assert.equal(data.directory.organisations.length, 1)
      assert.equal(data.commissioning.specificationComments[0]!.body, 'Please include evenings')
      assert.equal(data.commissioning.bidsSubmitted[0]!.reference, ids.bidId)
      assert.equal(data.commissioning.scoresGiven[0]!.score, 7)
      assert.equal(data.commissioning.conflictsDeclared[0]!.reason, 'My sister works there')

      await r.post('/account/your-data/erasure', { confirm: 'yes' })
      assert.ok((await privacy.runPurge(later(15))).erasures >= 1)

      // Panel: withdrawn with features blanked; the invitation and the run stay, the run untouched.
      const v = await db
        .selectFrom('panel_volunteer')
        .selectAll()
        .where('id', '=', ids.volunteerId)
        .executeTakeFirstOrThrow()
      assert.equal(v.status, 'withdrawn')
      assert.deepEqual(
        [v.age_band, v.sex, v.ethnic_group, v.disability, v.tenure, v.area, v.household],
        ['', '', '', '', '', '', null],
      )
      const members = await db.selectFrom('panel_member').select('interests').where('run_id', '=', ids.runId).execute()
      assert.deepEqual(members, [{ interests: '' }])
      const run = await db
        .selectFrom('panel_run')
        .select('panel_json')
        .where('id', '=', ids.runId)
        .executeTakeFirstOrThrow()
      assert.equal(run.panel_json, JSON.stringify([`P-${user.id}`]))
      // Notifications and directory membership: gone.
      assert.equal(
        (await db.selectFrom('notifications_preference').select('kind').where('user_id', '=', user.id).execute())
          .length,
        0,
      )
      assert.equal(
        (await db.selectFrom('notifications_outcome_sent').select('event_key').where('user_id', '=', user.id).execute())
          .length,
        0,
      )
      assert.equal(
        (await db.selectFrom('directory_org_user').select('user_id').where('user_id', '=', user.id).execute()).length,
        0,
      )
      // Prioritisation: both register rows and the ballot stay; the person's points at the tombstone, without a name key.
      const voted = await db
        .selectFrom('prioritisation_voted')
        .select(['user_id', 'name_key'])
        .where('round_id', '=', ids.roundId)
        .orderBy('person_key')
        .execute()
      assert.equal(voted.length, 2)
      const mine = voted.find((x) => Number(x.user_id) === user.id)
      assert.ok(mine)
      assert.equal(mine.name_key, `erased:user:${user.id}`)
      assert.equal(
        (await db.selectFrom('prioritisation_ballot').select('id').where('round_id', '=', ids.roundId).execute())
          .length,
        1,
      )
      assert.equal(
        (await db.selectFrom('prioritisation_option').select('id').where('round_id', '=', ids.roundId).execute())
          .length,
        1,
      )
      // Understanding: the statement and both opinion votes stay.
      assert.equal(
        (await db.selectFrom('understanding_vote').select('vote').where('statement_id', '=', ids.statementId).execute())
          .length,
        2,
      )
      assert.equal(
        (await db.selectFrom('understanding_statement').select('id').where('id', '=', ids.statementId).execute())
          .length,
        1,
      )
      // Commissioning: the score and the bid stay for the audit trail.
      assert.equal(
        (await db.selectFrom('commissioning_score').select('score').where('bid_id', '=', ids.bidId).execute()).length,
        1,
      )
      // The tombstone shows no name; the erasure request records the counts.
      const account = await db
        .selectFrom('accounts_user')
        .select(['name', 'email'])
        .where('id', '=', user.id)
        .executeTakeFirstOrThrow()
      assert.equal(account.name, 'Deleted account')
      const req = await db
        .selectFrom('privacy_erasure_request')
        .selectAll()
        .where('user_id', '=', user.id)
        .where('status', '=', 'completed')
        .executeTakeFirstOrThrow()
      const outcome = JSON.stringify(req)
      for (const key of [
        'panelVolunteersWithdrawn',
        'votedRegisterAnonymised',
        'opinionVotesAnonymised',
        'directoryMembershipsEnded',
        'scoresAnonymised',
      ])
        assert.match(outcome, new RegExp(key))
    })

    test('erasure waits for the cooling-off period, can be cancelled, then removes and anonymises', async () => {
      const { r, user } = await activeResident()
      // An answer without an account, which must survive anyone's erasure.
      const anon = new Client(t)
      const base = `/wards/${NORBITON}/consultations/${consultationId}`
      const eq = await anon.get(`${base}/equality`)
      await anon.post(`${base}/equality`, { submissionKey: keyOf(eq.body), consent: 'yes', sex: 'male' })

      await r.get('/account/your-data')
      const unconfirmed = await r.post('/account/your-data/erasure', {})
      assert.equal(unconfirmed.statusCode, 400)
      assert.match(unconfirmed.body, /govuk-error-summary/)
      assert.equal((await r.post('/account/your-data/erasure', { confirm: 'yes' })).statusCode, 303)
      const yourData = (await r.get('/account/your-data')).body
      assert.match(yourData, /unless you cancel/)
      // The date is written as people write dates, not as it is stored.
      assert.match(yourData, /Your data will be erased on \d{1,2} [A-Z][a-z]+ \d{4}\./)
      const mail = await t.testDb.db
        .selectFrom('mail_outbox')
        .select(['subject', 'body'])
        .where('to_address', '=', user.email)
        .where('subject', '=', 'Your request to erase your data')
        .execute()
      assert.equal(mail.length, 1)
      assert.match(mail[0]!.body, /It will be carried out on \d{1,2} [A-Z][a-z]+ \d{4}\./)
      assert.equal((await r.post('/account/your-data/erasure/cancel', {})).statusCode, 303)
      assert.equal((await privacy.runPurge(later(30))).erasures, 0, 'a cancelled request is never carried out')
      assert.ok(
        await t.testDb.db.selectFrom('accounts_user').select('id').where('email', '=', user.email).executeTakeFirst(),
      )

      await r.get('/account/your-data')
      assert.equal((await r.post('/account/your-data/erasure', { confirm: 'yes' })).statusCode, 303)
      const responses = await count('engagement_response')
      const equality = await count('engagement_equality')
      const ideas = await count('ideas_idea')

      assert.equal((await privacy.runPurge(later(13))).erasures, 0, 'still cooling off')
      assert.ok(
        await t.testDb.db.selectFrom('accounts_user').select('id').where('email', '=', user.email).executeTakeFirst(),
      )
      const report = await privacy.runPurge(later(15))
      assert.equal(report.erasures, 1)

      const row = await t.testDb.db
        .selectFrom('accounts_user')
        .selectAll()
        .where('id', '=', user.id)
        .executeTakeFirstOrThrow()
      assert.notEqual(row.email, user.email)
      assert.equal(row.postcode, '')
      assert.equal(row.name, 'Deleted account')
      assert.equal(Number(row.is_disabled), 1)
      // Signed out everywhere, and can never sign in again.
      assert.notEqual((await r.get('/account/your-data')).statusCode, 200)
      const again = new Client(t)
      await again.get('/sign-in')
      assert.notEqual((await again.post('/sign-in', { email: user.email, password: user.password })).statusCode, 303)
      // Counts kept: the response and the idea stay, anonymised; the person's equality answers are gone.
      assert.equal(await count('engagement_response'), responses)
      assert.equal(await count('ideas_idea'), ideas)
      assert.equal(await count('engagement_equality'), equality - 1)
      const linked = await t.testDb.db
        .selectFrom('engagement_response')
        .select('id')
        .where('respondent_user_id', '=', user.id)
        .execute()
      assert.equal(linked.length, 0)
      const idea = await t.testDb.db
        .selectFrom('ideas_idea')
        .select('postcode')
        .where('author_user_id', '=', user.id)
        .executeTakeFirstOrThrow()
      assert.equal(idea.postcode, 'KT2 7')
      const drafts = await t.testDb.db
        .selectFrom('engagement_draft')
        .select('user_id')
        .where('user_id', '=', user.id)
        .execute()
      assert.equal(drafts.length, 0)
      // Audited, with counts and no personal details.
      const events = await t.audit.list({ wardIds: 'all', limit: 50 })
      const done = events.find((e) => e.action === 'privacy.erasure.completed' && e.subject === `user:${user.id}`)
      assert.ok(done)
      assert.doesNotMatch(JSON.stringify(done), new RegExp(user.email.replace(/[.]/g, '\\.')))
      assert.equal((await t.audit.verify()).ok, true)
    })

    test('an admin can carry out a request at once; a resident cannot reach the admin page', async () => {
      const { r, user } = await activeResident()
      await r.get('/account/your-data')
      await r.post('/account/your-data/erasure', { confirm: 'yes' })
      assert.equal((await r.get('/admin/privacy')).statusCode, 403)
      const admin = new Client(t)
      await admin.signIn(await createUser(t, { role: 'admin', demo: true }))
      const list = await admin.get('/admin/privacy')
      assert.equal(list.statusCode, 200)
      const id = /\/admin\/privacy\/requests\/(\d+)\/erase/.exec(list.body)?.[1]
      assert.ok(id)
      const res = await admin.post(`/admin/privacy/requests/${id}/erase`, {})
      assert.equal(res.statusCode, 303)
      const row = await t.testDb.db
        .selectFrom('accounts_user')
        .select('email')
        .where('id', '=', user.id)
        .executeTakeFirstOrThrow()
      assert.equal(row.email, `erased-${user.id}@erased.invalid`)
      const second = await admin.post(`/admin/privacy/requests/${id}/erase`, {})
      assert.equal(second.statusCode, 303, 'a second press is harmless')
      assert.equal((await admin.post('/admin/privacy/requests/999999/erase', {})).statusCode, 404)
    })

    test('retention periods are enforced by the purge as the clock moves', async () => {
      const { user } = await activeResident()
      const mine = () =>
        t.testDb.db
          .selectFrom('engagement_response')
          .select(['postcode', 'respondent_user_id'])
          .where('respondent_user_id', '=', user.id)
          .execute()
      const drafts = () =>
        t.testDb.db.selectFrom('engagement_draft').select('user_id').where('user_id', '=', user.id).execute()
      assert.equal((await drafts()).length, 1, 'the resident saved a draft')
      await privacy.runPurge(later(89))
      assert.equal((await drafts()).length, 1, 'a draft is kept for 90 days')
      await privacy.runPurge(later(91))
      assert.equal((await drafts()).length, 0)
      assert.equal((await mine())[0]!.postcode, 'KT2 7AA', 'postcodes are kept for two years')
      const equalityBefore = await count('engagement_equality')
      const responsesBefore = await count('engagement_response')
      await privacy.runPurge(later(731))
      assert.equal((await mine()).length, 0, 'the link to the account is gone after two years')
      const orphaned = await t.testDb.db
        .selectFrom('engagement_response')
        .select('postcode')
        .where('postcode', 'is not', null)
        .execute()
      assert.equal(orphaned.length, 0)
      assert.equal(await count('engagement_response'), responsesBefore, 'the responses still count')
      assert.equal(await count('engagement_equality'), equalityBefore, 'equality answers are kept for three years')
      await privacy.runPurge(later(1096))
      assert.equal(await count('engagement_equality'), 0)
      const events = await t.audit.list({ wardIds: 'all', limit: 20 })
      assert.ok(events.some((e) => e.action === 'privacy.purge'))
    })

    test('addresses left with a response are purged after their period, and at once once unsubscribed', async () => {
      const db = t.testDb.db
      const wardId = (
        await db.selectFrom('tenancy_ward').select('id').where('code', '=', NORBITON).executeTakeFirstOrThrow()
      ).id
      const add = async (email: string, unsubscribed: boolean) =>
        (
          await db
            .insertInto('notifications_outcome_contact')
            .values({
              ward_id: Number(wardId),
              response_id: 1,
              email,
              language: 'en',
              created_at: new Date().toISOString(),
              unsubscribed_at: unsubscribed ? new Date().toISOString() : null,
            })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id
      const kept = await add('keep-me@example.org', false)
      const gone = await add('unsubscribed@example.org', true)
      await db
        .insertInto('notifications_contact_outcome_sent')
        .values({ contact_id: Number(gone), event_key: 'award:1', created_at: new Date().toISOString() })
        .execute()
      const emails = async () =>
        (await db.selectFrom('notifications_outcome_contact').select(['id', 'email']).execute()).map((r) =>
          Number(r.id),
        )
      const report = await privacy.runPurge(later(1))
      assert.ok((report.retention['outcomeContactsDeleted'] ?? 0) >= 1)
      assert.ok((await emails()).includes(Number(kept)), 'a live address is kept within its period')
      assert.ok(!(await emails()).includes(Number(gone)), 'an unsubscribed address goes at the next purge')
      const log = await db.selectFrom('notifications_contact_outcome_sent').select('contact_id').execute()
      assert.ok(!log.some((l) => Number(l.contact_id) === Number(gone)))
      await privacy.runPurge(later(731))
      assert.ok(!(await emails()).includes(Number(kept)), 'after two years the address is gone')
    })

    test('`together purge` runs the same purge with an injected clock', async () => {
      const { r, user } = await activeResident()
      await r.get('/account/your-data')
      await r.post('/account/your-data/erasure', { confirm: 'yes' })
      const out: string[] = []
      const io = { stdout: (x: string) => void out.push(x), stderr: (x: string) => void out.push(x) }
      const env = { config: t.config, db: t.testDb }
      assert.equal(await purgeCommand(['--now', 'next tuesday'], io, env), 2)
      assert.equal(await purgeCommand(['--now', later(1).toISOString(), '--json'], io, env), 0)
      assert.equal((JSON.parse(out.at(-1)!) as { erasures: number }).erasures, 0)
      assert.equal(await purgeCommand(['--now', later(15).toISOString(), '--json'], io, env), 0)
      assert.equal((JSON.parse(out.at(-1)!) as { erasures: number }).erasures, 1)
      const row = await t.testDb.db
        .selectFrom('accounts_user')
        .select('email')
        .where('id', '=', user.id)
        .executeTakeFirstOrThrow()
      assert.equal(row.email, `erased-${user.id}@erased.invalid`)
    })
  })
}
