import { z } from 'zod'
import { isIsoDate, parseKpiTarget, SERVICE_STATES } from './delivery.rules.js'

/** Form schemas; messages are translation keys (GOV.UK wording lives in locales/<lang>/delivery.json). */

const text = (max: number, required: string, tooLong: string) =>
  z.string({ error: required }).trim().min(1, required).max(max, tooLong)
const optionalText = (max: number, tooLong: string) =>
  z
    .string()
    .trim()
    .max(max, tooLong)
    .optional()
    .transform((v) => v ?? '')

export const RatingForm = z.object({
  stars: z.enum(['1', '2', '3', '4', '5'], { error: 'delivery.errors.stars' }).transform(Number),
  comment: optionalText(1000, 'delivery.errors.commentTooLong'),
  surveys: z
    .string()
    .optional()
    .transform((v) => v === 'yes'),
})
export const RATING_FIELDS = ['stars', 'comment', 'surveys']

export const ReasonForm = z.object({
  reason: text(500, 'delivery.errors.reasonRequired', 'delivery.errors.reasonTooLong'),
})

export const ReviewForm = z
  .object({
    decision: z.enum(['accepted', 'changes_requested'], { error: 'delivery.errors.decision' }),
    comment: optionalText(1000, 'delivery.errors.commentTooLong'),
  })
  .refine((v) => v.decision === 'accepted' || v.comment.length > 0, {
    path: ['comment'],
    message: 'delivery.errors.reviewCommentRequired',
  })
export const REVIEW_FIELDS = ['decision', 'comment']

export const TrackForm = z.object({
  processId: z
    .string({ error: 'delivery.errors.contract' })
    .regex(/^\d{1,12}$/, 'delivery.errors.contract')
    .transform(Number),
  parentId: z
    .string()
    .regex(/^(\d{1,12})?$/, 'delivery.errors.parent')
    .optional()
    .transform((v) => (v ? Number(v) : null)),
  weight: z
    .string({ error: 'delivery.errors.weight' })
    .trim()
    .regex(/^\d{1,3}$/, 'delivery.errors.weight')
    .transform(Number)
    .refine((n) => n >= 1 && n <= 100, 'delivery.errors.weight'),
  periodMonths: z.enum(['1', '3', '6', '12'], { error: 'delivery.errors.periodMonths' }).transform(Number),
})
export const TRACK_FIELDS = ['processId', 'parentId', 'weight', 'periodMonths']

export const StateForm = z.object({ state: z.enum(SERVICE_STATES, { error: 'delivery.errors.state' }) })

export interface ReturnData {
  submit: boolean
  narrative: string
  kpiValues: { kpiId: number; value: number }[]
  milestoneIds: number[]
}

const NUMBER = /^-?\d{1,9}(\.\d{1,2})?$/

/**
 * A return: a draft may be partial; a submission needs every KPI figure and the narrative. Field names are
 * `kpi-<id>`, `narrative`, `milestones` (ids of milestones done) and `action` (draft | submit).
 * Milestone ids outside the service's own are an error, not silently dropped.
 */
export function parseReturnForm(
  body: Record<string, unknown>,
  kpiIds: number[],
  openMilestoneIds: number[],
): { ok: true; data: ReturnData } | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {}
  const str = (k: string) => {
    const v = body[k]
    return typeof v === 'string' ? v.trim() : Array.isArray(v) && typeof v[0] === 'string' ? v[0].trim() : ''
  }
  const submit = str('action') === 'submit'
  const narrative = str('narrative')
  if (narrative.length > 5000) errors.narrative = 'delivery.errors.narrativeTooLong'
  else if (submit && narrative.length === 0) errors.narrative = 'delivery.errors.narrativeRequired'
  const kpiValues: ReturnData['kpiValues'] = []
  for (const id of kpiIds) {
    const raw = str(`kpi-${id}`).replace(/,/g, '')
    if (raw === '') {
      if (submit) errors[`kpi-${id}`] = 'delivery.errors.kpiRequired'
      continue
    }
    if (!NUMBER.test(raw)) {
      errors[`kpi-${id}`] = 'delivery.errors.kpiNumber'
      continue
    }
    kpiValues.push({ kpiId: id, value: Number(raw) })
  }
  const rawMs = body.milestones
  const ms = (Array.isArray(rawMs) ? rawMs : rawMs === undefined ? [] : [rawMs]).map(String)
  const milestoneIds: number[] = []
  for (const m of ms) {
    if (!/^\d{1,12}$/.test(m) || !openMilestoneIds.includes(Number(m))) errors.milestones = 'delivery.errors.milestone'
    else if (!milestoneIds.includes(Number(m))) milestoneIds.push(Number(m))
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors }
  return { ok: true, data: { submit, narrative, kpiValues, milestoneIds } }
}

export const MILESTONE_FIELDS = ['title', 'due', 'weight']

/** A milestone an officer adds: a title, a GOV.UK date (day, month, year) and a weight from 1 to 10. */
export const MilestoneForm = z
  .object({
    title: text(200, 'delivery.errors.milestoneTitle', 'delivery.errors.milestoneTitleTooLong'),
    'due-day': z.string().trim().optional(),
    'due-month': z.string().trim().optional(),
    'due-year': z.string().trim().optional(),
    weight: z
      .string({ error: 'delivery.errors.milestoneWeight' })
      .trim()
      .regex(/^\d{1,2}$/, 'delivery.errors.milestoneWeight')
      .transform(Number)
      .refine((n) => n >= 1 && n <= 10, 'delivery.errors.milestoneWeight'),
  })
  .transform((v, ctx) => {
    const [d, m, y] = [v['due-day'] ?? '', v['due-month'] ?? '', v['due-year'] ?? '']
    const iso =
      /^\d{1,2}$/.test(d) && /^\d{1,2}$/.test(m) && /^\d{4}$/.test(y)
        ? `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`
        : ''
    if (!isIsoDate(iso)) {
      ctx.addIssue({ code: 'custom', path: ['due'], message: 'delivery.errors.milestoneDue' })
      return z.NEVER
    }
    return { title: v.title, dueOn: iso, weight: v.weight }
  })

