import { z } from 'zod'

const wardCode = (message: string) =>
  z
    .string({ error: message })
    .trim()
    .regex(/^[EWSN]\d{8}$/, message)

export const REPLICATE_FIELDS = ['from', 'to', 'activate']

export const ReplicateForm = z
  .object({
    from: wardCode('programme.replicate.errors.from'),
    to: wardCode('programme.replicate.errors.to'),
    activate: z.enum(['yes', 'no'], { error: 'programme.replicate.errors.activate' }),
  })
  .refine((v) => v.from !== v.to, { path: ['to'], message: 'programme.replicate.errors.same' })
