import { z } from 'zod'
import { parsePounds } from '../ledger/index.js'
import { CHARITY_NUMBER, COMPANY_NUMBER, DAYS, LANGUAGES, ORG_KINDS } from './directory.rules.js'

const text = (max: number, message: string) => z.string({ error: message }).trim().min(1, message).max(max, message)
const optionalText = (max: number, message: string) => z.string().trim().max(max, message).optional().default('')
const many = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]))
const optionalUrl = optionalText(500, 'directory.errors.urlInvalid').refine(
  (v) => v === '' || /^https?:\/\/[^\s<>"]+$/.test(v),
  'directory.errors.urlInvalid',
)
const optionalEmail = optionalText(320, 'directory.errors.emailInvalid').refine(
  (v) => v === '' || z.email().safeParse(v).success,
  'directory.errors.emailInvalid',
)
const age = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : null))
  .refine((v) => v === null || /^\d{1,3}$/.test(v), 'directory.errors.ageInvalid')
  .transform((v) => (v === null ? null : Number(v)))
const time = z
  .string()
  .trim()
  .optional()
  .default('')
  .refine((v) => v === '' || /^([01]\d|2[0-3]):[0-5]\d$/.test(v), 'directory.errors.timeInvalid')

export const OrganisationForm = z.object({
  name: text(200, 'directory.errors.nameRequired'),
  kind: z.enum(ORG_KINDS, { error: 'directory.errors.kindRequired' }),
  description: text(2000, 'directory.errors.descriptionRequired'),
  website: optionalUrl,
  email: optionalEmail,
  charityNumber: optionalText(8, 'directory.errors.charityInvalid').refine(
    (v) => v === '' || CHARITY_NUMBER.test(v),
    'directory.errors.charityInvalid',
  ),
  companyNumber: z
    .string()
    .trim()
    .toUpperCase()
    .optional()
    .default('')
    .refine((v) => v === '' || COMPANY_NUMBER.test(v), 'directory.errors.companyInvalid'),
})
export const ORGANISATION_FIELDS = ['name', 'kind', 'description', 'website', 'email', 'charityNumber', 'companyNumber']

export const ServiceForm = z
  .object({
    name: text(200, 'directory.errors.nameRequired'),
    description: text(4000, 'directory.errors.descriptionRequired'),
    status: z.enum(['active', 'inactive'], { error: 'directory.errors.statusRequired' }),
    themes: many,
    locationName: optionalText(200, 'directory.errors.tooLong'),
    address: optionalText(300, 'directory.errors.tooLong'),
    postcode: optionalText(10, 'directory.errors.postcodeInvalid').transform((v) => v.toUpperCase()),
    days: many.refine((d) => d.every((x) => (DAYS as readonly string[]).includes(x)), 'directory.errors.dayInvalid'),
    opensAt: time,
    closesAt: time,
    minAge: age,
    maxAge: age,
    cost: z
      .string()
      .trim()
      .optional()
      .transform((v, c) => {
        if (!v) return null
        const p = parsePounds(v)
        if (p === undefined) {
          c.addIssue({ code: 'custom', message: 'directory.errors.costInvalid' })
          return z.NEVER
        }
        return p
      }),
    languages: many.refine((l) => l.every((x) => x in LANGUAGES), 'directory.errors.languageInvalid'),
    accessibility: optionalText(1000, 'directory.errors.tooLong'),
    email: optionalEmail,
    url: optionalUrl,
  })
  .superRefine((v, c) => {
    if (v.minAge !== null && v.maxAge !== null && v.minAge > v.maxAge)
      c.addIssue({ code: 'custom', path: ['maxAge'], message: 'directory.errors.ageOrder' })
  })
export const SERVICE_FIELDS = [
  'name',
  'description',
  'status',
  'themes',
  'locationName',
  'address',
  'postcode',
  'days',
  'opensAt',
  'closesAt',
  'minAge',
  'maxAge',
  'cost',
  'languages',
  'accessibility',
  'email',
  'url',
]

export const SearchQuery = z.object({
  q: z.string().trim().max(100).optional().catch(undefined),
  theme: z.string().trim().max(60).optional().catch(undefined),
  place: z.string().trim().max(60).optional().catch(undefined),
  age: z
    .string()
    .regex(/^\d{1,3}$/)
    .transform(Number)
    .optional()
    .catch(undefined),
  day: z.enum(DAYS).optional().catch(undefined),
})