export const KPI_FIELDS = ['name', 'unit', 'target', 'direction']

export const KpiForm = z.object({
  name: text(120, 'delivery.errors.kpiName', 'delivery.errors.kpiNameTooLong'),
  unit: optionalText(40, 'delivery.errors.kpiUnitTooLong'),
  target: z
    .string({ error: 'delivery.errors.kpiTarget' })
    .trim()
    .regex(/^\d{1,9}(\.\d{1,2})?$/, 'delivery.errors.kpiTarget')
    .transform(Number),
  direction: z.enum(['higher', 'lower'], { error: 'delivery.errors.kpiDirection' }),
})

/** A child service's weight in its parent's roll-up (the same 1–100 as when tracking starts). */
export const WeightForm = z.object({
  weight: z
    .string({ error: 'delivery.errors.weight' })
    .trim()
    .regex(/^\d{1,3}$/, 'delivery.errors.weight')
    .transform(Number)
    .refine((n) => n >= 1 && n <= 100, 'delivery.errors.weight'),
})

/** GOV.UK date parts `<name>-day|month|year` → an ISO day, or '' when not a real date. */
function isoFromParts(v: Record<string, unknown>, name: string): string {
  const part = (k: string) => {
    const x = v[`${name}-${k}`]
    return typeof x === 'string' ? x : ''
  }
  const [d, m, y] = [part('day'), part('month'), part('year')]
  const iso =
    /^\d{1,2}$/.test(d) && /^\d{1,2}$/.test(m) && /^\d{4}$/.test(y)
      ? `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`
      : ''
  return isIsoDate(iso) ? iso : ''
}

export const PRIORITY_FIELDS = [
  'optionId',
  'organisationId',
  'parentId',
  'weight',
  'periodMonths',
  'start',
  'end',
  'milestones',
  'kpis',
]
/** The raw names a browser posts for the form above (date parts instead of `start`/`end`), for re-display. */
export const PRIORITY_VALUES = [
  'optionId',
  'organisationId',
  'parentId',
  'weight',
  'periodMonths',
  'start-day',
  'start-month',
  'start-year',
  'end-day',
  'end-month',
  'end-year',
  'milestones',
  'kpis',
]

const lines = (s: string) =>
  s
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0)

/**
 * Starting to track a winning option of a closed priority round that has no contract: who leads it, its term,
 * reporting period and, as on a contract, its milestones (one a line, spread evenly over the term) and KPIs
 * (one a line, "name: target", the target starting with a number, e.g. "Meals served: 500 a year").
 */
export const PriorityTrackForm = z
  .object({
    optionId: z
      .string({ error: 'delivery.errors.priority' })
      .regex(/^\d{1,12}$/, 'delivery.errors.priority')
      .transform(Number),
    organisationId: z
      .string({ error: 'delivery.errors.organisation' })
      .regex(/^\d{1,12}$/, 'delivery.errors.organisation')
      .transform(Number),
    parentId: TrackForm.shape.parentId,
    weight: TrackForm.shape.weight,
    periodMonths: TrackForm.shape.periodMonths,
    'start-day': z.string().trim().optional(),
    'start-month': z.string().trim().optional(),
    'start-year': z.string().trim().optional(),
    'end-day': z.string().trim().optional(),
    'end-month': z.string().trim().optional(),
    'end-year': z.string().trim().optional(),
    milestones: z.string().max(4000, 'delivery.errors.milestoneLines').optional(),
    kpis: z.string().max(4000, 'delivery.errors.kpiLines').optional(),
  })
  .transform((v, ctx) => {
    const startOn = isoFromParts(v, 'start')
    const endOn = isoFromParts(v, 'end')
    if (!startOn) ctx.addIssue({ code: 'custom', path: ['start'], message: 'delivery.errors.startDate' })
    if (!endOn) ctx.addIssue({ code: 'custom', path: ['end'], message: 'delivery.errors.endDate' })
    else if (startOn && endOn <= startOn)
      ctx.addIssue({ code: 'custom', path: ['end'], message: 'delivery.errors.endBeforeStart' })
    const milestones = lines(v.milestones ?? '')
    if (milestones.length > 20 || milestones.some((m) => m.length > 200))
      ctx.addIssue({ code: 'custom', path: ['milestones'], message: 'delivery.errors.milestoneLines' })
    const kpis: { name: string; target: number; unit: string }[] = []
    for (const line of lines(v.kpis ?? '')) {
      const at = line.lastIndexOf(':')
      const name = at > 0 ? line.slice(0, at).trim() : ''
      const t = at > 0 ? parseKpiTarget(line.slice(at + 1)) : undefined
      if (!t || name.length === 0 || name.length > 120) {
        ctx.addIssue({ code: 'custom', path: ['kpis'], message: 'delivery.errors.kpiLines' })
        break
      }
      kpis.push({ name, ...t })
    }
    if (kpis.length > 20) ctx.addIssue({ code: 'custom', path: ['kpis'], message: 'delivery.errors.kpiLines' })
    return {
      optionId: v.optionId,
      organisationId: v.organisationId,
      parentId: v.parentId,
      weight: v.weight,
      periodMonths: v.periodMonths,
      startOn,
      endOn,
      milestones,
      kpis,
    }
  })
