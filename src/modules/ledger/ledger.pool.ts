import type { Kysely, Transaction } from 'kysely'
import type { Database, Dialect } from '../../platform/db/index.js'
import { balanceKey } from './ledger.rules.js'
import { findFund, listFunds, listPledges, loadBalances, lockFund } from './ledger.repository.js'
import { LedgerRefused, type Ledger, type LedgerActor, type LedgerError } from './ledger.service.js'

/** One pledge's unallocated money and whether it may be allocated today. */
export interface PledgeAvailability {
  pledgeId: number
  /** Empty: any theme; otherwise the ring-fence. */
  themes: string[]
  availablePence: number
  /** Not expired and, where the partner must approve, approved. */
  usable: boolean
}

/** The ward's pooled fund (its newest financial year) and what it has not yet allocated. */
export interface PoolAvailability {
  fundId: number
  fundName: string
  /** Unallocated money that may be allocated today, ring-fenced or not. */
  availablePence: number
  pledges: PledgeAvailability[]
}

export async function poolAvailability(
  db: Kysely<Database>,
  wardId: number,
  today: string = new Date().toISOString().slice(0, 10),
): Promise<PoolAvailability | undefined> {
  const fund = (await listFunds(db, wardId))[0]
  if (!fund) return undefined
  const balances = await loadBalances(db, fund.id)
  const pledges = (await listPledges(db, fund.id)).map((p) => ({
    pledgeId: p.id,
    themes: p.themes,
    availablePence:
      balances.get(
        balanceKey({ account: 'available', pledgeId: p.id, theme: null, purpose: null, commitmentRef: null }),
      ) ?? 0,
    usable: (p.expiresOn === null || today <= p.expiresOn) && (!p.approvalRequired || p.approved),
  }))
  const availablePence = pledges.filter((p) => p.usable).reduce((sum, p) => sum + p.availablePence, 0)
  return { fundId: fund.id, fundName: fund.name, availablePence, pledges }
}

/** Something to fund from the pool: an amount for one theme and purpose. */
export interface PoolItem {
  theme: string
  purpose: string
  amountPence: number
}

export interface PoolMove {
  pledgeId: number
  theme: string
  purpose: string
  amountPence: number
}

export type PoolPlan = { ok: true; moves: PoolMove[] } | { ok: false; unfunded: PoolItem[] }

/**
 * Which pledges pay for which items, all or nothing. Each item takes money first from pledges ring-fenced
 * to its theme (narrowest ring-fence first, so money that could serve several themes is kept for later
 * items), then from unrestricted pledges; an item may be split across pledges. A simple order, not an optimal
 * matching: it may report an item unfunded that a cleverer split could cover. Pledges that are expired or
 * awaiting approval are never used, and a pledge never pays for a theme outside its ring-fence.
 */
export function planPoolAllocation(pledges: readonly PledgeAvailability[], items: readonly PoolItem[]): PoolPlan {
  const left = new Map(pledges.filter((p) => p.usable).map((p) => [p.pledgeId, p.availablePence]))
  const moves: PoolMove[] = []
  const unfunded: PoolItem[] = []
  for (const item of items) {
    const sources = pledges
      .filter((p) => p.usable && (p.themes.length === 0 || p.themes.includes(item.theme)))
      .sort(
        (a, b) =>
          (a.themes.length === 0 ? Infinity : a.themes.length) - (b.themes.length === 0 ? Infinity : b.themes.length) ||
          a.pledgeId - b.pledgeId,
      )
    let need = item.amountPence
    const tentative: PoolMove[] = []
    for (const p of sources) {
      if (need === 0) break
      const take = Math.min(need, left.get(p.pledgeId) ?? 0)
      if (take <= 0) continue
      tentative.push({ pledgeId: p.pledgeId, theme: item.theme, purpose: item.purpose, amountPence: take })
      need -= take
    }
    if (need > 0) {
      unfunded.push(item)
      continue
    }
    for (const m of tentative) left.set(m.pledgeId, (left.get(m.pledgeId) ?? 0) - m.amountPence)
    moves.push(...tentative)
  }
  return unfunded.length > 0 ? { ok: false, unfunded } : { ok: true, moves }
}

/** Why the pool refused an allocation; thrown so that the caller's whole unit of work rolls back. */
export class PoolAllocationRefused extends Error {
  constructor(
    readonly error: 'no_fund' | 'not_enough' | LedgerError,
    /** With `not_enough`: the items the pool could not cover. */
    readonly unfunded: readonly PoolItem[] = [],
  ) {
    super(error)
  }
}

/**
 * Allocates items from the ward's pooled fund through the ledger's own moves (one allocation per pledge and
 * item), never by writing money tables, all inside the caller's unit of work (`ctx.write`): the fund is
 * locked, the plan is made against its balances under that lock, and any refusal — by the plan, or by the
 * ledger part-way through the moves — throws `PoolAllocationRefused`, so the caller's unit rolls back and
 * nothing is allocated. The caller's own writes (marking what was paid for) share the same commit. Keys are
 * `<keyPrefix>-<n>`; they are only stored when the whole unit commits.
 */
export async function allocateFromPool(
  ledger: Ledger,
  trx: Transaction<Database>,
  dialect: Dialect,
  req: { wardId: number; fundId: number; keyPrefix: string; memo: string; items: readonly PoolItem[] },
  actor: LedgerActor,
  today?: string,
): Promise<{ transactionIds: number[] }> {
  // Lock before reading balances, so two allocations on one fund cannot plan against the same money.
  if (!(await findFund(trx, req.wardId, req.fundId)) || !(await lockFund(trx, dialect, req.fundId)))
    throw new PoolAllocationRefused('no_fund')
  const pool = await poolAvailability(trx, req.wardId, today)
  if (!pool || pool.fundId !== req.fundId) throw new PoolAllocationRefused('no_fund')
  const plan = planPoolAllocation(pool.pledges, req.items)
  if (!plan.ok) throw new PoolAllocationRefused('not_enough', plan.unfunded)
  const transactionIds: number[] = []
  for (const [n, m] of plan.moves.entries()) {
    try {
      const r = await ledger.moveWithin(
        trx,
        `${req.keyPrefix}-${n}`,
        {
          wardId: req.wardId,
          fundId: req.fundId,
          operation: {
            kind: 'allocation',
            pledgeId: m.pledgeId,
            amountPence: m.amountPence,
            theme: m.theme,
            purpose: m.purpose,
          },
          memo: req.memo,
        },
        actor,
      )
      transactionIds.push(r.transactionId)
    } catch (e) {
      if (e instanceof LedgerRefused) throw new PoolAllocationRefused(e.reason)
      throw e
    }
  }
  return { transactionIds }
}
