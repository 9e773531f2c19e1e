import { z } from 'zod'
import { EIA_IMPACTS, EIA_SUBJECT_KINDS, PROTECTED_CHARACTERISTICS } from './eia.rules.js'
import type { EiaImpact } from './reach.tables.js'

/** The EIA form: the subject, a summary, then impact, evidence and mitigation for each protected characteristic. */
export const EIA_FIELDS = [
  'subject',
  'summary',
  ...PROTECTED_CHARACTERISTICS.flatMap((c) => [`impact_${c.code}`, `evidence_${c.code}`, `mitigation_${c.code}`]),
]

const long = z.string().trim().max(4000, 'reach.errors.tooLong').optional().default('')

export const EiaForm = z.object({
  subject: z
    .string({ error: 'reach.eia.errors.subject' })
    .regex(new RegExp(`^(${EIA_SUBJECT_KINDS.join('|')}):\\d{1,12}$`), 'reach.eia.errors.subject'),
  summary: z
    .string({ error: 'reach.eia.errors.summary' })
    .trim()
    .min(1, 'reach.eia.errors.summary')
    .max(4000, 'reach.errors.tooLong'),
  ...Object.fromEntries(
    PROTECTED_CHARACTERISTICS.flatMap((c) => [
      [`impact_${c.code}`, z.enum(EIA_IMPACTS as [EiaImpact, ...EiaImpact[]], { error: 'reach.eia.errors.impact' })],
      [`evidence_${c.code}`, long],
      [`mitigation_${c.code}`, long],
    ]),
  ),
})

export type EiaFormValues = { subject: string; summary: string } & Record<string, string>
