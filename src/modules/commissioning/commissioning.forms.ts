import { z } from 'zod'
import { parsePounds } from '../ledger/index.js'
import { slug, type Criterion, type Instalment, type Kpi, type LotInput } from './commissioning.rules.js'

const E = (k: string) => `commissioning.errors.${k}`
const text = (max: number, message: string) => z.string({ error: message }).trim().min(1, message).max(max, message)
const optional = (max: number) => z.string().trim().max(max).optional().default('')
const id = (message: string) =>
  z
    .string({ error: message })
    .regex(/^\d{1,12}$/, message)
    .transform(Number)
const pounds = (message: string) =>
  z.string({ error: message }).transform((s, c) => {
    const p = parsePounds(s)
    if (p === undefined || p <= 0) {
      c.addIssue({ code: 'custom', message })
      return z.NEVER
    }
    return p
  })
const many = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]))
const date = (message: string) =>
  z
    .string({ error: message })
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}$/, message)

export const ProcessForm = z
  .object({
    title: text(200, E('titleRequired')),
    sourceKind: z.enum(['need', 'priority'], { error: E('sourceRequired') }),
    need: optional(2000),
    priorityOptionId: z.string().optional().default(''),
    envelope: text(500, E('envelopeRequired')),
  })
  .superRefine((v, c) => {
    if (v.sourceKind === 'need' && v.need === '')
      c.addIssue({ code: 'custom', path: ['need'], message: E('needRequired') })
    if (v.sourceKind === 'priority' && !/^\d{1,12}$/.test(v.priorityOptionId))
      c.addIssue({ code: 'custom', path: ['priorityOptionId'], message: E('priorityRequired') })
  })
export const PROCESS_FIELDS = ['title', 'sourceKind', 'need', 'priorityOptionId', 'envelope']

export const KPI_ROWS = [1, 2, 3] as const
export const SpecForm = z
  .object({
    title: text(200, E('titleRequired')),
    outcomes: text(5000, E('outcomesRequired')),
    kpi1Name: optional(200),
    kpi1Target: optional(200),
    kpi2Name: optional(200),
    kpi2Target: optional(200),
    kpi3Name: optional(200),
    kpi3Target: optional(200),
    budget: pounds(E('budgetInvalid')),
    durationMonths: z
      .string({ error: E('durationInvalid') })
      .regex(/^\d{1,3}$/, E('durationInvalid'))
      .transform(Number)
      .refine((n) => n >= 1 && n <= 120, E('durationInvalid')),
    equalityImpact: text(5000, E('equalityRequired')),
  })
  .superRefine((v, c) => {
    const kpis = kpisOf(v)
    if (kpis.length === 0) c.addIssue({ code: 'custom', path: ['kpi1Name'], message: E('kpiRequired') })
    for (const n of KPI_ROWS) {
      const name = v[`kpi${n}Name`]
      const target = v[`kpi${n}Target`]
      if (name !== '' && target === '')
        c.addIssue({ code: 'custom', path: [`kpi${n}Target`], message: E('kpiTargetRequired') })
    }
  })
export const SPEC_FIELDS = [
  'title',
  'outcomes',
  'kpi1Name',
  'kpi1Target',
  'kpi2Name',
  'kpi2Target',
  'kpi3Name',
  'kpi3Target',
  'budget',
  'durationMonths',
  'equalityImpact',
]
export function kpisOf(v: Record<string, string | number>): Kpi[] {
  return KPI_ROWS.map((n) => ({
    name: String(v[`kpi${n}Name`] ?? ''),
    target: String(v[`kpi${n}Target`] ?? ''),
  })).filter((k) => k.name !== '' && k.target !== '')
}

export const CommentForm = z.object({ body: text(2000, E('commentRequired')) })
export const ConflictForm = z.object({
  organisationId: id(E('organisationRequired')),
  reason: text(500, E('reasonRequired')),
})

export const CRITERION_ROWS = [1, 2, 3, 4] as const
export const LOT_ROWS = [1, 2, 3, 4] as const
const weight = z
  .string()
  .trim()
  .optional()
  .default('')
  .refine((s) => s === '' || /^\d{1,3}$/.test(s), E('weightInvalid'))
