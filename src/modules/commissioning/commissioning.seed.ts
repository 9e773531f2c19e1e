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
  saveScores,
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
 * Demo commissioning for the pilot ward, clearly marked "Demo", with one process at each stage of the cycle:
 * specification, open for bids, evaluation (deadline passed, independent scores in), award proposed, award
 * approved, and contract with a first payment through the ledger. Every person named is a real demo account
 * (two different officers for the two-person award); without them the seed stops before the award stages
 * rather than invent ids. Needs the ledger and directory demos first; does nothing when demo processes exist.
 */
export async function seedCommissioningDemo(
  db: Kysely<Database>,
  opts: {
    wardId: number
    officerEmail?: string
    secondOfficerEmail?: string
    providerEmail?: string
    dialect?: Dialect
    today?: Date
  },
): Promise<void> {
  if ((await listProcesses(db, opts.wardId)).some((p) => p.isDemo)) return
  const today = opts.today ?? new Date()
  const fund = (await listFunds(db, opts.wardId))[0]
  if (!fund) return
  const postings = await listPostings(db, fund.id)
  const line = (purpose: string) => postings.find((p) => p.account === 'allocated' && p.purpose === purpose)
  const orgs = await listOrganisations(db, [opts.wardId])
  const org = (name: string) => orgs.find((o) => o.name === name)
  const userOf = async (email: string | undefined) => (email ? ((await findUserByEmail(db, email))?.id ?? null) : null)
  const officer = await userOf(opts.officerEmail)
  const officer2 = await userOf(opts.secondOfficerEmail)
  const provider = await userOf(opts.providerEmail)
  const days = (n: number) => new Date(today.getTime() + n * 86_400_000).toISOString()

  async function process(title: string, purpose: string, need: string, lot?: { parentId: number; n: number }) {
    const l = line(purpose)
    if (!l || l.theme === null) return undefined
    const id = await insertProcess(db, {
      parentId: lot?.parentId ?? null,
      lotNumber: lot?.n ?? null,
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
  const kitchen = org('Demo: Norbiton Community Kitchen')
  const skills = org('Demo: Kingston Skills Partnership')
  const youth = org('Demo: Cambridge Road Youth Co-op')

  /** A published opportunity whose deadline has passed, with bids made before it (as they would have been). */
  async function closedWithBids(
    p: { id: number },
    title: string,
    pounds: number,
    kind: 'contract' | 'grant',
    bidders: (readonly [{ id: number }, number])[],
  ) {
    await insertSpecVersion(db, p.id, spec(title, pounds, 12))
    await publishOpportunity(db, p.id, { kind, procedure: 'open', invited: [], deadline: days(1), criteria: CRITERIA })
    for (const [o, price] of bidders)
      await saveBid(db, {
        processId: p.id,
        organisationId: o.id,
        answers: Object.fromEntries(CRITERIA.map((c) => [c.key, `Demo answer on ${c.title.toLowerCase()}.`])),
        pricePence: price * 100,
        userId: o.id === kitchen?.id ? provider : null,
      })
    await db
      .updateTable('commissioning_process')
      .set({ deadline: days(-14) })
      .where('id', '=', p.id)
      .execute()
    return listBids(db, p.id)
  }
  async function moderate(bids: { id: number }[], table: number[][]) {
    for (const [i, b] of bids.entries())
      await saveModeration(
        db,
        CRITERIA.map((c, n) => ({
          bidId: b.id,
          criterion: c.key,
          score: table[i]![n]!,
          reason: 'Demo moderated reason.',
        })),
        officer,
      )
  }

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

  // 3. Evaluation, in two lots: the deadline has passed and independent scores are coming in on each lot's
  //    bids; nothing moderated yet. The opportunity itself takes no bids: each lot is bid for on its own.
  const holidayNeed = 'Parents said there is nothing for children to do in the school holidays.'
  const holiday = await process('Demo: Holiday activity club', 'Demo: after-school clubs', holidayNeed)
  if (holiday && kitchen && youth) {
    await insertSpecVersion(db, holiday.id, spec('Demo: Holiday activity club', 3_500, 12))
    const terms = { kind: 'grant' as const, procedure: 'open' as const, invited: [], criteria: CRITERIA }
    await publishOpportunity(db, holiday.id, { ...terms, deadline: days(-14) })
    const lots = [
      { title: 'Primary age (5 to 11)', pounds: 2_000, bidders: [[youth, 1_900] as const, [kitchen, 1_950] as const] },
      { title: 'Secondary age (11 to 16)', pounds: 1_500, bidders: [[youth, 1_450] as const] },
    ]
    for (const [n, lot] of lots.entries()) {
      const child = await process(
        `Demo: Holiday activity club – Lot ${n + 1}: ${lot.title}`,
        'Demo: after-school clubs',
        holidayNeed,
        { parentId: holiday.id, n: n + 1 },
      )
      if (!child) continue
      const bids = await closedWithBids(child, `Demo: Holiday activity club – ${lot.title}`, lot.pounds, 'grant', [
        ...lot.bidders,
      ])
      if (officer !== null)
        await saveScores(
          db,
          bids.flatMap((b, i) =>
            CRITERIA.map((c, k) => ({
              bidId: b.id,
              scorerUserId: officer,
              criterion: c.key,
              score: [7, 6, 8, 7][k]! - i,
              reason: 'Demo independent score.',
            })),
          ),
        )
    }
  }

  // The award stages need two different real officers; without them the demo stops here.
  if (officer === null || officer2 === null || officer === officer2) return

  // 4. Award proposed by one officer, waiting for a second to approve.
  const benefits = await process(
    'Demo: Benefits check sessions',
    'Demo: debt advice drop-in',
    'Residents are missing out on benefits they are entitled to.',
  )
  if (benefits && kitchen && skills) {
    const bids = await closedWithBids(benefits, 'Demo: Benefits check sessions', 4_000, 'contract', [
      [kitchen, 3_900],
      [skills, 3_600],
    ])
    await moderate(bids, [
      [8, 7, 8, 9],
      [7, 8, 6, 6],
    ])
    await proposeAward(db, benefits.id, bids[0]!.id, 'Demo: highest weighted total after moderation.', officer)
  }

  // 5. Award approved by a second officer; the contract is not yet recorded.
  const cv = await process(
    'Demo: CV and interview workshops',
    'Demo: local jobs fair',
    'Priority round: employment and skills.',
  )
  if (cv && skills && youth) {
    const bids = await closedWithBids(cv, 'Demo: CV and interview workshops', 2_500, 'grant', [
      [skills, 2_400],
      [youth, 2_500],
    ])
    await moderate(bids, [
      [8, 7, 7, 8],
      [6, 6, 8, 8],
    ])
    await proposeAward(db, cv.id, bids[0]!.id, 'Demo: highest weighted total after moderation.', officer)
    await approveAward(db, cv.id, officer2)
  }

  // 6. An awarded grant with a contract and its first payment.
  const jobs = await process('Demo: Local jobs fair', 'Demo: local jobs fair', 'Priority round: employment and skills.')
  if (jobs && kitchen && skills) {
    const bids = await closedWithBids(jobs, 'Demo: Local jobs fair', 12_000, 'grant', [
      [skills, 9_000],
      [kitchen, 11_000],
    ])
    await moderate(bids, [
      [8, 8, 7, 9],
      [7, 6, 8, 8],
    ])
    await proposeAward(db, jobs.id, bids[0]!.id, 'Demo: highest weighted total after moderation.', officer)
    await approveAward(db, jobs.id, officer2)
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
      { userId: officer },
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
      userId: officer,
    })
    const pay = await payFunds(
      ledger,
      `demo-commission-${jobs.id}-payment-1`,
      { ...money, amountPence: 4_500_00, memo: 'Demo: on signing' },
      { userId: officer },
    )
    if (!pay.ok) throw new Error(`demo payment: ${pay.error}`)
    await insertPayment(db, {
      processId: jobs.id,
      instalment: 1,
      amountPence: 4_500_00,
      ledgerTransactionId: pay.transactionId,
      userId: officer,
    })
  }
}
