/**
 * The pooled fund's double-entry rules, with no I/O: what postings an operation makes, whether the
 * conditions on the money allow it, and the balances that result. The repository stores what these
 * functions return and nothing else, so every invariant here holds for the stored ledger too.
 *
 * Accounts (per fund; every posting also names the pledge its money came from):
 * - `pledged`     credit-normal: what partners have promised (the fund's source of money)
 * - `receivable`  pledged but not yet received
 * - `available`   received and not yet allocated
 * - `allocated`   earmarked to a priority under a theme, not yet committed
 * - `committed`   committed to a contract, not yet paid
 * - `paid`        paid out to providers
 * - `returned`    handed back to the partner
 * Every account but `pledged` is debit-normal and may never go below zero for any of its keys.
 */

export const ACCOUNTS = ['pledged', 'receivable', 'available', 'allocated', 'committed', 'paid', 'returned'] as const
export type Account = (typeof ACCOUNTS)[number]

export const PARTNER_KINDS = [
  'council',
  'nhs',
  'police',
  'jobcentre',
  'housing_association',
  'voluntary',
  'other',
] as const
export type PartnerKind = (typeof PARTNER_KINDS)[number]

export const OPERATION_KINDS = [
  'pledge',
  'receipt',
  'allocation',
  'release',
  'commitment',
  'payment',
  'return',
] as const
export type OperationKind = (typeof OPERATION_KINDS)[number] | 'reversal'

export interface Posting {
  account: Account
  pledgeId: number
  /** Set for money earmarked to a theme (allocated, committed, paid). */
  theme: string | null
  /** What the allocation serves (a priority's reference), set with the theme. */
  purpose: string | null
  /** The contract or grant a commitment or payment belongs to. */
  commitmentRef: string | null
  /** Signed pence: debits positive, credits negative. A transaction's postings sum to zero. */
  amountPence: number
}

/** The conditions a partner attached to its pledge. */
export interface PledgeTerms {
  id: number
  fundId: number
  /** Empty: the money may serve any theme. Otherwise only these (a ring-fence). */
  themes: string[]
  /** ISO date (YYYY-MM-DD); after it, unallocated money may not be allocated. */
  expiresOn: string | null
  /** When the partner must approve before its money is allocated. */
  approvalRequired: boolean
  approved: boolean
}

export type Operation =
  | { kind: 'pledge'; pledgeId: number; amountPence: number }
  | { kind: 'receipt'; pledgeId: number; amountPence: number }
  | { kind: 'allocation'; pledgeId: number; amountPence: number; theme: string; purpose: string }
  | { kind: 'release'; pledgeId: number; amountPence: number; theme: string; purpose: string }
  | {
      kind: 'commitment'
      pledgeId: number
      amountPence: number
      theme: string
      purpose: string
      commitmentRef: string
    }
  | { kind: 'payment'; pledgeId: number; amountPence: number; theme: string; purpose: string; commitmentRef: string }
  | { kind: 'return'; pledgeId: number; amountPence: number }

export type RuleError =
  | 'amount_invalid'
  | 'pledge_unknown'
  | 'insufficient_funds'
  | 'theme_not_allowed'
  | 'pledge_expired'
  | 'approval_required'
  | 'already_reversed'
  | 'not_reversible'

export type RuleResult = { ok: true; postings: Posting[] } | { ok: false; error: RuleError }

/** The largest single amount accepted: £10 million, well inside exact integer arithmetic. */
export const MAX_AMOUNT_PENCE = 1_000_000_000

export function balanceKey(p: Pick<Posting, 'account' | 'pledgeId' | 'theme' | 'purpose' | 'commitmentRef'>): string {
  return JSON.stringify([p.account, p.pledgeId, p.theme, p.purpose, p.commitmentRef])
}

export type Balances = Map<string, number>

export function applyPostings(balances: Balances, postings: readonly Posting[]): Balances {
  const next = new Map(balances)
  for (const p of postings) {
    const k = balanceKey(p)
    const v = (next.get(k) ?? 0) + p.amountPence
    if (v === 0) next.delete(k)
    else next.set(k, v)
  }
  return next
}

export function balancesOf(postings: readonly Posting[]): Balances {
  return applyPostings(new Map(), postings)
}

export function sumPostings(postings: readonly Pick<Posting, 'amountPence'>[]): number {
  return postings.reduce((s, p) => s + p.amountPence, 0)
}

/** Debit-normal balances never go negative; `pledged` (credit-normal) never goes positive. */
export function balancesValid(balances: Balances): boolean {
  for (const [k, v] of balances) {
    const account = (JSON.parse(k) as [Account])[0]
    if (account === 'pledged' ? v > 0 : v < 0) return false
  }
  return true
}

function move(from: Omit<Posting, 'amountPence'>, to: Omit<Posting, 'amountPence'>, amountPence: number): Posting[] {
  return [
    { ...to, amountPence },
    { ...from, amountPence: -amountPence },
  ]
}

const plain = (account: Account, pledgeId: number): Omit<Posting, 'amountPence'> => ({
  account,
  pledgeId,
  theme: null,
  purpose: null,
  commitmentRef: null,
})

/**
 * The postings for one operation, or why it is refused. `today` is an ISO date (YYYY-MM-DD) so that
 * expiry is decided by the caller's clock, not this function's.
 */
