import type { FastifyInstance } from 'fastify'
import { STAFF_ROLES } from '../../platform/access/index.js'
import { toGovukErrors } from '../../platform/views/index.js'
import { fromMessages } from '../../platform/views/forms.js'
import { findWardByCode, listWards, setWardActive } from '../../platform/tenancy/index.js'
import type { PlatformContext } from '../../platform/module.js'
import { listWardTeam, searchUsers, type AccountsService } from '../accounts/index.js'
import { countAreasByWard } from '../geography/index.js'
import { ActivationForm, GrantForm, UserSearchQuery } from './admin.forms.js'

const V = 'admin/views'

export function registerAdminRoutes(app: FastifyInstance, ctx: PlatformContext, accounts: AccountsService): void {
  const { db, audit } = ctx

  app.get(
    '/admin',
    { config: { access: { permission: 'admin.dashboard' }, audit: 'admin.dashboard.read' } },
    async (_req, reply) => {
      const wards = await listWards(db, { councilId: ctx.councilId })
      const counts = await countAreasByWard(db)
      const verdict = await audit.verify()
      return reply.page(`${V}/dashboard.njk`, {
        wards: wards.map((w) => ({ ...w, ...(counts.get(w.id) ?? { lsoa: 0, oa: 0, population: 0 }) })),
        verdict,
      })
    },
  )

  app.get(
    '/admin/wards/:wardCode',
    { config: { access: { permission: 'admin.ward.manage', wardParam: 'wardCode' }, audit: 'admin.ward.read' } },
    async (req, reply) => {
      const team = await listWardTeam(db, req.ward!.id, req.ward!.councilId)
      return reply.page(`${V}/ward.njk`, { ward: req.ward, team }, { form: true })
    },
  )

  app.post(
    '/admin/wards/:wardCode/activation',
    { config: { access: { permission: 'admin.ward.manage', wardParam: 'wardCode' }, audit: 'admin.ward.activation' } },
    async (req, reply) => {
      const ward = req.ward!
      const parsed = ActivationForm.safeParse(req.body)
      if (!parsed.success) {
        const team = await listWardTeam(db, ward.id, ward.councilId)
        return reply.page(
          `${V}/ward.njk`,
          { ward, team, errors: toGovukErrors(parsed.error, req.t, ['active']) },
          { status: 400, form: true },
        )
      }
      await setWardActive(db, ward.id, parsed.data.active === 'yes')
      ctx.wards.invalidate()
      await ctx.sessions.flash(
        req,
        reply,
        'success',
        req.t(parsed.data.active === 'yes' ? 'admin.ward.activated' : 'admin.ward.deactivated', { ward: ward.name }),
      )
      return reply.redirect(`/admin/wards/${ward.code}`, 303)
    },
  )

  app.get(
    '/admin/users',
    { config: { access: { permission: 'admin.user.read' }, audit: 'admin.user.search' } },
    async (req, reply) => {
      const parsed = UserSearchQuery.safeParse(req.query)
      const q = parsed.success ? parsed.data.q : ''
      const users = await searchUsers(db, q, 50)
      return reply.page(`${V}/users.njk`, { q, users })
    },
  )

  app.get(
    '/admin/users/:userId',
    { config: { access: { permission: 'admin.user.read' }, audit: 'admin.user.read' } },
    async (req, reply) => {
      const id = Number((req.params as { userId: string }).userId)
      const user = Number.isSafeInteger(id) ? await accounts.getUser(id) : undefined
      if (!user) return reply.page('errors/not-found.njk', {}, { status: 404 })
      return reply.page(`${V}/user.njk`, await userContext(user.id), { form: true })
    },
  )

  async function userContext(userId: number) {
    const user = await accounts.getUser(userId)
    const actor = await accounts.resolveActor(userId, false)
    const wards = await listWards(db, { councilId: ctx.councilId })
    const byId = new Map(wards.map((w) => [w.id, w]))
    const grants =
      actor?.kind === 'user'
        ? actor.grants.map((g) => ({ ...g, ward: g.wardId === null ? null : byId.get(g.wardId) }))
        : []
    return {
      user,
      grants,
      wards,
      roles: STAFF_ROLES,
      homeWard: user?.homeWardId ? byId.get(user.homeWardId) : undefined,
    }
  }

  app.post(
    '/admin/users/:userId/roles',
    { config: { access: { permission: 'admin.user.roles' }, audit: 'admin.user.roles.grant' } },
    async (req, reply) => {
      const id = Number((req.params as { userId: string }).userId)
      const user = Number.isSafeInteger(id) ? await accounts.getUser(id) : undefined
      if (!user) return reply.page('errors/not-found.njk', {}, { status: 404 })
      const parsed = GrantForm.safeParse(req.body)
      const fail = async (errors: ReturnType<typeof toGovukErrors>) =>
        reply.page(`${V}/user.njk`, { ...(await userContext(user.id)), errors }, { status: 400, form: true })
      if (!parsed.success) return fail(toGovukErrors(parsed.error, req.t, ['role', 'wardCode']))
      let wardId: number | null = null
      if (parsed.data.role !== 'admin') {
        const ward = parsed.data.wardCode ? await findWardByCode(db, parsed.data.wardCode) : undefined
        if (!ward || ward.councilId !== ctx.councilId)
          return fail(fromMessages({ wardCode: req.t('admin.errors.wardRequired') }))
        wardId = ward.id
      }
      const result = await accounts.grantRole(req.actor, user.id, {
        councilId: ctx.councilId,
        wardId,
        role: parsed.data.role,
      })
      if (!result.ok)
        return fail(fromMessages(Object.fromEntries(Object.entries(result.errors).map(([k, v]) => [k, req.t(v)]))))
      await ctx.sessions.flash(
        req,
        reply,
        'success',
        req.t('admin.user.granted', { role: req.t(`roles.${parsed.data.role}`) }),
      )
      return reply.redirect(`/admin/users/${user.id}`, 303)
    },
  )

  app.post(
    '/admin/users/:userId/roles/:grantId/revoke',
    { config: { access: { permission: 'admin.user.roles' }, audit: 'admin.user.roles.revoke' } },
    async (req, reply) => {
      const { userId, grantId } = req.params as { userId: string; grantId: string }
      const uid = Number(userId)
      const gid = Number(grantId)
      if (!Number.isSafeInteger(uid) || !Number.isSafeInteger(gid))
        return reply.page('errors/not-found.njk', {}, { status: 404 })
      if (req.actor.kind === 'user' && req.actor.userId === uid) {
        const grants = req.actor.grants
        const g = grants.find((x) => x.id === gid)
        // An admin cannot remove their own admin role: the council must never be left with nobody to manage it.
        if (g?.role === 'admin')
          return reply.page(
            `${V}/user.njk`,
            { ...(await userContext(uid)), errors: fromMessages({ role: req.t('admin.errors.cannotRevokeOwnAdmin') }) },
            { status: 400, form: true },
          )
      }
      const ok = await accounts.revokeRole(req.actor, uid, gid)
      if (!ok) return reply.page('errors/not-found.njk', {}, { status: 404 })
      await ctx.sessions.flash(req, reply, 'success', req.t('admin.user.revoked'))
      return reply.redirect(`/admin/users/${uid}`, 303)
    },
  )

  app.get(
    '/admin/audit',
    { config: { access: { permission: 'admin.audit.read' }, audit: 'admin.audit.read' } },
    async (req, reply) => {
      const before = Number((req.query as Record<string, unknown>).before)
      const events = await audit.list({
        wardIds: 'all',
        limit: 100,
        ...(Number.isSafeInteger(before) && before > 0 ? { beforeSeq: before } : {}),
      })
      const verdict = await audit.verify()
      return reply.page(`${V}/audit.njk`, {
        events,
        verdict,
        next: events.length === 100 ? events[events.length - 1]!.seq : undefined,
      })
    },
  )

  app.get(
    '/wards/:wardCode/staff',
    { config: { access: { permission: 'ward.staff-dashboard', wardParam: 'wardCode' }, audit: 'ward.team.read' } },
    async (req, reply) => {
      const ward = req.ward!
      const team = await listWardTeam(db, ward.id, ward.councilId)
      const myRoles =
        req.actor.kind === 'user'
          ? req.actor.grants.filter((g) => g.wardId === ward.id || g.wardId === null).map((g) => g.role)
          : []
      return reply.page(`${V}/staff.njk`, { ward, team, myRoles })
    },
  )
}
