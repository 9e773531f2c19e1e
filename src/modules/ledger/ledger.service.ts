import { createHash } from 'node:crypto'
import { ukToday } from '../../platform/i18n/index.js'
import type { Kysely, Transaction } from 'kysely'
import type { Database, Dialect, Write } from '../../platform/db/index.js'
import { canonicalJson, plan, planReversal, type Operation, type RuleError, type Posting } from './ledger.rules.js'
import {
  findTransaction,
  findTransactionByKey,
  insertPledge,
  insertTransaction,
  isReversed,
  listPledges,
  listPostings,
  loadBalances,
  lockFund,
  listPartners,
  findFund,
} from './ledger.repository.js'

export type LedgerError =
  RuleError | 'idempotency_conflict' | 'fund_unknown' | 'partner_unknown' | 'transaction_unknown'

export type LedgerResult =
  { ok: true; transactionId: number; pledgeId?: number; replayed: boolean } | { ok: false; error: LedgerError }

/** Who asked, for the record on the transaction. */
export interface LedgerActor {
  userId: number | null
}

export interface PledgeRequest {
  wardId: number
  fundId: number
  partnerId: number
  amountPence: number
  /** Empty: any theme. */
  themes: string[]
  expiresOn: string | null
  approvalRequired: boolean
  note: string
}

export interface MovementRequest {
  wardId: number
  fundId: number
  operation: Exclude<Operation, { kind: 'pledge' }>
  memo: string
}

export interface ReversalRequest {
  wardId: number
  fundId: number
  transactionId: number
  memo: string
}

export const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{16,100}$/

export interface Ledger {
  pledge(key: string, req: PledgeRequest, actor: LedgerActor): Promise<LedgerResult>
  /** Receipts, allocations, releases, commitments, payments and returns. */
  move(key: string, req: MovementRequest, actor: LedgerActor): Promise<LedgerResult>
  reverse(key: string, req: ReversalRequest, actor: LedgerActor): Promise<LedgerResult>
  /**
   * `move` as part of the caller's own unit of work (`ctx.write`), for callers that must make several moves
   * and their own writes all or nothing. A refusal throws `LedgerRefused`, so the caller's whole unit rolls back.
   */
  moveWithin(
    trx: Transaction<Database>,
    key: string,
    req: MovementRequest,
    actor: LedgerActor,
  ): Promise<{ transactionId: number; replayed: boolean }>
}

export interface LedgerDeps {
  db: Kysely<Database>
  dialect: Dialect
  write: Write
  /** Today's ISO date (tests pin it). */
  today?: () => string
}

const hash = (kind: string, body: unknown) => createHash('sha256').update(canonicalJson({ kind, body })).digest('hex')

/**
 * A refusal inside the unit of work: rolls back everything the unit did. `move`, `pledge` and `reverse`
 * turn it into a result; `moveWithin` lets it reach the caller's unit of work.
 */
export class LedgerRefused extends Error {
  constructor(readonly reason: LedgerError) {
    super(reason)
  }
}

/**
 * The only code that moves money. Each request runs as one unit of work that first locks the fund,
 * then answers a repeated idempotency key from what was stored (or refuses it if the body differs),
 * then plans postings with the pure rules against the current balances and appends them.
 */
