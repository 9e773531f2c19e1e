import { z } from 'zod'

const text = (max: number, required: string, tooLong: string) =>
  z.string({ error: required }).trim().min(1, required).max(max, tooLong)
const id = z
  .string({ error: 'ideas.errors.theme' })
  .regex(/^\d{1,12}$/, 'ideas.errors.theme')
  .transform(Number)

export const IDEA_STATUSES = ['new', 'under_consideration', 'taken_forward', 'not_taken_forward'] as const

export const IdeaForm = z.object({
  kind: z.enum(['idea', 'problem'], { error: 'ideas.errors.kind' }),
  title: text(120, 'ideas.errors.titleRequired', 'ideas.errors.titleTooLong'),
  body: text(4000, 'ideas.errors.bodyRequired', 'ideas.errors.bodyTooLong'),
  theme: id,
  postcode: z
    .string({ error: 'ideas.errors.postcode' })
    .trim()
    .min(1, 'ideas.errors.postcode')
    .max(12, 'ideas.errors.postcode'),
  // The author's opt-in to hear about replies and outcomes (notifications are off unless chosen).
  notify: z
    .string()
    .optional()
    .transform((v) => v === 'yes'),
})
export const IDEA_FIELDS = ['kind', 'title', 'body', 'theme', 'postcode', 'notify']

export const CommentForm = z.object({
  comment: text(2000, 'ideas.errors.commentRequired', 'ideas.errors.commentTooLong'),
})

export const ReportForm = z.object({
  reason: text(500, 'ideas.errors.reportRequired', 'ideas.errors.reportTooLong'),
  commentId: z
    .string()
    .regex(/^(\d{1,12})?$/, 'ideas.errors.target')
    .optional()
    .transform((v) => (v ? Number(v) : null)),
})

export const StatusForm = z
  .object({
    status: z.enum(IDEA_STATUSES, { error: 'ideas.errors.status' }),
    reason: z.string().trim().max(2000, 'ideas.errors.reasonTooLong').optional().default(''),
    reply: z.string().trim().max(2000, 'ideas.errors.commentTooLong').optional().default(''),
  })
  // Telling someone their idea will not go ahead without saying why is not an answer.
  .refine((v) => v.status !== 'not_taken_forward' || v.reason.length > 0, {
    message: 'ideas.errors.reasonRequired',
    path: ['reason'],
  })
export const STATUS_FIELDS = ['status', 'reason', 'reply']

export const HideForm = z.object({
  reason: text(500, 'ideas.errors.hideReasonRequired', 'ideas.errors.reasonTooLong'),
  commentId: z
    .string()
    .regex(/^(\d{1,12})?$/, 'ideas.errors.target')
    .optional()
    .transform((v) => (v ? Number(v) : null)),
})