export const OpportunityForm = z.object({
  kind: z.enum(['contract', 'grant'], { error: E('kindRequired') }),
  procedure: z.enum(['open', 'invited'], { error: E('procedureRequired') }),
  invited: many,
  deadlineDate: date(E('deadlineInvalid')),
  deadlineTime: z
    .string({ error: E('deadlineInvalid') })
    .trim()
    .regex(/^\d{2}:\d{2}$/, E('deadlineInvalid')),
  weightSocialValue: weight,
  weightLocalBenefit: weight,
  c1Title: optional(120),
  c1Weight: weight,
  c2Title: optional(120),
  c2Weight: weight,
  c3Title: optional(120),
  c3Weight: weight,
  c4Title: optional(120),
  c4Weight: weight,
  lot1Title: optional(120),
  lot1Budget: optional(20),
  lot2Title: optional(120),
  lot2Budget: optional(20),
  lot3Title: optional(120),
  lot3Budget: optional(20),
  lot4Title: optional(120),
  lot4Budget: optional(20),
})
export const OPPORTUNITY_FIELDS = [
  'kind',
  'procedure',
  'invited',
  'deadlineDate',
  'deadlineTime',
  'weightSocialValue',
  'weightLocalBenefit',
  'c1Title',
  'c1Weight',
  'c2Title',
  'c2Weight',
  'c3Title',
  'c3Weight',
  'c4Title',
  'c4Weight',
  ...LOT_ROWS.flatMap((n) => [`lot${n}Title`, `lot${n}Budget`]),
]
export function criteriaOf(v: z.infer<typeof OpportunityForm>, titles: { social: string; local: string }): Criterion[] {
  const out: Criterion[] = []
  for (const n of CRITERION_ROWS) {
    const title = v[`c${n}Title`]
    if (title !== '') out.push({ key: slug(title), title, weight: Number(v[`c${n}Weight`] || 0) })
  }
  out.push({ key: 'social-value', title: titles.social, weight: Number(v.weightSocialValue || 0) })
  out.push({ key: 'local-benefit', title: titles.local, weight: Number(v.weightLocalBenefit || 0) })
  return out
}

/** The lots named on the form (a row with a budget but no title counts, so its missing title is reported). */
export function lotsOf(v: z.infer<typeof OpportunityForm>): (LotInput & { row: number })[] {
  return LOT_ROWS.filter((n) => v[`lot${n}Title`] !== '' || v[`lot${n}Budget`] !== '').map((n) => {
    const pence = parsePounds(v[`lot${n}Budget`])
    return { row: n, title: v[`lot${n}Title`], budgetPence: pence !== undefined && pence > 0 ? pence : undefined }
  })
}

export const QuestionForm = z.object({ question: text(2000, E('questionRequired')) })
export const AnswerForm = z.object({
  clarificationId: id(E('answerRequired')),
  answer: text(4000, E('answerRequired')),
})

/** A bid answers each criterion; the schema follows the opportunity's own criteria. */
export function bidForm(criteria: Criterion[]) {
  return z.object({
    price: pounds(E('priceInvalid')),
    ...Object.fromEntries(criteria.map((c) => [`answer-${c.key}`, text(10_000, E('answerRequired'))])),
  })
}

const score0to10 = z
  .string({ error: E('scoreInvalid') })
  .trim()
  .regex(/^(10|\d)$/, E('scoreInvalid'))
  .transform(Number)
export function scoreForm(criteria: Criterion[]) {
  return z.object(
    Object.fromEntries(
      criteria.flatMap((c) => [
        [`score-${c.key}`, score0to10],
        [`reason-${c.key}`, text(2000, E('scoreReasonRequired'))],
      ]),
    ),
  )
}
export const scoreFields = (criteria: Criterion[]) => criteria.flatMap((c) => [`score-${c.key}`, `reason-${c.key}`])

export const ProposeForm = z.object({ bidId: id(E('bidRequired')), reason: text(2000, E('reasonRequired')) })

export const ContractForm = z
  .object({
    startDate: date(E('dateInvalid')),
    endDate: date(E('dateInvalid')),
    milestones: text(5000, E('milestonesRequired')),
    schedule: text(5000, E('scheduleInvalid')),
  })
  .refine((v) => v.endDate > v.startDate, { path: ['endDate'], message: E('endBeforeStart') })
export const CONTRACT_FIELDS = ['startDate', 'endDate', 'milestones', 'schedule']

/** "2027-01-31 | £1,000 | First quarter" per line; undefined when any line is not in that form. */
export function parseSchedule(s: string): Instalment[] | undefined {
  const out: Instalment[] = []
  for (const line of s
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)) {
    const [due = '', amount = '', ...rest] = line.split('|').map((x) => x.trim())
    const pence = parsePounds(amount)
    if (!/^\d{4}-\d{2}-\d{2}$/.test(due) || pence === undefined || pence <= 0) return undefined
    out.push({ due, amountPence: pence, label: rest.join(' ') || due })
  }
  return out.length ? out : undefined
}

/** No key from the form: the ledger key names the instalment, so each is paid once. */
export const PaymentForm = z.object({
  instalment: id(E('instalmentRequired')),
})
