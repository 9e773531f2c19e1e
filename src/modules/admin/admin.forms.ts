import { z } from 'zod'
import { STAFF_ROLES } from '../../platform/access/index.js'

export const GrantForm = z.object({
  role: z.enum(STAFF_ROLES, { error: 'admin.errors.roleRequired' }),
  wardCode: z
    .string()
    .trim()
    .regex(/^([EWSN]\d{8})?$/, 'admin.errors.wardRequired')
    .optional()
    .default(''),
})

export const ActivationForm = z.object({
  active: z.enum(['yes', 'no'], { error: 'admin.errors.activationRequired' }),
})

export const UserSearchQuery = z.object({ q: z.string().max(100).optional().default('') })
