import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import { listOrganisations } from '../directory/index.js'
import { findContract, listBids, listPayments, listProcesses, listSpecVersions } from './commissioning.repository.js'
import { stageOf, type Stage } from './commissioning.rules.js'

/** A published commissioning process as the public programme page shows it: stage, and the contract once let. */
export interface CommissionedService {
  processId: number
  title: string
  theme: string
  purpose: string
  sourceKind: 'need' | 'priority'
  priorityOptionId: number | null
  stage: Stage
  budgetPence: number | null
  contract: {
    providerName: string
    /** The ledger's reference for this contract's commitment and payments. */
    commitmentRef: string
    valuePence: number
    paidPence: number
    startDate: string
    endDate: string
    milestones: string[]
    kpis: { name: string; target: string }[]
  } | null
}

/** Only published processes: a specification still being drafted is not public. Always by ward. */
export async function listCommissionedServices(
  db: Kysely<Database>,
  wardId: number,
  now: Date = new Date(),
): Promise<CommissionedService[]> {
  const processes = (await listProcesses(db, wardId)).filter((p) => p.publishedAt !== null)
  const orgs = new Map((await listOrganisations(db, [wardId])).map((o) => [o.id, o.name]))
  return Promise.all(
    processes.map(async (p) => {
      const [contract, specs] = await Promise.all([findContract(db, p.id), listSpecVersions(db, p.id)])
      let c: CommissionedService['contract'] = null
      if (contract) {
        const [bids, payments] = await Promise.all([listBids(db, p.id), listPayments(db, p.id)])
        const bid = bids.find((b) => b.id === contract.bidId)
        c = {
          providerName: (bid && orgs.get(bid.organisationId)) ?? '',
          commitmentRef: contract.commitmentRef,
          valuePence: contract.valuePence,
          paidPence: payments.reduce((s, x) => s + x.amountPence, 0),
          startDate: contract.startDate,
          endDate: contract.endDate,
          milestones: contract.milestones,
          kpis: contract.kpis.map((k) => ({ name: k.name, target: String(k.target) })),
        }
      }
      return {
        processId: p.id,
        title: p.title,
        theme: p.theme,
        purpose: p.purpose,
        sourceKind: p.sourceKind,
        priorityOptionId: p.priorityOptionId,
        stage: stageOf(p, contract !== undefined, now),
        budgetPence: specs[0]?.budgetPence ?? null,
        contract: c,
      }
    }),
  )
}
