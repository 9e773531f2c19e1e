import { createHash } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import { renderPdf, saveFile } from '../../platform/files/index.js'
import { findUserByEmail } from '../accounts/index.js'
import { listAwardedContracts } from '../commissioning/index.js'
import { listOrganisations } from '../directory/index.js'
import { setNotificationPreference } from '../notifications/index.js'
import {
  hideRating,
  insertKpi,
  insertMilestone,
  insertRatingReport,
  insertService,
  listServices,
  reviewReturn,
  saveRating,
  saveReturn,
} from './delivery.repository.js'
import { addDays, addMonths, reportingPeriods } from './delivery.rules.js'
import { trackContract } from './delivery.service.js'

/**
 * Demo delivery for the pilot ward, every title marked "Demo": a parent ("Into work") with two children — the
 * awarded jobs-fair contract from the commissioning demo, and a funded cooking-skills course run by the demo
 * provider's own organisation with five quarters of returns (one late, one off-target and awaiting review, the
 * latest in its grace days) — and a few ratings from the demo accounts. The figures are invented for the demo
 * and say so; none is about a real service. Needs the directory and commissioning demos first; runs once.
 */
export async function seedDeliveryDemo(
  db: Kysely<Database>,
  opts: { wardId: number; officerEmail?: string; today?: Date },
): Promise<void> {
  if ((await listServices(db, opts.wardId)).some((s) => s.isDemo)) return
  const today = (opts.today ?? new Date()).toISOString().slice(0, 10)
  const orgs = await listOrganisations(db, [opts.wardId])
  const kitchen = orgs.find((o) => o.name === 'Demo: Norbiton Community Kitchen')
  const officer = opts.officerEmail ? ((await findUserByEmail(db, opts.officerEmail))?.id ?? null) : null
  const start = addDays(addMonths(today, -15), -20)
  const end = addMonths(start, 24)

  // Child 2 is created first so that the lowest delivery id is a service with a provider and returns (the
  // every-page accessibility test opens the lowest id); it joins its parent below.
  if (!kitchen) return
  const course = await insertService(db, {
    wardId: opts.wardId,
    parentId: null,
    title: 'Demo: Cook and learn — kitchen skills for work',
    description:
      'Demo service: a 10-week course in the community kitchen leading to a food hygiene certificate and help into catering jobs.',
    providerOrganisationId: kitchen.id,
    processId: null,
    priorityOptionId: null,
    commitmentRef: null,
    theme: 'employment-and-skills',
    weight: 6,
    state: 'active',
    startOn: start,
    endOn: end,
    periodMonths: 3,
    dueAfterDays: 14,
    graceDays: 7,
    isDemo: true,
    createdBy: officer,
  })
  const parent = await insertService(db, {
    wardId: opts.wardId,
    parentId: null,
    title: 'Demo: Into work in Norbiton',
    description: 'Demo programme grouping the employment and skills services chosen in the priority round.',
    providerOrganisationId: null,
    processId: null,
    priorityOptionId: null,
    commitmentRef: null,
    theme: 'employment-and-skills',
    weight: 1,
    state: 'active',
    startOn: start,
    endOn: end,
    periodMonths: 3,
    dueAfterDays: 14,
    graceDays: 7,
    isDemo: true,
    createdBy: officer,
  })

  await db.updateTable('delivery_service').set({ parent_id: parent }).where('id', '=', course).execute()

  // Child 1: the awarded contract, weighted by its value (£9,000).
  const jobs = (await listAwardedContracts(db, opts.wardId)).find((c) => c.title === 'Demo: Local jobs fair')
  if (jobs) {
    const id = await trackContract(db, jobs, {
      parentId: parent,
      weight: 9,
      periodMonths: 1,
      userId: officer,
      isDemo: true,
    })
    await db
      .updateTable('delivery_milestone')
      .set({ done_on: addDays(today, -3) })
      .where('service_id', '=', id)
      .where('position', '=', 1)
      .execute()
  }

  const ms = [
    ['Demo: kitchen fitted out for teaching', 30, 28],
    ['Demo: first cohort completes', 120, 118],
    ['Demo: 40 food hygiene certificates awarded', 300, null],
    ['Demo: second cohort completes', 420, null],
    ['Demo: final evaluation published', 700, null],
  ] as const
  const milestoneIds: number[] = []
  for (const [i, [title, due, done]] of ms.entries())
    milestoneIds.push(
      await insertMilestone(db, {
        serviceId: course,
        title,
        dueOn: addDays(start, due),
        doneOn: done === null ? null : addDays(start, done),
        weight: i === 4 ? 1 : 2,
        position: i + 1,
      }),
    )
  const completions = await insertKpi(db, {
    serviceId: course,
    name: 'Demo: residents completing the course',
    unit: 'people a quarter',
    target: 12,
    direction: 'higher',
    position: 1,
  })
  const intoWork = await insertKpi(db, {
    serviceId: course,
    name: 'Demo: in work or training three months later',
    unit: '%',
    target: 40,
    direction: 'higher',
    position: 2,
  })

  const periods = reportingPeriods({ startOn: start, endOn: end, periodMonths: 3, dueAfterDays: 14 }, today)
  // [period, completions, into work %, submitted days after due (null: not yet), review]
  const history: [number, number, number, number, 'accepted' | 'changes_requested' | null][] = [
    [1, 12, 42, 0, 'accepted'],
    [2, 13, 45, 12, 'accepted'],
    [3, 12, 41, -2, 'accepted'],
    [4, 7, 38, -1, null],
  ]
  for (const [index, done, work, after, review] of history) {
    const period = periods.find((p) => p.index === index)
    if (!period) continue
    const at = `${addDays(period.due, after)}T10:00:00.000Z`
    const id = await saveReturn(db, {
      serviceId: course,
      wardId: opts.wardId,
      period,
      narrative:
        index === 4
          ? 'Demo narrative: fewer people finished this quarter — the kitchen was closed for three weeks for repairs.'
          : `Demo narrative for quarter ${index}: sessions ran as planned; two learners moved into kitchen jobs.`,
      kpiValues: [
        { kpiId: completions, value: done },
        { kpiId: intoWork, value: work },
      ],
      milestonesDone: index === 1 ? [{ milestoneId: milestoneIds[0]!, doneOn: addDays(start, 28) }] : [],
      submit: true,
      userId: null,
      at,
    })
    if (id === undefined) continue
    if (review)
      await reviewReturn(db, {
        returnId: id,
        decision: review,
        comment: index === 2 ? 'Demo review: accepted; please send returns on time.' : 'Demo review: accepted.',
        userId: officer,
        at: `${addDays(period.due, after + 3)}T15:00:00.000Z`,
      })
    if (index === 4) {
      const bytes = await renderPdf({
        title: 'Demo: Cook and learn — quarter 4 attendance',
        lang: 'en',
        subtitle: 'Demo evidence file',
        blocks: [
          { kind: 'paragraph', text: 'Demo evidence: attendance summary for the quarter (invented figures).' },
          {
            kind: 'table',
            head: ['Week', 'Learners'],
            rows: [
              ['1–3', '9'],
              ['4–6', 'closed'],
              ['7–10', '7'],
            ],
          },
        ],
      })
      await saveFile(
        db,
        {
          field: 'evidence',
          filename: 'demo-attendance-q4.pdf',
          kind: 'pdf',
          mediaType: 'application/pdf',
          size: bytes.length,
          sha256: createHash('sha256').update(bytes).digest('hex'),
          bytes,
        },
        { ownerKind: 'delivery_return', ownerId: id, wardId: opts.wardId, uploadedBy: null },
      )
    }
  }

  // Ratings from the demo accounts (fewer than 10, so the public page shows how small counts are suppressed).
  const raters: [string, number, string, boolean][] = [
    ['resident@demo.example', 5, 'Demo comment: friendly teachers, and I got my certificate.', true],
    ['volunteer@demo.example', 4, 'Demo comment: good course; the evening sessions filled up fast.', false],
    ['panel@demo.example', 3, '', true],
    ['partner@demo.example', 2, 'Demo comment: this comment was hidden by a moderator to show how it works.', false],
  ]
  for (const [email, stars, comment, surveys] of raters) {
    const user = await findUserByEmail(db, email)
    if (!user) continue
    await saveRating(db, {
      serviceId: course,
      wardId: opts.wardId,
      userId: user.id,
      stars,
      comment,
      wantsSurveys: surveys,
    })
    if (surveys) await setNotificationPreference(db, user.id, 'service_surveys', true)
  }
  const hiddenRow = await db
    .selectFrom('delivery_rating')
    .select('id')
    .where('service_id', '=', course)
    .where('stars', '=', 2)
    .executeTakeFirst()
  const reporter = await findUserByEmail(db, 'resident@demo.example')
  if (hiddenRow && reporter && officer !== null) {
    await insertRatingReport(db, {
      ratingId: Number(hiddenRow.id),
      wardId: opts.wardId,
      reporterUserId: reporter.id,
      reason: 'Demo report: names a member of staff.',
    })
    await hideRating(db, {
      ratingId: Number(hiddenRow.id),
      reason: 'Demo: it named a member of staff.',
      byUserId: officer,
    })
  }
}
