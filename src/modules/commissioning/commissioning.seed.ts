import type { Kysely } from 'kysely'
import type { Database, Dialect } from '../../platform/db/index.js'
import { findUserByEmail } from '../accounts/index.js'
import { commitFunds, createLedger, listFunds, listPostings, payFunds } from '../ledger/index.js'
import { listOrganisations } from '../directory/index.js'
import {
  approveAward,
  insertClarification,
  insertComment,
  insertContract,
  insertPayment,
  insertProcess,
  insertSpecVersion,
  listBids,
  listProcesses,
  proposeAward,
  publishOpportunity,
  saveBid,
  saveModeration,
  answerClarification,
  listClarifications,
} from './commissioning.repository.js'
import type { Criterion } from './commissioning.rules.js'

const CRITERIA: Criterion[] = [
  { key: 'quality', title: 'Quality of the service', weight: 40 },
  { key: 'price', title: 'Value for money', weight: 20 },
  { key: 'social-value', title: 'Social value', weight: 20 },
  { key: 'local-benefit', title: 'Local benefit', weight: 20 },
]

/**
 * Demo commissioning for the pilot ward, clearly marked "Demo": one process still being specified, one
 * open for bids, and one awarded grant with a contract and a first payment through the ledger. Needs the
 * ledger and directory demos first; does nothing when demo processes already exist.
 */
