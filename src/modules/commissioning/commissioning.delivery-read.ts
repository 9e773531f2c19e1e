import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import { findContract, listBids, listProcesses, type Contract } from './commissioning.repository.js'

/** A contract whose award was approved: what delivery tracking starts from. Read-only. */
export interface AwardedContract {
  processId: number
  wardId: number
  title: string
  priorityOptionId: number | null
  /** The ring-fenced theme (an engagement theme slug) the money came from. */
  theme: string
  /** The winning bid's organisation: the only provider that may report on this contract. */
  organisationId: number
  contract: Contract
}

/** Awarded contracts of a ward, newest first (processes without an approved award or contract are left out). */
export async function listAwardedContracts(db: Kysely<Database>, wardId: number): Promise<AwardedContract[]> {
  const out: AwardedContract[] = []
  for (const p of await listProcesses(db, wardId)) {
    if (!p.awardApprovedAt || p.awardBidId === null) continue
    const contract = await findContract(db, p.id)
    const bid = (await listBids(db, p.id)).find((b) => b.id === p.awardBidId)
    if (!contract || !bid) continue
    out.push({
      processId: p.id,
      wardId: p.wardId,
      title: p.title,
      priorityOptionId: p.priorityOptionId,
      theme: p.theme,
      organisationId: bid.organisationId,
      contract,
    })
  }
  return out
}
