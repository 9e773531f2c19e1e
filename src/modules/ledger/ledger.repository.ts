import { sql, type Kysely } from 'kysely'
import type { Database, Dialect } from '../../platform/db/index.js'
import {
  sumPostings,
  type Account,
  type Balances,
  type PartnerKind,
  type PledgeTerms,
  type Posting,
} from './ledger.rules.js'
import { balanceKey } from './ledger.rules.js'

/**
 * The only code that touches `ledger_*` tables. It inserts and reads; there is deliberately no update
 * or delete of a pledge, transaction or posting here (the database refuses updates as well).
 */
type Db = Kysely<Database>

export interface Partner {
  id: number
  wardId: number
  name: string
  kind: PartnerKind
}

export interface Fund {
  id: number
  wardId: number
  financialYear: string
  name: string
}

export interface Pledge extends PledgeTerms {
  partnerId: number
  amountPence: number
  note: string
  createdAt: string
}

export interface TransactionRow {
  id: number
  fundId: number
  kind: string
  idempotencyKey: string
  requestHash: string
  resultJson: string
  memo: string
  reversesTransactionId: number | null
  createdAt: string
}

const now = () => new Date().toISOString()

export async function insertPartner(db: Db, p: { wardId: number; name: string; kind: PartnerKind }): Promise<number> {
  const r = await db
    .insertInto('ledger_partner')
    .values({ ward_id: p.wardId, name: p.name, kind: p.kind, created_at: now() })
    .returning('id')
    .executeTakeFirstOrThrow()
  return Number(r.id)
}

export async function findPartnerByName(db: Db, wardId: number, name: string): Promise<Partner | undefined> {
  return (await listPartners(db, wardId)).find((p) => p.name === name)
}

export async function listPartners(db: Db, wardId: number): Promise<Partner[]> {
  const rows = await db.selectFrom('ledger_partner').selectAll().where('ward_id', '=', wardId).orderBy('name').execute()
  return rows.map((r) => ({ id: Number(r.id), wardId: Number(r.ward_id), name: r.name, kind: r.kind as PartnerKind }))
}

export async function linkPartnerUser(db: Db, partnerId: number, userId: number): Promise<void> {
  await db
    .insertInto('ledger_partner_user')
    .values({ partner_id: partnerId, user_id: userId, created_at: now() })
    .onConflict((oc) => oc.doNothing())
    .execute()
}

/** The partners this person speaks for in this ward. */
export async function partnersOfUser(db: Db, wardId: number, userId: number): Promise<Partner[]> {
  const rows = await db
    .selectFrom('ledger_partner_user as u')
    .innerJoin('ledger_partner as p', 'p.id', 'u.partner_id')
    .select(['p.id', 'p.ward_id', 'p.name', 'p.kind'])
    .where('u.user_id', '=', userId)
    .where('p.ward_id', '=', wardId)
    .orderBy('p.name')
    .execute()
  return rows.map((r) => ({ id: Number(r.id), wardId: Number(r.ward_id), name: r.name, kind: r.kind as PartnerKind }))
}

export async function insertFund(db: Db, f: { wardId: number; financialYear: string; name: string }): Promise<number> {
  const r = await db
    .insertInto('ledger_fund')
    .values({ ward_id: f.wardId, financial_year: f.financialYear, name: f.name, created_at: now() })
    .returning('id')
    .executeTakeFirstOrThrow()
  return Number(r.id)
}

export async function listFunds(db: Db, wardId: number): Promise<Fund[]> {
  const rows = await db
    .selectFrom('ledger_fund')
    .selectAll()
    .where('ward_id', '=', wardId)
    .orderBy('financial_year', 'desc')
    .execute()
  return rows.map((r) => ({
    id: Number(r.id),
    wardId: Number(r.ward_id),
    financialYear: r.financial_year,
    name: r.name,
  }))
}

export async function findFund(db: Db, wardId: number, fundId: number): Promise<Fund | undefined> {
  return (await listFunds(db, wardId)).find((f) => f.id === fundId)
}

/**
 * Serialises money movements on one fund: on PostgreSQL the fund row is locked until commit; on
 * SQLite every write already runs on the single writer, one unit after another.
 */
export async function lockFund(db: Db, dialect: Dialect, fundId: number): Promise<boolean> {
  if (dialect === 'postgres') {
    const r = await sql<{ id: string }>`select id from ledger_fund where id = ${fundId} for update`.execute(db)
    return r.rows.length === 1
  }
  return (await db.selectFrom('ledger_fund').select('id').where('id', '=', fundId).executeTakeFirst()) !== undefined
}

