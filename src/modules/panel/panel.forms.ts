import { z } from 'zod'
import { AGE_BANDS, ETHNIC_GROUPS, PREFER_NOT, SEXES, TENURES } from './panel.rules.js'

const withPreferNot = <T extends readonly [string, ...string[]]>(values: T) => [...values, PREFER_NOT] as const

export const VolunteerForm = z.object({
  consent: z.literal('yes', { error: 'panel.errors.consentRequired' }),
  age_band: z.enum(withPreferNot(AGE_BANDS), { error: 'panel.errors.ageRequired' }),
  sex: z.enum(withPreferNot(SEXES), { error: 'panel.errors.sexRequired' }),
  ethnic_group: z.enum(withPreferNot(ETHNIC_GROUPS), { error: 'panel.errors.ethnicRequired' }),
  disability: z.enum(['yes', 'no', PREFER_NOT], { error: 'panel.errors.disabilityRequired' }),
  tenure: z.enum(withPreferNot(TENURES), { error: 'panel.errors.tenureRequired' }),
  // The list of small areas is the ward's, so membership is checked in the route.
  area: z.string({ error: 'panel.errors.areaRequired' }).min(1, 'panel.errors.areaRequired').max(20),
})
export const VOLUNTEER_FIELDS = ['consent', 'age_band', 'sex', 'ethnic_group', 'disability', 'tenure', 'area']

export const ImportForm = z.object({
  csv: z.string({ error: 'panel.errors.csvRequired' }).trim().min(1, 'panel.errors.csvRequired').max(900_000),
  consent: z.literal('yes', { error: 'panel.errors.importConsentRequired' }),
})

const whole = (max: number, message: string) =>
  z
    .string({ error: message })
    .trim()
    .regex(/^\d{1,4}$/, message)
    .transform(Number)
    .refine((n) => n <= max, message)

export const SettingsHead = z.object({
  k: whole(500, 'panel.errors.kInvalid').refine((n) => n >= 1, 'panel.errors.kInvalid'),
  onePerHousehold: z.enum(['yes']).optional(),
  tolerance: whole(100, 'panel.errors.toleranceInvalid').optional().default(1),
  action: z.enum(['save', 'suggest', 'check']).optional().default('save'),
})

export const SEED_PATTERN = /^[A-Za-z0-9_-]{8,128}$/

export const DrawForm = z.object({
  seed: z.string({ error: 'panel.errors.seedInvalid' }).trim().regex(SEED_PATTERN, 'panel.errors.seedInvalid'),
})

export const RespondForm = z.object({
  answer: z.enum(['accept', 'decline'], { error: 'panel.errors.answerRequired' }),
})

export const OfficerRespondForm = RespondForm.extend({
  memberId: z
    .string()
    .regex(/^\d{1,12}$/, 'panel.errors.memberInvalid')
    .transform(Number),
})

export const InterestsForm = z.object({
  interests: z
    .string({ error: 'panel.errors.interestsRequired' })
    .trim()
    .min(1, 'panel.errors.interestsRequired')
    .max(1000, 'panel.errors.interestsTooLong'),
})
