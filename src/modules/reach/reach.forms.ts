import { z } from 'zod'

const text = (max: number, required: string) =>
  z.string({ error: required }).trim().min(1, required).max(max, 'reach.errors.tooLong')

export const PlanForm = z.object({
  target: z
    .string({ error: 'reach.errors.target' })
    .regex(/^(area|group)\|[A-Za-z0-9_:, ()+-]{1,120}$/, 'reach.errors.target'),
  place: text(200, 'reach.errors.place'),
  plannedOn: z.string({ error: 'reach.errors.date' }).regex(/^\d{4}-\d{2}-\d{2}$/, 'reach.errors.date'),
  assignedTo: text(200, 'reach.errors.assignedTo'),
  notes: z.string().trim().max(2000, 'reach.errors.tooLong').optional().default(''),
})

export const PLAN_FIELDS = ['target', 'place', 'plannedOn', 'assignedTo', 'notes']

/** Reach page options from the query string; anything unrecognised falls back to the default. */
export const ReachQuery = z.object({
  consultation: z
    .string()
    .regex(/^\d{1,12}$/)
    .transform(Number)
    .optional()
    .catch(undefined),
  sort: z.string().optional().catch(undefined),
  dir: z.enum(['asc', 'desc']).optional().catch(undefined),
  threshold: z.coerce.number().min(0.5).max(1).optional().catch(undefined),
})
