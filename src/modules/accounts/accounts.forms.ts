import { z } from 'zod'

/** Messages are translation keys (locales/en/accounts.json), looked up when the error summary is built. */
const email = z
  .string({ error: 'accounts.errors.emailRequired' })
  .trim()
  .min(1, 'accounts.errors.emailRequired')
  .max(254, 'accounts.errors.emailFormat')
  .pipe(z.email('accounts.errors.emailFormat'))

export const RegisterForm = z.object({
  fullName: z
    .string({ error: 'accounts.errors.nameRequired' })
    .trim()
    .min(1, 'accounts.errors.nameRequired')
    .max(200, 'accounts.errors.nameTooLong'),
  email,
  postcode: z
    .string({ error: 'accounts.errors.postcodeRequired' })
    .trim()
    .min(1, 'accounts.errors.postcodeRequired')
    .max(10, 'accounts.errors.postcodeFormat'),
  password: z
    .string({ error: 'accounts.errors.passwordRequired' })
    .min(1, 'accounts.errors.passwordRequired')
    .max(200, 'accounts.errors.passwordTooLong'),
  passwordConfirm: z
    .string({ error: 'accounts.errors.passwordConfirmRequired' })
    .min(1, 'accounts.errors.passwordConfirmRequired'),
})
export const REGISTER_FIELDS = ['fullName', 'email', 'postcode', 'password', 'passwordConfirm']

export const SignInForm = z.object({
  email,
  password: z
    .string({ error: 'accounts.errors.passwordRequired' })
    .min(1, 'accounts.errors.passwordRequired')
    .max(200, 'accounts.errors.signInFailed'),
})
export const SIGN_IN_FIELDS = ['email', 'password']

export const CodeForm = z.object({
  code: z
    .string({ error: 'accounts.errors.codeRequired' })
    .transform((v) => v.replace(/\s/g, ''))
    .pipe(
      z
        .string()
        .min(1, 'accounts.errors.codeRequired')
        .regex(/^\d{6}$/, 'accounts.errors.codeFormat'),
    ),
})

export const ResetRequestForm = z.object({ email })

export const NewPasswordForm = z.object({
  password: RegisterForm.shape.password,
  passwordConfirm: RegisterForm.shape.passwordConfirm,
})

/** Keeps a return address on this site: only a local path, never a scheme or another host. */
export function safeReturnTo(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined
  if (!/^\/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@/%?]*$/.test(v) || v.length > 500) return undefined
  return v
}