export async function insertPledge(
  db: Db,
  p: {
    fundId: number
    partnerId: number
    amountPence: number
    themes: string[]
    expiresOn: string | null
    approvalRequired: boolean
    note: string
  },
): Promise<number> {
  const r = await db
    .insertInto('ledger_pledge')
    .values({
      fund_id: p.fundId,
      partner_id: p.partnerId,
      amount_pence: p.amountPence,
      themes_json: JSON.stringify(p.themes),
      expires_on: p.expiresOn,
      approval_required: p.approvalRequired ? 1 : 0,
      note: p.note,
      created_at: now(),
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return Number(r.id)
}

export async function insertApproval(db: Db, pledgeId: number, userId: number | null): Promise<void> {
  await db
    .insertInto('ledger_pledge_approval')
    .values({ pledge_id: pledgeId, approved_by_user_id: userId, created_at: now() })
    .onConflict((oc) => oc.doNothing())
    .execute()
}

export async function listPledges(db: Db, fundId: number): Promise<Pledge[]> {
  const rows = await db
    .selectFrom('ledger_pledge as p')
    .leftJoin('ledger_pledge_approval as a', 'a.pledge_id', 'p.id')
    .select([
      'p.id',
      'p.fund_id',
      'p.partner_id',
      'p.amount_pence',
      'p.themes_json',
      'p.expires_on',
      'p.approval_required',
      'p.note',
      'p.created_at',
      'a.created_at as approved_at',
    ])
    .where('p.fund_id', '=', fundId)
    .orderBy('p.id')
    .execute()
  return rows.map((r) => ({
    id: Number(r.id),
    fundId: Number(r.fund_id),
    partnerId: Number(r.partner_id),
    amountPence: Number(r.amount_pence),
    themes: JSON.parse(r.themes_json) as string[],
    expiresOn: r.expires_on,
    approvalRequired: Number(r.approval_required) === 1,
    approved: r.approved_at !== null,
    note: r.note,
    createdAt: r.created_at,
  }))
}

const toTransaction = (r: {
  id: number | string
  fund_id: number | string
  kind: string
  idempotency_key: string
  request_hash: string
  result_json: string
  memo: string
  reverses_transaction_id: number | string | null
  created_at: string
}): TransactionRow => ({
  id: Number(r.id),
  fundId: Number(r.fund_id),
  kind: r.kind,
  idempotencyKey: r.idempotency_key,
  requestHash: r.request_hash,
  resultJson: r.result_json,
  memo: r.memo,
  reversesTransactionId: r.reverses_transaction_id === null ? null : Number(r.reverses_transaction_id),
  createdAt: r.created_at,
})

export async function findTransactionByKey(db: Db, key: string): Promise<TransactionRow | undefined> {
  const r = await db.selectFrom('ledger_transaction').selectAll().where('idempotency_key', '=', key).executeTakeFirst()
  return r ? toTransaction(r) : undefined
}

export async function findTransaction(db: Db, fundId: number, id: number): Promise<TransactionRow | undefined> {
  const r = await db
    .selectFrom('ledger_transaction')
    .selectAll()
    .where('fund_id', '=', fundId)
    .where('id', '=', id)
    .executeTakeFirst()
  return r ? toTransaction(r) : undefined
}

export async function isReversed(db: Db, id: number): Promise<boolean> {
  const r = await db
    .selectFrom('ledger_transaction')
    .select('id')
    .where('reverses_transaction_id', '=', id)
    .executeTakeFirst()
  return r !== undefined
}

export async function listTransactions(db: Db, fundId: number): Promise<TransactionRow[]> {
  const rows = await db
    .selectFrom('ledger_transaction')
    .selectAll()
    .where('fund_id', '=', fundId)
    .orderBy('id', 'desc')
    .execute()
  return rows.map(toTransaction)
}

/** Appends one balanced transaction with its postings; refuses an unbalanced one before touching the table. */
export async function insertTransaction(
  db: Db,
  t: {
    fundId: number
    kind: string
    idempotencyKey: string
    requestHash: string
    /** What a replay of this request returns besides the transaction id (e.g. the pledge it created). */
    resultJson: string
    memo: string
    reversesTransactionId: number | null
    createdByUserId: number | null
  },
  postings: readonly Posting[],
): Promise<number> {
  if (postings.length < 2 || sumPostings(postings) !== 0) throw new Error('unbalanced ledger transaction refused')
  const r = await db
    .insertInto('ledger_transaction')
    .values({
      fund_id: t.fundId,
      kind: t.kind,
      idempotency_key: t.idempotencyKey,
      request_hash: t.requestHash,
      result_json: t.resultJson,
      memo: t.memo,
      reverses_transaction_id: t.reversesTransactionId,
      created_by_user_id: t.createdByUserId,
      created_at: now(),
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  const id = Number(r.id)
  await db
    .insertInto('ledger_posting')
    .values(
      postings.map((p) => ({
        transaction_id: id,
        fund_id: t.fundId,
        account: p.account,
        pledge_id: p.pledgeId,
        theme: p.theme,
        purpose: p.purpose,
        commitment_ref: p.commitmentRef,
        amount_pence: p.amountPence,
      })),
    )
    .execute()
  return id
}

export async function listPostings(
  db: Db,
  fundId: number,
  transactionId?: number,
): Promise<(Posting & { transactionId: number })[]> {
  let q = db.selectFrom('ledger_posting').selectAll().where('fund_id', '=', fundId)
  if (transactionId !== undefined) q = q.where('transaction_id', '=', transactionId)
  const rows = await q.orderBy('id').execute()
  return rows.map((r) => ({
    transactionId: Number(r.transaction_id),
    account: r.account as Account,
    pledgeId: Number(r.pledge_id),
    theme: r.theme,
    purpose: r.purpose,
    commitmentRef: r.commitment_ref,
    amountPence: Number(r.amount_pence),
  }))
}

/** Current balances per key, summed by the database. */
export async function loadBalances(db: Db, fundId: number): Promise<Balances> {
  const rows = await db
    .selectFrom('ledger_posting')
    .select(['account', 'pledge_id', 'theme', 'purpose', 'commitment_ref'])
    .select((eb) => eb.fn.sum<number | string>('amount_pence').as('total'))
    .where('fund_id', '=', fundId)
    .groupBy(['account', 'pledge_id', 'theme', 'purpose', 'commitment_ref'])
    .execute()
  const out: Balances = new Map()
  for (const r of rows) {
    const total = Number(r.total)
    if (total === 0) continue
    out.set(
      balanceKey({
        account: r.account as Account,
        pledgeId: Number(r.pledge_id),
        theme: r.theme,
        purpose: r.purpose,
        commitmentRef: r.commitment_ref,
      }),
      total,
    )
  }
  return out
}
