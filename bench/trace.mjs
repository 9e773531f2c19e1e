// Benchmark of "you said, we did" (issue 9 §3) on the BUILT code (dist/), in this process on a fresh SQLite file:
// the demo programme (themes, conversation, rounds, commissioning, delivery) plus GENERATED signed-in residents and
// responses (each naming one to three themes). Figures measure speed only; nothing here is about real people.
// Measured: the public ward page and a resident's "what happened to what I said" page through app.inject, computing
// an outcome's audience from the trace, and fanning an outcome out to everyone who opted in (outbox rows queued).
// Baseline, same run: GET /healthz.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { dist, stats, time, WARD } from './support.mjs'

const SLUGS = ['employment-and-skills', 'family-and-life-chances', 'place-and-delivery', 'financial-support']

export async function benchTrace(log = () => {}, opts = {}) {
  const people = opts.people ?? 1_000
  const responses = opts.responses ?? 20_000
  const runs = opts.runs ?? 20
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wt-bench-trace-'))
  const { loadConfig } = await dist('config.js')
  const { buildApp } = await dist('app.js')
  const { seedDemo } = await dist('cli/seed.js')
  const { insertUser } = await dist('modules/accounts/index.js')
  const { outcomeAudienceFor, notifyOutcome } = await dist('modules/trace/index.js')
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: dir,
    DEMO_MODE: 'true',
    PASSWORD_SCRYPT_LOG2N: '10',
  })
  const built = await buildApp(config, { logger: false })
  try {
    const db = built.db.db
    const ward = await built.wards.byCode(WARD)
    const council = await db.selectFrom('tenancy_council').select('id').executeTakeFirstOrThrow()
    log('trace: seeding the demo programme')
    await seedDemo(db, built.tenant, Number(council.id), 10)
    const question = await db
      .selectFrom('engagement_question')
      .select(['id', 'consultation_id'])
      .where('ward_id', '=', ward.id)
      .where('kind', '=', 'themes')
      .orderBy('id')
      .executeTakeFirstOrThrow()
    const service = await db
      .selectFrom('delivery_service')
      .select('id')
      .where('ward_id', '=', ward.id)
      .where('process_id', 'is not', null)
      .orderBy('id')
      .executeTakeFirstOrThrow()

    log(`trace: generating ${people} residents and ${responses} responses`)
    const userIds = []
    for (let i = 0; i < people; i++)
      userIds.push(
        await insertUser(db, {
          email: `bench-trace-${i}@bench.example`,
          name: `Bench ${i}`,
          postcode: 'KT2 7AA',
          homeWardId: ward.id,
          passwordHash: 'x',
          isDemo: true,
        }),
      )
    const now = new Date().toISOString()
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < responses; i++) {
        const r = await trx
          .insertInto('engagement_response')
          .values({
            ward_id: ward.id,
            consultation_id: Number(question.consultation_id),
            submission_key: `bench-trace-${i}`.padEnd(20, 'x'),
            channel: 'online',
            postcode: 'KT2 7AA',
            area_code: null,
            respondent_user_id: userIds[i % people],
            entered_by_user_id: null,
            event_id: null,
            responded_on: now.slice(0, 10),
            is_demo: 1,
            created_at: now,
          })
          .returning('id')
          .executeTakeFirstOrThrow()
        const chosen = SLUGS.filter((_, k) => (i >> k) % 2 === 1 || k === i % 4)
        await trx
          .insertInto('engagement_answer')
          .values({
            ward_id: ward.id,
            response_id: Number(r.id),
            question_id: Number(question.id),
            value: JSON.stringify(chosen),
          })
          .execute()
      }
      // Half the residents chose outcome emails.
      for (let i = 0; i < people; i += 2)
        await trx
          .insertInto('notifications_preference')
          .values({ user_id: userIds[i], kind: 'outcomes', enabled: 1, updated_at: now })
          .execute()
    })

    const inject = (url, cookie) =>
      built.app.inject({ method: 'GET', url, headers: cookie ? { cookie: `wt_session=${cookie}` } : {} })
    const { cookieValue } = await built.sessions.store.create({ userId: userIds[0], mfaVerified: true })
    const check = async (url, cookie) => {
      const r = await inject(url, cookie)
      if (r.statusCode !== 200) throw new Error(`${url} answered ${r.statusCode}`)
    }
    await check('/healthz')
    await check(`/wards/${WARD}/you-said-we-did`)
    await check('/account/what-happened', cookieValue)

    log('trace: timing pages')
    const healthz = stats(await time(runs, () => check('/healthz')))
    const wardPage = stats(await time(runs, () => check(`/wards/${WARD}/you-said-we-did`)))
    const minePage = stats(await time(runs, () => check('/account/what-happened', cookieValue)))
    log('trace: audience and fan-out')
    let audience = []
    const audienceTimes = stats(
      await time(5, async () => {
        audience = await outcomeAudienceFor(db, ward.id, { kind: 'service_progress', ref: Number(service.id) })
      }),
    )
    const ctx = { config, tenant: built.tenant }
    const t0 = performance.now()
    const fan = await db
      .transaction()
      .execute((trx) =>
        notifyOutcome(ctx, trx, { wardId: ward.id, kind: 'service_progress', ref: Number(service.id), occurrence: 1 }),
      )
    const fanOutMs = Math.round((performance.now() - t0) * 100) / 100
    return {
      people,
      responses,
      healthz,
      wardPage,
      minePage,
      wardPageToHealthzP50: Math.round((wardPage.p50Ms / healthz.p50Ms) * 10) / 10,
      audience: { ...audienceTimes, size: audience.length },
      fanOut: { ms: fanOutMs, audience: fan.audience, queued: fan.queued },
    }
  } finally {
    await built.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
