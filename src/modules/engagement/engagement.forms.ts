import { z } from 'zod'
import { ENTRY_CHANNELS, QUESTION_KINDS } from './engagement.rules.js'

const text = (max: number, required: string, tooLong: string) =>
  z.string({ error: required }).trim().min(1, required).max(max, tooLong)

export const SUBMISSION_KEY = /^[A-Za-z0-9_-]{16,64}$/
const submissionKey = z
  .string({ error: 'engagement.errors.expired' })
  .regex(SUBMISSION_KEY, 'engagement.errors.expired')
const id = z
  .string()
  .regex(/^\d{1,12}$/)
  .transform(Number)
const ids = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]))
  .pipe(
    z
      .array(
        z
          .string()
          .regex(/^\d{1,12}$/, 'engagement.errors.option')
          .transform(Number),
      )
      .max(50),
  )

export const ConsultationForm = z.object({
  title: text(120, 'engagement.errors.titleRequired', 'engagement.errors.titleTooLong'),
  summary: text(2000, 'engagement.errors.summaryRequired', 'engagement.errors.summaryTooLong'),
  themes: ids,
  allowAnonymous: z.enum(['yes', 'no'], { error: 'engagement.errors.anonymousRequired' }),
})
export const CONSULTATION_FIELDS = ['title', 'summary', 'themes', 'allowAnonymous']

export const QuestionForm = z.object({
  kind: z.enum(QUESTION_KINDS, { error: 'engagement.errors.kindRequired' }),
  prompt: text(300, 'engagement.errors.promptRequired', 'engagement.errors.promptTooLong'),
  hint: z.string().trim().max(500, 'engagement.errors.hintTooLong').optional().default(''),
  options: z.string().max(4000, 'engagement.errors.optionsTooLong').optional().default(''),
  required: z.enum(['yes', 'no'], { error: 'engagement.errors.requiredRequired' }),
  theme: z
    .string()
    .regex(/^(\d{1,12})?$/, 'engagement.errors.option')
    .optional()
    .transform((v) => (v ? Number(v) : null)),
})
export const QUESTION_FIELDS = ['kind', 'prompt', 'hint', 'options', 'required', 'theme']

/** Choice options: one per line, trimmed, no blanks or repeats. */
export function readOptions(raw: string): string[] {
  return [
    ...new Set(
      raw
        .split(/\r?\n/)
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ]
}

export const StatusForm = z.object({ status: z.enum(['open', 'closed'], { error: 'engagement.errors.status' }) })

export const ThemeForm = z.object({
  name: text(80, 'engagement.errors.themeNameRequired', 'engagement.errors.themeNameTooLong'),
  description: z.string().trim().max(300, 'engagement.errors.themeDescriptionTooLong').optional().default(''),
})

export const EventForm = z.object({
  name: text(120, 'engagement.errors.eventNameRequired', 'engagement.errors.eventNameTooLong'),
  place: text(200, 'engagement.errors.placeRequired', 'engagement.errors.placeTooLong'),
  postcode: z.string().max(20).optional().default(''),
  heldOn: z.string({ error: 'engagement.errors.date' }).max(20),
  runBy: text(120, 'engagement.errors.runByRequired', 'engagement.errors.runByTooLong'),
  peopleSpokenTo: z
    .string({ error: 'engagement.errors.people' })
    .trim()
    .regex(/^\d{1,5}$/, 'engagement.errors.people')
    .transform(Number),
})
export const EVENT_FIELDS = ['name', 'place', 'postcode', 'heldOn', 'runBy', 'peopleSpokenTo']

/** The fixed part of the staff entry screen; the answers are checked question by question. */
export const EntryHead = z.object({
  channel: z.enum(ENTRY_CHANNELS as [string, ...string[]], { error: 'engagement.errors.channel' }),
  postcode: z.string().max(20).optional().default(''),
  respondedOn: z.string({ error: 'engagement.errors.date' }).max(20),
  event: z
    .string()
    .regex(/^(\d{1,12})?$/, 'engagement.errors.event')
    .optional()
    .transform((v) => (v ? Number(v) : null)),
  submissionKey,
})
export const ENTRY_FIELDS = ['channel', 'postcode', 'respondedOn', 'event']

export const ImportForm = z.object({
  csv: z
    .string({ error: 'engagement.errors.csvRequired' })
    .trim()
    .min(1, 'engagement.errors.csvRequired')
    .max(20_000_000, 'engagement.errors.csvTooLarge'),
})

export const PostcodeForm = z.object({
  postcode: z.string({ error: 'engagement.errors.postcode' }).max(20),
})

export const SubmitForm = z.object({ submissionKey })

export const EqualityForm = z.object({
  consent: z.literal('yes', { error: 'engagement.errors.equalityConsent' }),
  submissionKey,
})

export { id as idParam }