export function createLedger(deps: LedgerDeps): Ledger {
  const { dialect, write } = deps
  const today = deps.today ?? (() => ukToday())

  /** The steps of one request inside a unit of work; a refusal throws `LedgerRefused`. */
  async function runWithin<R extends { transactionId: number; pledgeId?: number }>(
    trx: Transaction<Database>,
    key: string,
    kind: string,
    wardId: number,
    fundId: number,
    body: unknown,
    work: (trx: Kysely<Database>, requestHash: string) => Promise<R>,
  ): Promise<{ transactionId: number; pledgeId?: number; replayed: boolean }> {
    if (!IDEMPOTENCY_KEY.test(key)) throw new LedgerRefused('idempotency_conflict')
    const requestHash = hash(kind, { wardId, fundId, body })
    if (!(await findFund(trx, wardId, fundId))) throw new LedgerRefused('fund_unknown')
    if (!(await lockFund(trx, dialect, fundId))) throw new LedgerRefused('fund_unknown')
    const seen = await findTransactionByKey(trx, key)
    if (seen) {
      if (seen.requestHash !== requestHash) throw new LedgerRefused('idempotency_conflict')
      const stored = JSON.parse(seen.resultJson) as { pledgeId?: number }
      return { transactionId: seen.id, ...stored, replayed: true }
    }
    const done = await work(trx, requestHash)
    return { ...done, replayed: false }
  }

  async function run(
    key: string,
    kind: string,
    wardId: number,
    fundId: number,
    body: unknown,
    work: (trx: Kysely<Database>, requestHash: string) => Promise<{ transactionId: number; pledgeId?: number }>,
  ): Promise<LedgerResult> {
    if (!IDEMPOTENCY_KEY.test(key)) return { ok: false, error: 'idempotency_conflict' }
    try {
      const done = await write((trx) => runWithin(trx, key, kind, wardId, fundId, body, work))
      return { ok: true as const, ...done }
    } catch (e) {
      if (e instanceof LedgerRefused) return { ok: false, error: e.reason }
      // The same key sent to two funds at once: the unique index lets one in and refuses the other.
      if (e instanceof Error && /unique|duplicate/i.test(e.message) && /idempotency_key/.test(e.message))
        return { ok: false, error: 'idempotency_conflict' }
      throw e
    }
  }

  async function terms(trx: Kysely<Database>, fundId: number, pledgeId: number) {
    return (await listPledges(trx, fundId)).find((p) => p.id === pledgeId)
  }

  const checked = (r: { ok: true; postings: Posting[] } | { ok: false; error: RuleError }): Posting[] => {
    if (!r.ok) throw new LedgerRefused(r.error)
    return r.postings
  }

  async function appendMove(
    trx: Kysely<Database>,
    key: string,
    requestHash: string,
    req: MovementRequest,
    actor: LedgerActor,
  ): Promise<{ transactionId: number }> {
    const pledge = await terms(trx, req.fundId, req.operation.pledgeId)
    const balances = await loadBalances(trx, req.fundId)
    const postings = checked(plan(req.operation, pledge, balances, today()))
    const transactionId = await insertTransaction(
      trx,
      {
        fundId: req.fundId,
        kind: req.operation.kind,
        idempotencyKey: key,
        requestHash,
        resultJson: '{}',
        memo: req.memo,
        reversesTransactionId: null,
        createdByUserId: actor.userId,
      },
      postings,
    )
    return { transactionId }
  }

  return {
    pledge(key, req, actor) {
      const body = { ...req, themes: [...req.themes].sort() }
      return run(key, 'pledge', req.wardId, req.fundId, body, async (trx, requestHash) => {
        const partner = (await listPartners(trx, req.wardId)).find((p) => p.id === req.partnerId)
        if (!partner) throw new LedgerRefused('partner_unknown')
        if (!Number.isSafeInteger(req.amountPence) || req.amountPence <= 0) throw new LedgerRefused('amount_invalid')
        const pledgeId = await insertPledge(trx, { ...req, themes: body.themes })
        const pledge = await terms(trx, req.fundId, pledgeId)
        const postings = checked(
          plan({ kind: 'pledge', pledgeId, amountPence: req.amountPence }, pledge, new Map(), today()),
        )
        const transactionId = await insertTransaction(
          trx,
          {
            fundId: req.fundId,
            kind: 'pledge',
            idempotencyKey: key,
            requestHash,
            resultJson: JSON.stringify({ pledgeId }),
            memo: req.note,
            reversesTransactionId: null,
            createdByUserId: actor.userId,
          },
          postings,
        )
        return { transactionId, pledgeId }
      })
    },

    move(key, req, actor) {
      return run(key, req.operation.kind, req.wardId, req.fundId, req, (trx, requestHash) =>
        appendMove(trx, key, requestHash, req, actor),
      )
    },

    moveWithin(trx, key, req, actor) {
      return runWithin(trx, key, req.operation.kind, req.wardId, req.fundId, req, (t, requestHash) =>
        appendMove(t, key, requestHash, req, actor),
      )
    },

    reverse(key, req, actor) {
      return run(key, 'reversal', req.wardId, req.fundId, req, async (trx, requestHash) => {
        const original = await findTransaction(trx, req.fundId, req.transactionId)
        if (!original) throw new LedgerRefused('transaction_unknown')
        // A reversal is itself final: correcting it again would be a new, ordinary movement.
        if (original.reversesTransactionId !== null) throw new LedgerRefused('not_reversible')
        const postings = checked(
          planReversal(
            await listPostings(trx, req.fundId, original.id),
            await loadBalances(trx, req.fundId),
            await isReversed(trx, original.id),
          ),
        )
        const transactionId = await insertTransaction(
          trx,
          {
            fundId: req.fundId,
            kind: 'reversal',
            idempotencyKey: key,
            requestHash,
            resultJson: '{}',
            memo: req.memo,
            reversesTransactionId: original.id,
            createdByUserId: actor.userId,
          },
          postings.map(({ account, pledgeId, theme, purpose, commitmentRef, amountPence }) => ({
            account,
            pledgeId,
            theme,
            purpose,
            commitmentRef,
            amountPence,
          })),
        )
        return { transactionId }
      })
    },
  }
}

/** What commissioning asks of the ledger for a contract: the pledge, the amount and the contract's reference. */
export type ContractMovementRequest = Omit<MovementRequest, 'operation'> & {
  pledgeId: number
  amountPence: number
  theme: string
  purpose: string
  commitmentRef: string
}

/** A movement for a contract: a commitment of allocated money or a payment of committed money. */
function contractMovement(kind: 'commitment' | 'payment') {
  return (ledger: Ledger, key: string, req: ContractMovementRequest, actor: LedgerActor): Promise<LedgerResult> => {
    const { pledgeId, amountPence, theme, purpose, commitmentRef, ...rest } = req
    return ledger.move(
      key,
      { ...rest, operation: { kind, pledgeId, amountPence, theme, purpose, commitmentRef } },
      actor,
    )
  }
}

/** For commissioning: commit allocated money to a contract. */
export const commitFunds = contractMovement('commitment')

/** For commissioning: pay committed money to a contract's provider. */
export const payFunds = contractMovement('payment')
