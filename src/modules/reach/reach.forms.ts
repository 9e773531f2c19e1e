import { z } from 'zod'

const text = (max: number, required: string) =>
  z.string({ error: required }).trim().min(1, required).max(max, 'reach.errors.tooLong')

export const PlanForm = z.object({
  target: z
    .string({ error: 'reach.errors.target' })
    .regex(/^(area|group)\|[A-Za-z0-9_:, ()+-]{1,120}$/, 'reach.errors.target'),
  place: text(200, 'reach.errors.place'),
  plannedOn: z
    .string({ error: 'reach.errors.date' })
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'reach.errors.date')
    // A real day of the calendar: 2026-02-30 matches the pattern but is not one.
    .refine(
      (d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d),
      'reach.errors.date',
    ),
  assignedTo: text(200, 'reach.errors.assignedTo'),
  notes: z.string().trim().max(2000, 'reach.errors.tooLong').optional().default(''),
  venueId: z
    .string()
    .regex(/^$|^\d{1,12}$/, 'reach.errors.venue')
    .optional()
    .transform((v) => (v ? Number(v) : null)),
})

export const PLAN_FIELDS = ['target', 'venueId', 'place', 'plannedOn', 'assignedTo', 'notes']

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

const optionalText = (max: number) => z.string().trim().max(max, 'reach.errors.tooLong').optional().default('')
const ids = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]))
  .pipe(
    z
      .array(
        z
          .string()
          .regex(/^\d{1,12}$/, 'reach.errors.assignee')
          .transform(Number),
      )
      .max(20, 'reach.errors.assignee'),
  )

export const VenueForm = z.object({
  name: text(200, 'reach.errors.venueName'),
  address: text(500, 'reach.errors.venueAddress'),
  postcode: z
    .string()
    .trim()
    .max(10, 'reach.errors.postcode')
    .regex(/^$|^[A-Za-z]{1,2}\d[A-Za-z\d]? ?\d[A-Za-z]{2}$/, 'reach.errors.postcode')
    .optional()
    .default(''),
  accessibility: text(1000, 'reach.errors.accessibility'),
  notes: optionalText(2000),
})
export const VENUE_FIELDS = ['name', 'address', 'postcode', 'accessibility', 'notes']

export const AssignForm = z.object({
  venueId: z
    .string()
    .regex(/^$|^\d{1,12}$/, 'reach.errors.venue')
    .optional()
    .transform((v) => (v ? Number(v) : null)),
  assignees: ids,
})
export const ASSIGN_FIELDS = ['venueId', 'assignees']

const count = z
  .string()
  .trim()
  .regex(/^$|^\d{1,6}$/, 'reach.errors.count')
  .optional()
  .transform((v) => (v ? Number(v) : null))

export const ResultForm = z.object({
  status: z.enum(['done', 'cancelled'], { error: 'reach.errors.status' }),
  peopleReached: count,
  responsesCollected: count,
  resultNotes: optionalText(2000),
})
export const RESULT_FIELDS = ['status', 'peopleReached', 'responsesCollected', 'resultNotes']
