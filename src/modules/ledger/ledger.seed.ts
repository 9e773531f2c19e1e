import type { Kysely } from 'kysely'
import type { Database, Dialect } from '../../platform/db/index.js'
import { findUserByEmail } from '../accounts/index.js'
import { financialYearOf, type PartnerKind } from './ledger.rules.js'
import { findPartnerByName, insertFund, insertPartner, linkPartnerUser, listFunds } from './ledger.repository.js'
import { createLedger } from './ledger.service.js'

const DEMO_PARTNERS: { name: string; kind: PartnerKind }[] = [
  { name: 'Demo: Kingston Council Public Health', kind: 'council' },
  { name: 'Demo: South West London NHS', kind: 'nhs' },
  { name: 'Demo: Kingston Police Safer Neighbourhoods', kind: 'police' },
  { name: 'Demo: Jobcentre Plus Kingston', kind: 'jobcentre' },
  { name: 'Demo: Norbiton Homes Housing Association', kind: 'housing_association' },
]

/**
 * A demo fund for the pilot ward: several partners, pledges with conditions, receipts, allocations and a
 * commitment with a first payment. Every name says "Demo"; every request carries a fixed idempotency
 * key, so seeding twice records nothing new.
 */
export async function seedLedgerDemo(
  db: Kysely<Database>,
  opts: { wardId: number; wardName: string; partnerEmail?: string; dialect?: Dialect; today?: string },
): Promise<void> {
  const today = opts.today ?? new Date().toISOString().slice(0, 10)
  const year = financialYearOf(today)
  const endOfYear = `20${year.slice(5)}-03-31`
  // Seeding runs alone, before serving, so one plain transaction per request is enough here.
  const ledger = createLedger({
    db,
    dialect: opts.dialect ?? 'sqlite',
    write: (work) => db.transaction().execute(work),
    today: () => today,
  })
  const partnerIds: number[] = []
  for (const p of DEMO_PARTNERS) {
    const found = await findPartnerByName(db, opts.wardId, p.name)
    partnerIds.push(found ? found.id : await insertPartner(db, { wardId: opts.wardId, ...p }))
  }
  let fund = (await listFunds(db, opts.wardId)).find((f) => f.financialYear === year)
  if (!fund) {
    await insertFund(db, { wardId: opts.wardId, financialYear: year, name: `Demo: One ${opts.wardName} pooled fund` })
    fund = (await listFunds(db, opts.wardId)).find((f) => f.financialYear === year)!
  }
  if (opts.partnerEmail) {
    const user = await findUserByEmail(db, opts.partnerEmail)
    if (user) await linkPartnerUser(db, partnerIds[1]!, user.id)
  }
  const base = { wardId: opts.wardId, fundId: fund.id }
  const actor = { userId: null }
  const key = (s: string) => `demo-ledger-${year}-${s}`.padEnd(16, '0')
  const pledges: { partner: number; pounds: number; themes: string[]; approval: boolean; expires: string | null }[] = [
    { partner: 0, pounds: 60_000, themes: ['family-and-life-chances'], approval: false, expires: endOfYear },
    {
      partner: 1,
      pounds: 45_000,
      themes: ['family-and-life-chances', 'financial-support'],
      approval: true,
      expires: null,
    },
    { partner: 2, pounds: 15_000, themes: ['place-and-delivery'], approval: false, expires: endOfYear },
    { partner: 3, pounds: 30_000, themes: ['employment-and-skills'], approval: false, expires: null },
    { partner: 4, pounds: 25_000, themes: [], approval: false, expires: null },
  ]
  const ids: number[] = []
  for (const [i, p] of pledges.entries()) {
    const r = await ledger.pledge(
      key(`pledge-${i}`),
      {
        ...base,
        partnerId: partnerIds[p.partner]!,
        amountPence: p.pounds * 100,
        themes: p.themes,
        expiresOn: p.expires,
        approvalRequired: p.approval,
        note: 'Demo pledge',
      },
      actor,
    )
    if (!r.ok || r.pledgeId === undefined) throw new Error(`demo pledge ${i}: ${r.ok ? 'no id' : r.error}`)
    ids.push(r.pledgeId)
  }
  const moves = [
    { kind: 'receipt', pledge: 0, pounds: 60_000 },
    { kind: 'receipt', pledge: 2, pounds: 15_000 },
    { kind: 'receipt', pledge: 3, pounds: 15_000 },
    { kind: 'receipt', pledge: 4, pounds: 25_000 },
    {
      kind: 'allocation',
      pledge: 0,
      pounds: 40_000,
      theme: 'family-and-life-chances',
      purpose: 'Demo: after-school clubs',
    },
    { kind: 'allocation', pledge: 3, pounds: 12_000, theme: 'employment-and-skills', purpose: 'Demo: local jobs fair' },
    { kind: 'allocation', pledge: 4, pounds: 10_000, theme: 'financial-support', purpose: 'Demo: debt advice drop-in' },
    {
      kind: 'allocation',
      pledge: 2,
      pounds: 8_000,
      theme: 'place-and-delivery',
      purpose: 'Demo: safer walking routes',
    },
  ] as const
  for (const [i, m] of moves.entries()) {
    const operation =
      m.kind === 'allocation'
        ? { kind: m.kind, pledgeId: ids[m.pledge]!, amountPence: m.pounds * 100, theme: m.theme, purpose: m.purpose }
        : { kind: m.kind, pledgeId: ids[m.pledge]!, amountPence: m.pounds * 100 }
    const r = await ledger.move(key(`move-${i}`), { ...base, operation, memo: 'Demo' }, actor)
    if (!r.ok) throw new Error(`demo movement ${i}: ${r.error}`)
  }
  const contract = {
    theme: 'family-and-life-chances',
    purpose: 'Demo: after-school clubs',
    commitmentRef: 'DEMO-C-001',
  }
  for (const [i, op] of [
    { kind: 'commitment' as const, pledgeId: ids[0]!, amountPence: 36_000_00, ...contract },
    { kind: 'payment' as const, pledgeId: ids[0]!, amountPence: 9_000_00, ...contract },
  ].entries()) {
    const r = await ledger.move(key(`contract-${i}`), { ...base, operation: op, memo: 'Demo contract' }, actor)
    if (!r.ok) throw new Error(`demo contract ${i}: ${r.error}`)
  }
}
