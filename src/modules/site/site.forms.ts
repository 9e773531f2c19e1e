import { z } from 'zod'

export const RATINGS = ['very-satisfied', 'satisfied', 'neither', 'dissatisfied', 'very-dissatisfied'] as const

export const FeedbackForm = z.object({
  rating: z.enum(RATINGS, { error: 'site.feedback.errors.ratingRequired' }),
  comments: z.string().trim().max(1200, 'site.feedback.errors.commentsTooLong').optional().default(''),
  submissionKey: z
    .string({ error: 'site.feedback.errors.expired' })
    .regex(/^[A-Za-z0-9_-]{16,64}$/, 'site.feedback.errors.expired'),
})