export async function seedCommissioningDemo(
  db: Kysely<Database>,
  opts: { wardId: number; officerEmail?: string; dialect?: Dialect; today?: Date },
): Promise<void> {
  if ((await listProcesses(db, opts.wardId)).some((p) => p.isDemo)) return
  const today = opts.today ?? new Date()
  const fund = (await listFunds(db, opts.wardId))[0]
  if (!fund) return
  const postings = await listPostings(db, fund.id)
  const line = (purpose: string) => postings.find((p) => p.account === 'allocated' && p.purpose === purpose)
  const orgs = await listOrganisations(db, [opts.wardId])
  const org = (name: string) => orgs.find((o) => o.name === name)
  const officer = opts.officerEmail ? ((await findUserByEmail(db, opts.officerEmail))?.id ?? null) : null
  const days = (n: number) => new Date(today.getTime() + n * 86_400_000).toISOString()

  async function process(title: string, purpose: string, need: string) {
    const l = line(purpose)
    if (!l || l.theme === null) return undefined
    const id = await insertProcess(db, {
      wardId: opts.wardId,
      title,
      sourceKind: 'need',
      sourceText: need,
      priorityOptionId: null,
      fundId: fund!.id,
      pledgeId: l.pledgeId,
      theme: l.theme,
      purpose,
      isDemo: true,
      createdBy: officer,
    })
    return { id, pledgeId: l.pledgeId, theme: l.theme }
  }
  const spec = (title: string, pounds: number, months: number) => ({
    title,
    outcomes: 'Demo outcomes: more residents reached earlier, in their own language, close to home.',
    kpis: [
      { name: 'Residents helped', target: '150 a year' },
      { name: 'Say they were helped', target: '85%' },
    ],
    budgetPence: pounds * 100,
    durationMonths: months,
    equalityImpact: 'Demo assessment: positive for older residents and carers; translation budget included.',
    authorUserId: officer,
  })

  // 1. Specification stage: two versions and a comment.
  const walking = await process(
    'Demo: Safer walking routes',
    'Demo: safer walking routes',
    'Residents said the walk to Cambridge Road shops feels unsafe after dark.',
  )
  if (walking) {
    await insertSpecVersion(db, walking.id, spec('Demo: Safer walking routes', 8_000, 6))
    await insertSpecVersion(db, walking.id, { ...spec('Demo: Safer walking routes (lighting and wardens)', 7_500, 6) })
    await insertComment(db, walking.id, 2, officer, 'Demo comment: panel asked for a KPI on women’s feeling of safety.')
  }

  // 2. Open for bids, with an answered question.
  const debt = await process(
    'Demo: Debt advice drop-in',
    'Demo: debt advice drop-in',
    'Rising rent arrears on the estate.',
  )
  const kitchen = org('Demo: Norbiton Community Kitchen')
  const skills = org('Demo: Kingston Skills Partnership')
  if (debt && kitchen) {
    await insertSpecVersion(db, debt.id, spec('Demo: Debt advice drop-in', 10_000, 12))
    await publishOpportunity(db, debt.id, {
      kind: 'contract',
      procedure: 'open',
      invited: [],
      deadline: days(21),
      criteria: CRITERIA,
    })
    await insertClarification(db, debt.id, kitchen.id, 'Demo question: may the drop-in run on Saturdays?')
    const q = (await listClarifications(db, debt.id))[0]
    if (q)
      await answerClarification(
        db,
        debt.id,
        q.id,
        'Demo answer: yes, at least one session a week must be on a weekday.',
      )
  }

  // 3. An awarded grant with a contract and its first payment.
  const jobs = await process('Demo: Local jobs fair', 'Demo: local jobs fair', 'Priority round: employment and skills.')
  if (jobs && kitchen && skills) {
    await insertSpecVersion(db, jobs.id, spec('Demo: Local jobs fair', 12_000, 3))
    await publishOpportunity(db, jobs.id, {
      kind: 'grant',
      procedure: 'open',
      invited: [],
      deadline: days(1),
      criteria: CRITERIA,
    })
    for (const [o, pounds] of [
      [skills, 9_000],
      [kitchen, 11_000],
    ] as const)
      await saveBid(db, {
        processId: jobs.id,
        organisationId: o.id,
        answers: Object.fromEntries(CRITERIA.map((c) => [c.key, `Demo answer on ${c.title.toLowerCase()}.`])),
        pricePence: pounds * 100,
        userId: 0,
      })
    // The deadline is moved into the past only after the bids, as it would have passed in life.
    await db
      .updateTable('commissioning_process')
      .set({ deadline: days(-14) })
      .where('id', '=', jobs.id)
      .execute()
    const bids = await listBids(db, jobs.id)
    const scores: Record<number, number[]> = { [bids[0]!.id]: [8, 8, 7, 9], [bids[1]!.id]: [7, 6, 8, 8] }
    for (const b of bids)
      await saveModeration(
        db,
        CRITERIA.map((c, n) => ({
          bidId: b.id,
          criterion: c.key,
          score: scores[b.id]![n]!,
          reason: 'Demo moderated reason.',
        })),
        officer,
      )
    await proposeAward(db, jobs.id, bids[0]!.id, 'Demo: highest weighted total after moderation.', -1)
    await approveAward(db, jobs.id, -2)
    const ledger = createLedger({
      db,
      dialect: opts.dialect ?? 'sqlite',
      write: (work) => db.transaction().execute(work),
    })
    const money = {
      wardId: opts.wardId,
      fundId: fund.id,
      pledgeId: jobs.pledgeId,
      theme: jobs.theme,
      purpose: 'Demo: local jobs fair',
      commitmentRef: `WT-${jobs.id}`,
    }
    const c = await commitFunds(
      ledger,
      `demo-commission-${jobs.id}-commitment`,
      { ...money, amountPence: 9_000_00, memo: 'Demo contract' },
      { userId: null },
    )
    if (!c.ok) throw new Error(`demo commitment: ${c.error}`)
    const schedule = [
      { label: 'Demo: on signing', due: days(-7).slice(0, 10), amountPence: 4_500_00 },
      { label: 'Demo: after the fair', due: days(60).slice(0, 10), amountPence: 4_500_00 },
    ]
    await insertContract(db, {
      processId: jobs.id,
      bidId: bids[0]!.id,
      valuePence: 9_000_00,
      startDate: days(-7).slice(0, 10),
      endDate: days(83).slice(0, 10),
      milestones: ['Demo: venue booked', 'Demo: 20 employers confirmed', 'Demo: fair held'],
      kpis: spec('', 0, 0).kpis,
      schedule,
      commitmentRef: money.commitmentRef,
      ledgerTransactionId: c.transactionId,
      userId: null,
    })
    const pay = await payFunds(
      ledger,
      `demo-commission-${jobs.id}-payment-1`,
      { ...money, amountPence: 4_500_00, memo: 'Demo: on signing' },
      { userId: null },
    )
    if (!pay.ok) throw new Error(`demo payment: ${pay.error}`)
    await insertPayment(db, {
      processId: jobs.id,
      instalment: 1,
      amountPence: 4_500_00,
      ledgerTransactionId: pay.transactionId,
      userId: null,
    })
  }
}
