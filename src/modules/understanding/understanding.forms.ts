import { z } from 'zod'

const text = (max: number, message: string) => z.string({ error: message }).trim().min(1, message).max(max, message)
const many = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]))
const id = (message: string) =>
  z
    .string({ error: message })
    .regex(/^\d{1,12}$/, message)
    .transform(Number)
const optionalId = z
  .string()
  .optional()
  .transform((v) => (v ? v : null))
  .refine((v) => v === null || /^\d{1,12}$/.test(v), 'understanding.errors.themeInvalid')
  .transform((v) => (v === null ? null : Number(v)))
export const ITEM_REF = /^(answer|text):\d{1,12}$/

export const ThemeForm = z.object({
  name: text(120, 'understanding.errors.nameRequired'),
  definition: text(1000, 'understanding.errors.definitionRequired'),
  examples: z.string().trim().max(2000, 'understanding.errors.tooLong').optional().default(''),
  parentId: optionalId,
})
export const THEME_FIELDS = ['name', 'definition', 'examples', 'parentId']

export const MergeForm = z.object({ targetId: id('understanding.errors.targetRequired') })

export const SplitForm = z.object({
  nameA: text(120, 'understanding.errors.splitNames'),
  nameB: text(120, 'understanding.errors.splitNames'),
})
export const SPLIT_FIELDS = ['nameA', 'nameB']

export const CodingForm = z.object({
  itemRef: z.string().regex(ITEM_REF, 'understanding.errors.itemInvalid'),
  /** Theme ids, or "other" when none of the frame's themes fits. */
  themes: many
    .refine((v) => v.length > 0, 'understanding.errors.chooseTheme')
    .refine((v) => v.every((x) => x === 'other' || /^\d{1,12}$/.test(x)), 'understanding.errors.themeInvalid'),
  mode: z.enum(['first', 'second']).optional().default('first'),
})

export const DecisionForm = z
  .object({
    decision: z.enum(['accept', 'merge', 'dismiss'], { error: 'understanding.errors.decisionRequired' }),
    name: z.string().trim().max(120, 'understanding.errors.tooLong').optional().default(''),
    targetId: optionalId,
  })
  .refine((v) => v.decision !== 'accept' || v.name.length > 0, {
    message: 'understanding.errors.nameRequired',
    path: ['name'],
  })
  .refine((v) => v.decision !== 'merge' || v.targetId !== null, {
    message: 'understanding.errors.targetRequired',
    path: ['targetId'],
  })

export const NeedForm = z.object({
  statement: text(300, 'understanding.errors.statementRequired'),
  themeId: optionalId,
})
export const NEED_FIELDS = ['statement', 'themeId']

export const EvidenceForm = z.object({
  refs: many.refine((v) => v.length > 0 && v.every((r) => ITEM_REF.test(r)), 'understanding.errors.evidenceRequired'),
})

/** Short enough to read at a glance and vote on, as in Pol.is (which caps statements at 140 characters). */
const statement = z
  .string({ error: 'understanding.errors.statementBody' })
  .trim()
  .min(10, 'understanding.errors.statementBody')
  .max(140, 'understanding.errors.statementBody')

export const StatementForm = z.object({
  body: statement,
  sourceRef: z
    .string()
    .optional()
    .transform((v) => (v ? v : null))
    .refine((v) => v === null || ITEM_REF.test(v), 'understanding.errors.itemInvalid'),
})
export const STATEMENT_FIELDS = ['body', 'sourceRef']

export const ProposalForm = z.object({ body: statement })

export const StatementDecisionForm = z.object({
  decision: z.enum(['publish', 'reject', 'close'], { error: 'understanding.errors.statementDecision' }),
})

export const VoteForm = z.object({
  vote: z.enum(['agree', 'disagree', 'pass'], { error: 'understanding.errors.voteRequired' }),
})