export function plan(op: Operation, pledge: PledgeTerms | undefined, balances: Balances, today: string): RuleResult {
  if (!Number.isSafeInteger(op.amountPence) || op.amountPence <= 0 || op.amountPence > MAX_AMOUNT_PENCE)
    return { ok: false, error: 'amount_invalid' }
  if (!pledge || pledge.id !== op.pledgeId) return { ok: false, error: 'pledge_unknown' }
  const a = op.amountPence
  let postings: Posting[]
  switch (op.kind) {
    case 'pledge':
      postings = move(plain('pledged', pledge.id), plain('receivable', pledge.id), a)
      break
    case 'receipt':
      postings = move(plain('receivable', pledge.id), plain('available', pledge.id), a)
      break
    case 'allocation': {
      if (pledge.themes.length > 0 && !pledge.themes.includes(op.theme))
        return { ok: false, error: 'theme_not_allowed' }
      if (pledge.expiresOn !== null && today > pledge.expiresOn) return { ok: false, error: 'pledge_expired' }
      if (pledge.approvalRequired && !pledge.approved) return { ok: false, error: 'approval_required' }
      const to = { ...plain('allocated', pledge.id), theme: op.theme, purpose: op.purpose }
      postings = move(plain('available', pledge.id), to, a)
      break
    }
    case 'release': {
      const from = { ...plain('allocated', pledge.id), theme: op.theme, purpose: op.purpose }
      postings = move(from, plain('available', pledge.id), a)
      break
    }
    case 'commitment': {
      const from = { ...plain('allocated', pledge.id), theme: op.theme, purpose: op.purpose }
      postings = move(from, { ...from, account: 'committed', commitmentRef: op.commitmentRef }, a)
      break
    }
    case 'payment': {
      const from = {
        ...plain('committed', pledge.id),
        theme: op.theme,
        purpose: op.purpose,
        commitmentRef: op.commitmentRef,
      }
      postings = move(from, { ...from, account: 'paid' }, a)
      break
    }
    case 'return':
      postings = move(plain('available', pledge.id), plain('returned', pledge.id), a)
      break
    default: {
      const never: never = op
      throw new Error(`unknown operation ${JSON.stringify(never)}`)
    }
  }
  // Ring-fenced money moves only between keys of the same theme, so checking the balances is enough
  // to stop it paying for another theme: a commitment or payment under theme B finds nothing allocated to B.
  if (!balancesValid(applyPostings(balances, postings))) return { ok: false, error: 'insufficient_funds' }
  return { ok: true, postings }
}

/** The reversing postings for a transaction (the correction, since entries are never changed). */
export function planReversal(original: readonly Posting[], balances: Balances, alreadyReversed: boolean): RuleResult {
  if (alreadyReversed) return { ok: false, error: 'already_reversed' }
  if (original.length === 0) return { ok: false, error: 'not_reversible' }
  const postings = original.map((p) => ({ ...p, amountPence: -p.amountPence }))
  if (!balancesValid(applyPostings(balances, postings))) return { ok: false, error: 'insufficient_funds' }
  return { ok: true, postings }
}

export interface AccountTotals {
  pledged: number
  receivable: number
  available: number
  allocated: number
  committed: number
  paid: number
  returned: number
}

/** Totals per account in natural sign (pledged shown as a positive promise). */
export function totals(postings: readonly Posting[], filter: (p: Posting) => boolean = () => true): AccountTotals {
  const t: AccountTotals = { pledged: 0, receivable: 0, available: 0, allocated: 0, committed: 0, paid: 0, returned: 0 }
  for (const p of postings) if (filter(p)) t[p.account] += p.account === 'pledged' ? -p.amountPence : p.amountPence
  return t
}

/** Where money went, per theme and purpose: still allocated, committed and paid. */
export function spendByPurpose(
  postings: readonly Posting[],
  filter: (p: Posting) => boolean = () => true,
): { theme: string; purpose: string; allocated: number; committed: number; paid: number }[] {
  const rows = new Map<string, { theme: string; purpose: string; allocated: number; committed: number; paid: number }>()
  for (const p of postings) {
    if (!filter(p) || p.theme === null || p.purpose === null) continue
    if (p.account !== 'allocated' && p.account !== 'committed' && p.account !== 'paid') continue
    const k = JSON.stringify([p.theme, p.purpose])
    const row = rows.get(k) ?? { theme: p.theme, purpose: p.purpose, allocated: 0, committed: 0, paid: 0 }
    row[p.account] += p.amountPence
    rows.set(k, row)
  }
  return [...rows.values()]
    .filter((r) => r.allocated !== 0 || r.committed !== 0 || r.paid !== 0)
    .sort((a, b) => a.theme.localeCompare(b.theme) || a.purpose.localeCompare(b.purpose))
}

/** "£1,234.56" from pence; the one formatting rule pages and seeds share. */
export function formatPence(pence: number): string {
  const sign = pence < 0 ? '-' : ''
  const abs = Math.abs(pence)
  const pounds = Math.floor(abs / 100).toLocaleString('en-GB')
  return `${sign}£${pounds}.${String(abs % 100).padStart(2, '0')}`
}

/** "1234.56", "£1,234", "1234" → pence; undefined when it is not a money amount with at most 2 decimals. */
export function parsePounds(input: string): number | undefined {
  const s = input.trim().replace(/^£/, '').replace(/,/g, '')
  if (!/^\d{1,8}(\.\d{1,2})?$/.test(s)) return undefined
  const [whole, frac = ''] = s.split('.')
  return Number(whole) * 100 + Number(frac.padEnd(2, '0'))
}

/** The UK public-sector financial year an ISO date falls in: 2026-05-01 → "2026-27". */
export function financialYearOf(isoDate: string): string {
  const y = Number(isoDate.slice(0, 4))
  const start = isoDate.slice(5, 10) >= '04-01' ? y : y - 1
  return `${start}-${String((start + 1) % 100).padStart(2, '0')}`
}

/** A stable text form of a request body, for the idempotency check (key order must not matter). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}
