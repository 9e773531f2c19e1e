import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import QRCode from 'qrcode'
import { fieldValues, toGovukErrors } from '../../platform/views/index.js'
import { fromMessages } from '../../platform/views/forms.js'
import { otpauthUri } from '../../platform/security/index.js'
import { hasAnyStaffRole } from '../../platform/access/index.js'
import { listWards } from '../../platform/tenancy/index.js'
import type { PlatformContext } from '../../platform/module.js'
import {
  CodeForm,
  NewPasswordForm,
  REGISTER_FIELDS,
  RegisterForm,
  ResetRequestForm,
  SIGN_IN_FIELDS,
  SignInForm,
  safeReturnTo,
} from './accounts.forms.js'
import type { AccountsService } from './accounts.service.js'

const V = 'accounts/views'

export function registerAccountsRoutes(app: FastifyInstance, ctx: PlatformContext, accounts: AccountsService): void {
  const { sessions } = ctx
  const limit = (max: number) => ({ rateLimit: { max, timeWindow: '15 minutes' } })
  const translate = (req: FastifyRequest, byField: Record<string, string>, order: string[]) =>
    fromMessages(Object.fromEntries(Object.entries(byField).map(([k, v]) => [k, req.t(v)])), order)

  async function afterSignIn(req: FastifyRequest, reply: FastifyReply) {
    const returnTo = safeReturnTo(req.session?.data.returnTo)
    if (req.session && req.session.data.returnTo) {
      delete req.session.data.returnTo
      await sessions.store.saveData(req.session)
    }
    if (returnTo) return reply.redirect(returnTo, 303)
    return reply.redirect(hasAnyStaffRole(req.actor) ? '/account' : '/', 303)
  }

  // --- Register -------------------------------------------------------------------------------
  app.get('/register', { config: { access: { permission: 'public' } } }, async (req, reply) => {
    if (req.actor.kind === 'user') return reply.redirect('/account', 303)
    return reply.page(`${V}/register.njk`, { values: {} }, { form: true })
  })

  app.post('/register', { config: { access: { permission: 'public' }, ...limit(20) } }, async (req, reply) => {
    const values = fieldValues(
      req.body,
      REGISTER_FIELDS.filter((f) => !f.startsWith('password')),
    )
    const parsed = RegisterForm.safeParse(req.body)
    if (!parsed.success)
      return reply.page(
        `${V}/register.njk`,
        { values, errors: toGovukErrors(parsed.error, req.t, REGISTER_FIELDS) },
        { status: 400, form: true },
      )
    const result = await accounts.register(parsed.data)
    if (!result.ok)
      return reply.page(
        `${V}/register.njk`,
        { values, errors: translate(req, result.errors, REGISTER_FIELDS) },
        { status: 400, form: true },
      )
    await sessions.signIn(req, reply, result.userId, false)
    await sessions.flash(req, reply, 'success', req.t('accounts.register.done'))
    return reply.redirect('/account', 303)
  })

  // --- Sign in / out ----------------------------------------------------------------------------
  app.get('/sign-in', { config: { access: { permission: 'public' } } }, async (req, reply) => {
    if (req.actor.kind === 'user') return reply.redirect('/account', 303)
    const q = req.query as Record<string, unknown>
    const returnTo = safeReturnTo(q.returnTo)
    if (returnTo) await sessions.setData(req, reply, { returnTo })
    return reply.page(
      `${V}/sign-in.njk`,
      { values: {}, timedOut: req.sessionExpired || q.timedOut === '1' },
      { form: true },
    )
  })

  app.post(
    '/sign-in',
    {
      config: {
        access: { permission: 'public' },
        rateLimit: { max: ctx.config.signInRateLimit, timeWindow: '15 minutes' },
      },
    },
    async (req, reply) => {
      const values = fieldValues(req.body, ['email'])
      const parsed = SignInForm.safeParse(req.body)
      if (!parsed.success)
        return reply.page(
          `${V}/sign-in.njk`,
          { values, errors: toGovukErrors(parsed.error, req.t, SIGN_IN_FIELDS) },
          { status: 400, form: true },
        )
      const result = await accounts.authenticate(parsed.data.email, parsed.data.password)
      if (result.kind === 'failed') {
        return reply.page(
          `${V}/sign-in.njk`,
          { values, errors: translate(req, { email: 'accounts.errors.signInFailed' }, SIGN_IN_FIELDS) },
          { status: 400, form: true },
        )
      }
      if (result.secondFactor === 'required') {
        await sessions.setPending(req, reply, result.user.id)
        return reply.redirect('/sign-in/two-factor', 303)
      }
      await sessions.signIn(req, reply, result.user.id, false)
      return afterSignIn(req, reply)
    },
  )

  app.get('/sign-in/two-factor', { config: { access: { permission: 'public' } } }, async (req, reply) => {
    if (!req.session?.pendingUserId) return reply.redirect('/sign-in', 303)
    return reply.page(`${V}/two-factor.njk`, { mode: 'sign-in' }, { form: true })
  })

  app.post(
    '/sign-in/two-factor',
    { config: { access: { permission: 'public' }, ...limit(10) } },
    async (req, reply) => {
      const pending = req.session?.pendingUserId
      if (!pending) return reply.redirect('/sign-in', 303)
      const parsed = CodeForm.safeParse(req.body)
      if (!parsed.success)
        return reply.page(
          `${V}/two-factor.njk`,
          { mode: 'sign-in', errors: toGovukErrors(parsed.error, req.t, ['code']) },
          { status: 400, form: true },
        )
      if (!(await accounts.checkSecondFactor(pending, parsed.data.code))) {
        return reply.page(
          `${V}/two-factor.njk`,
          { mode: 'sign-in', errors: translate(req, { code: 'accounts.errors.codeWrong' }, ['code']) },
          { status: 400, form: true },
        )
      }
      await sessions.signIn(req, reply, pending, true)
      return afterSignIn(req, reply)
    },
  )

  app.post('/sign-out', { config: { access: { permission: 'session.sign-out' } } }, async (req, reply) => {
    await sessions.signOut(req, reply)
    return reply.redirect('/?signedOut=1', 303)
  })

  app.post('/session/keep-alive', { config: { access: { permission: 'session.keep-alive' } } }, async (req, reply) => {
    if (req.session) await sessions.store.touch(req.session)
    return reply.code(204).send()
  })

  // --- Account and second factor --------------------------------------------------------------
  app.get('/account', { config: { access: { permission: 'account.view' } } }, async (req, reply) => {
    if (req.actor.kind !== 'user') return reply.redirect('/sign-in', 303)
    const user = await accounts.getUser(req.actor.userId)
    const wards = new Map((await listWards(ctx.db, { councilId: ctx.councilId })).map((w) => [w.id, w]))
    const grants = req.actor.grants.map((g) => {
      const ward = g.wardId === null ? undefined : wards.get(g.wardId)
      return { role: g.role, wardCode: ward?.code, wardName: ward?.name }
    })
    return reply.page(`${V}/account.njk`, { user, grants })
  })

  /** The secret being enrolled lives in the session until confirmed, so viewing the page changes nothing. */
  async function twoFactorSetupContext(req: FastifyRequest, reply: FastifyReply, email: string) {
    const existing = req.session?.data.totpSetupSecret
    const secret = typeof existing === 'string' ? existing : accounts.newTotpSecret()
    if (secret !== existing) await sessions.setData(req, reply, { totpSetupSecret: secret })
    const uri = otpauthUri(secret, email, ctx.tenant.serviceName)
    const qrSvg = await QRCode.toString(uri, { type: 'svg', margin: 1, width: 200 })
    return { mode: 'setup', secret: secret.replace(/(.{4})/g, '$1 ').trim(), qrSvg }
  }

  app.get(
    '/account/two-factor',
    { config: { access: { permission: 'account.second-factor' } } },
    async (req, reply) => {
      if (req.actor.kind !== 'user') return reply.redirect('/sign-in', 303)
      const user = await accounts.getUser(req.actor.userId)
      if (!user) return reply.redirect('/sign-in', 303)
      if (user.totpEnabled) {
        if (req.session?.mfaVerified) return reply.page(`${V}/two-factor.njk`, { mode: 'done' })
        return reply.page(`${V}/two-factor.njk`, { mode: 'verify' }, { form: true })
      }
      return reply.page(`${V}/two-factor.njk`, await twoFactorSetupContext(req, reply, user.email), { form: true })
    },
  )

  app.post(
    '/account/two-factor',
    { config: { access: { permission: 'account.second-factor' }, ...limit(10) } },
    async (req, reply) => {
      if (req.actor.kind !== 'user') return reply.redirect('/sign-in', 303)
      const user = await accounts.getUser(req.actor.userId)
      if (!user) return reply.redirect('/sign-in', 303)
      const parsed = CodeForm.safeParse(req.body)
      const render = async (errors: ReturnType<typeof toGovukErrors>) =>
        reply.page(
          `${V}/two-factor.njk`,
          { ...(user.totpEnabled ? { mode: 'verify' } : await twoFactorSetupContext(req, reply, user.email)), errors },
          { status: 400, form: true },
        )
      if (!parsed.success) return render(toGovukErrors(parsed.error, req.t, ['code']))
      const pendingSecret = req.session?.data.totpSetupSecret
      const ok = user.totpEnabled
        ? await accounts.checkSecondFactor(user.id, parsed.data.code)
        : typeof pendingSecret === 'string' &&
          (await accounts.confirmTotpSetup(user.id, pendingSecret, parsed.data.code))
      if (!ok) return render(translate(req, { code: 'accounts.errors.codeWrong' }, ['code']))
      await sessions.signIn(req, reply, user.id, true)
      await sessions.flash(
        req,
        reply,
        'success',
        req.t(user.totpEnabled ? 'accounts.twoFactor.verified' : 'accounts.twoFactor.enrolled'),
      )
      return afterSignIn(req, reply)
    },
  )

  // --- Password reset ---------------------------------------------------------------------------
  app.get('/password-reset', { config: { access: { permission: 'public' } } }, async (_req, reply) =>
    reply.page(`${V}/reset-request.njk`, { values: {} }, { form: true }),
  )

  app.post('/password-reset', { config: { access: { permission: 'public' }, ...limit(5) } }, async (req, reply) => {
    const values = fieldValues(req.body, ['email'])
    const parsed = ResetRequestForm.safeParse(req.body)
    if (!parsed.success)
      return reply.page(
        `${V}/reset-request.njk`,
        { values, errors: toGovukErrors(parsed.error, req.t, ['email']) },
        { status: 400, form: true },
      )
    await accounts.requestPasswordReset(parsed.data.email)
    // The same answer whether or not the address has an account: no enumeration.
    return reply.page(`${V}/reset-sent.njk`, { email: parsed.data.email })
  })

  app.get('/password-reset/:token', { config: { access: { permission: 'public' } } }, async (req, reply) => {
    const { token } = req.params as { token: string }
    if (!(await accounts.findValidReset(token))) return reply.page(`${V}/reset-invalid.njk`, {}, { status: 404 })
    return reply.page(`${V}/reset-choose.njk`, { token }, { form: true })
  })

  app.post(
    '/password-reset/:token',
    { config: { access: { permission: 'public' }, ...limit(10) } },
    async (req, reply) => {
      const { token } = req.params as { token: string }
      const parsed = NewPasswordForm.safeParse(req.body)
      if (!parsed.success) {
        if (!(await accounts.findValidReset(token))) return reply.page(`${V}/reset-invalid.njk`, {}, { status: 404 })
        return reply.page(
          `${V}/reset-choose.njk`,
          { token, errors: toGovukErrors(parsed.error, req.t, ['password', 'passwordConfirm']) },
          { status: 400, form: true },
        )
      }
      const result = await accounts.resetPassword(token, parsed.data.password, parsed.data.passwordConfirm)
      if (!result.ok) {
        if (result.errors.token) return reply.page(`${V}/reset-invalid.njk`, {}, { status: 404 })
        return reply.page(
          `${V}/reset-choose.njk`,
          { token, errors: translate(req, result.errors, ['password', 'passwordConfirm']) },
          { status: 400, form: true },
        )
      }
      await sessions.store.destroyForUser(result.userId)
      await sessions.signOut(req, reply)
      await sessions.flash(req, reply, 'success', req.t('accounts.reset.done'))
      return reply.redirect('/sign-in', 303)
    },
  )
}
