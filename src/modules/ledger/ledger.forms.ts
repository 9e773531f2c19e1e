import { z } from 'zod'
import { IDEMPOTENCY_KEY } from './ledger.service.js'
import { PARTNER_KINDS, parsePounds } from './ledger.rules.js'

const key = z.string({ error: 'ledger.errors.keyInvalid' }).regex(IDEMPOTENCY_KEY, 'ledger.errors.keyInvalid')
const id = (message: string) =>
  z
    .string({ error: message })
    .regex(/^\d{1,12}$/, message)
    .transform(Number)
const pounds = z.string({ error: 'ledger.errors.amountInvalid' }).transform((s, c) => {
  const p = parsePounds(s)
  if (p === undefined || p <= 0) {
    c.addIssue({ code: 'custom', message: 'ledger.errors.amountInvalid' })
    return z.NEVER
  }
  return p
})
const text = (max: number, message: string) => z.string({ error: message }).trim().min(1, message).max(max, message)
/** Checkboxes arrive as nothing, one string or several. */
const many = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]))

export const PartnerForm = z.object({
  name: text(200, 'ledger.errors.partnerNameRequired'),
  kind: z.enum(PARTNER_KINDS, { error: 'ledger.errors.partnerKindRequired' }),
})
export const PARTNER_FIELDS = ['name', 'kind']

export const LinkForm = z.object({
  partnerId: id('ledger.errors.partnerRequired'),
  email: z
    .string({ error: 'ledger.errors.emailInvalid' })
    .trim()
    .toLowerCase()
    .email('ledger.errors.emailInvalid')
    .max(320),
})
export const LINK_FIELDS = ['partnerId', 'email']

export const FundForm = z.object({
  financialYear: z
    .string({ error: 'ledger.errors.yearInvalid' })
    .trim()
    .regex(/^20\d\d-\d\d$/, 'ledger.errors.yearInvalid')
    .refine((y) => (Number(y.slice(0, 4)) + 1) % 100 === Number(y.slice(5)), 'ledger.errors.yearInvalid'),
  name: text(200, 'ledger.errors.fundNameRequired'),
})
export const FUND_FIELDS = ['financialYear', 'name']

export const PledgeForm = z.object({
  idempotencyKey: key,
  fundId: id('ledger.errors.fundRequired'),
  partnerId: id('ledger.errors.partnerRequired'),
  amount: pounds,
  themes: many,
  expiresOn: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v : null))
    .refine(
      (v) => v === null || (/^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v))),
      'ledger.errors.dateInvalid',
    ),
  approvalRequired: z.enum(['yes']).optional(),
  note: z.string().trim().max(500, 'ledger.errors.noteTooLong').optional().default(''),
})
export const PLEDGE_FIELDS = [
  'partnerId',
  'amount',
  'themes',
  'expiresOn',
  'approvalRequired',
  'note',
  'idempotencyKey',
  'fundId',
]

export const MOVEMENT_KINDS = ['receipt', 'allocation', 'release', 'return'] as const
export const MovementForm = z
  .object({
    idempotencyKey: key,
    fundId: id('ledger.errors.fundRequired'),
    kind: z.enum(MOVEMENT_KINDS, { error: 'ledger.errors.kindRequired' }),
    pledgeId: id('ledger.errors.pledgeRequired'),
    amount: pounds,
    theme: z.string().trim().max(100).optional().default(''),
    purpose: z.string().trim().max(200, 'ledger.errors.purposeRequired').optional().default(''),
    memo: z.string().trim().max(500, 'ledger.errors.noteTooLong').optional().default(''),
  })
  .superRefine((v, c) => {
    if (v.kind === 'allocation' || v.kind === 'release') {
      if (!v.theme) c.addIssue({ code: 'custom', path: ['theme'], message: 'ledger.errors.themeRequired' })
      if (!v.purpose) c.addIssue({ code: 'custom', path: ['purpose'], message: 'ledger.errors.purposeRequired' })
    }
  })
export const MOVEMENT_FIELDS = ['kind', 'pledgeId', 'amount', 'theme', 'purpose', 'memo', 'idempotencyKey', 'fundId']

export const ReversalForm = z.object({
  idempotencyKey: key,
  fundId: id('ledger.errors.fundRequired'),
  transactionId: id('ledger.errors.transactionRequired'),
  memo: text(500, 'ledger.errors.reasonRequired'),
})

export const ApproveForm = z.object({ pledgeId: id('ledger.errors.pledgeRequired') })
