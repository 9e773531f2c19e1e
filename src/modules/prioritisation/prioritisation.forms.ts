import { z } from 'zod'
import { RULE_IDS } from './rules/index.js'

const BALLOT_TYPES = ['approval', 'basket', 'ranking', 'cumulative'] as const

/** Whole pounds or pounds and pence ("1500", "1,500.50", "£2,000") → integer pence. */
export const poundsToPence = (message: string) =>
  z
    .string({ error: message })
    .trim()
    .transform((s) => s.replace(/^£/, '').replaceAll(',', ''))
    .refine((s) => /^\d{1,9}(\.\d{1,2})?$/.test(s), message)
    .transform((s) => {
      const [whole = '0', frac = ''] = s.split('.')
      return Number(whole) * 100 + Number(frac.padEnd(2, '0'))
    })

const count = (max: number, message: string) =>
  z
    .string({ error: message })
    .trim()
    .transform((s) => (s === '' ? '0' : s))
    .refine((s) => /^\d{1,4}$/.test(s) && Number(s) <= max, message)
    .transform(Number)

export const RoundForm = z
  .object({
    title: z
      .string({ error: 'prioritisation.errors.titleRequired' })
      .trim()
      .min(1, 'prioritisation.errors.titleRequired')
      .max(120, 'prioritisation.errors.titleTooLong'),
    description: z.string().trim().max(2000, 'prioritisation.errors.descriptionTooLong').optional().default(''),
    budget: poundsToPence('prioritisation.errors.budgetInvalid').refine(
      (p) => p > 0,
      'prioritisation.errors.budgetInvalid',
    ),
    ballotType: z.enum(BALLOT_TYPES, { error: 'prioritisation.errors.ballotTypeRequired' }),
    ruleId: z.enum(RULE_IDS as [string, ...string[]], { error: 'prioritisation.errors.ruleRequired' }),
    minChoices: count(100, 'prioritisation.errors.minChoicesInvalid'),
    maxChoices: count(100, 'prioritisation.errors.maxChoicesInvalid'),
    rankK: count(20, 'prioritisation.errors.rankKInvalid'),
    pointsTotal: count(1000, 'prioritisation.errors.pointsTotalInvalid'),
    minVotes: count(100_000, 'prioritisation.errors.minVotesInvalid'),
    minAge: count(120, 'prioritisation.errors.minAgeInvalid'),
    allowChange: z.enum(['yes']).optional(),
    proposalsOpen: z.enum(['yes']).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.maxChoices > 0 && v.minChoices > v.maxChoices)
      ctx.addIssue({ code: 'custom', path: ['minChoices'], message: 'prioritisation.errors.minAboveMax' })
    if (v.ballotType === 'ranking' && v.rankK < 1)
      ctx.addIssue({ code: 'custom', path: ['rankK'], message: 'prioritisation.errors.rankKInvalid' })
    if (v.ballotType === 'cumulative' && v.pointsTotal < 1)
      ctx.addIssue({ code: 'custom', path: ['pointsTotal'], message: 'prioritisation.errors.pointsTotalInvalid' })
    if (v.ruleId === 'phragmen' && (v.ballotType === 'ranking' || v.ballotType === 'cumulative'))
      ctx.addIssue({ code: 'custom', path: ['ruleId'], message: 'prioritisation.errors.ruleNotForBallot' })
  })
export const ROUND_FIELDS = [
  'title',
  'description',
  'budget',
  'ballotType',
  'ruleId',
  'minChoices',
  'maxChoices',
  'rankK',
  'pointsTotal',
  'minVotes',
  'minAge',
  'allowChange',
  'proposalsOpen',
]

export const OptionForm = z.object({
  title: z
    .string({ error: 'prioritisation.errors.optionTitleRequired' })
    .trim()
    .min(1, 'prioritisation.errors.optionTitleRequired')
    .max(120, 'prioritisation.errors.titleTooLong'),
  description: z.string().trim().max(2000, 'prioritisation.errors.descriptionTooLong').optional().default(''),
  // The ward's themes are data, so membership is checked in the route.
  theme: z
    .string({ error: 'prioritisation.errors.themeRequired' })
    .min(1, 'prioritisation.errors.themeRequired')
    .max(60),
  place: z.string().trim().max(200, 'prioritisation.errors.placeTooLong').optional().default(''),
  cost: poundsToPence('prioritisation.errors.costInvalid'),
  // An understanding need of the ward, or empty; the route checks it belongs to the ward.
  needId: z
    .string()
    .trim()
    .regex(/^\d{0,12}$/, 'prioritisation.errors.needInvalid')
    .optional()
    .default('')
    .transform((s) => (s === '' ? null : Number(s))),
})
export const OPTION_FIELDS = ['title', 'description', 'theme', 'place', 'cost', 'needId']

/** A resident's proposal: what and where; officers add the cost and theme when they check it. */
export const ProposalForm = z.object({
  title: z
    .string({ error: 'prioritisation.errors.optionTitleRequired' })
    .trim()
    .min(1, 'prioritisation.errors.optionTitleRequired')
    .max(120, 'prioritisation.errors.titleTooLong'),
  description: z
    .string({ error: 'prioritisation.errors.proposalDescriptionRequired' })
    .trim()
    .min(1, 'prioritisation.errors.proposalDescriptionRequired')
    .max(2000, 'prioritisation.errors.descriptionTooLong'),
  place: z.string().trim().max(200, 'prioritisation.errors.placeTooLong').optional().default(''),
})
export const PROPOSAL_FIELDS = ['title', 'description', 'place']

export const AcceptProposalForm = z.object({
  theme: z
    .string({ error: 'prioritisation.errors.themeRequired' })
    .min(1, 'prioritisation.errors.themeRequired')
    .max(60),
  place: z.string().trim().max(200, 'prioritisation.errors.placeTooLong').optional().default(''),
  cost: poundsToPence('prioritisation.errors.costInvalid'),
})
export const RejectProposalForm = z.object({
  reason: z
    .string({ error: 'prioritisation.errors.reasonRequired' })
    .trim()
    .min(1, 'prioritisation.errors.reasonRequired')
    .max(1000, 'prioritisation.errors.reasonTooLong'),
})

export const PaperVoterForm = z
  .object({
    voterName: z.string().trim().max(200, 'prioritisation.errors.voterNameRequired').optional().default(''),
    voterPostcode: z.string().trim().max(10, 'prioritisation.errors.voterPostcodeInvalid').optional().default(''),
    voterEmail: z.string().trim().max(320).optional().default(''),
  })
  .superRefine((v, ctx) => {
    if (v.voterEmail !== '') return
    if (v.voterName === '')
      ctx.addIssue({ code: 'custom', path: ['voterName'], message: 'prioritisation.errors.voterNameRequired' })
    if (!/^[A-Za-z]{1,2}\d[A-Za-z\d]?\s*\d[A-Za-z]{2}$/.test(v.voterPostcode))
      ctx.addIssue({ code: 'custom', path: ['voterPostcode'], message: 'prioritisation.errors.voterPostcodeInvalid' })
  })
export const PAPER_FIELDS = ['voterName', 'voterPostcode', 'voterEmail']

export const IdParams = z.object({
  wardCode: z.string(),
  roundId: z
    .string()
    .regex(/^\d{1,12}$/)
    .transform(Number),
})
export const OptionParams = IdParams.extend({
  optionId: z
    .string()
    .regex(/^\d{1,12}$/)
    .transform(Number),
})
