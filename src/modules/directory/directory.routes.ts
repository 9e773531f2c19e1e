import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { PlatformContext } from '../../platform/module.js'
import { fieldValues, toGovukErrors, type GovukErrors } from '../../platform/views/index.js'
import { formatPence } from '../ledger/index.js'
import { ORGANISATION_FIELDS, OrganisationForm, SERVICE_FIELDS, SearchQuery, ServiceForm } from './directory.forms.js'
import { orukOrganisation, orukService, orukServiceSummary, orukTaxonomy, orukTerm, page } from './directory.oruk.js'
import {
  findOrganisationOfUser,
  findService,
  insertOrganisation,
  insertService,
  linkOrgUser,
  listOrganisations,
  listServices,
  updateOrganisation,
  updateOwnService,
} from './directory.repository.js'
import { DAYS, LANGUAGES, ORG_KINDS, matches, orgIdentifiers, type Service } from './directory.rules.js'

const V = 'directory/views'
const pub = { config: { access: { permission: 'public', wardParam: 'wardCode' } } }
const api = { config: { access: { permission: 'public' } } }
const provider = (audit: string) => ({
  config: { access: { permission: 'directory.provider', wardParam: 'wardCode' }, audit },
})

export function registerDirectoryRoutes(app: FastifyInstance, ctx: PlatformContext): void {
  const { db } = ctx
  const themes = ctx.tenant.startingThemes
  const themeName = (slug: string) => themes.find((t) => t.slug === slug)?.name ?? slug
  const describe = (s: Service) => ({
    ...s,
    themeNames: s.themes.map(themeName),
    cost: s.costPence === null ? null : formatPence(s.costPence),
    languageNames: s.languages.map((c) => LANGUAGES[c] ?? c),
  })

  // --- Public pages ------------------------------------------------------------------------------

  app.get('/wards/:wardCode/directory', pub, async (req, reply) => {
    const ward = req.ward!
    const filter = SearchQuery.parse(req.query ?? {})
    const [services, orgs] = await Promise.all([listServices(db, [ward.id]), listOrganisations(db, [ward.id])])
    const orgOf = new Map(orgs.map((o) => [o.id, o]))
    const found = services.filter((s) => matches(s, orgOf.get(s.organisationId), filter))
    return reply.page(`${V}/search.njk`, {
      ward,
      filter,
      themes,
      days: DAYS,
      results: found.map((s) => ({ ...describe(s), organisation: orgOf.get(s.organisationId) })),
    })
  })

  app.get('/wards/:wardCode/directory/services/:serviceId', pub, async (req, reply) => {
    const ward = req.ward!
    const { serviceId } = req.params as { serviceId: string }
    const s = await findService(db, serviceId)
    if (!s || s.wardId !== ward.id || s.status !== 'active')
      return reply.page('errors/not-found.njk', {}, { status: 404 })
    const org = (await listOrganisations(db, [ward.id])).find((o) => o.id === s.organisationId)!
    return reply.page(`${V}/service.njk`, { ward, service: describe(s), organisation: org, ids: orgIdentifiers(org) })
  })

  // --- Providers ---------------------------------------------------------------------------------

  const base = (code: string) => `/wards/${code}/directory/manage`
  const userId = (req: FastifyRequest) => (req.actor.kind === 'user' ? req.actor.userId : -1)

  async function managePage(
    req: FastifyRequest,
    reply: FastifyReply,
    extra: { values?: Record<string, string>; errors?: GovukErrors } = {},
    status = 200,
  ) {
    const ward = req.ward!
    const org = await findOrganisationOfUser(db, ward.id, userId(req))
    const services = org ? (await listServices(db, [ward.id])).filter((s) => s.organisationId === org.id) : []
    const values = extra.values ?? (org ? { ...org } : {})
    return reply.page(
      `${V}/manage.njk`,
      { ward, base: base(ward.code), org, services, kinds: ORG_KINDS, ...extra, values },
      { status, form: true },
    )
  }

  app.get('/wards/:wardCode/directory/manage', provider('directory.manage.read'), async (req, reply) =>
    managePage(req, reply),
  )

  app.post(
    '/wards/:wardCode/directory/manage/organisation',
    provider('directory.organisation.save'),
    async (req, reply) => {
      const ward = req.ward!
      const parsed = OrganisationForm.safeParse(req.body)
      if (!parsed.success)
        return managePage(
          req,
          reply,
          {
            values: fieldValues(req.body, ORGANISATION_FIELDS),
            errors: toGovukErrors(parsed.error, req.t, ORGANISATION_FIELDS),
          },
          400,
        )
      const me = userId(req)
      await ctx.write(async (trx) => {
        // Read inside the unit of work: a provider edits only the organisation it is linked to.
        const org = await findOrganisationOfUser(trx, ward.id, me)
        if (org) await updateOrganisation(trx, org.id, parsed.data)
        else await linkOrgUser(trx, await insertOrganisation(trx, ward.id, parsed.data), me)
      })
      await ctx.sessions.flash(req, reply, 'success', req.t('directory.manage.saved'))
      return reply.redirect(base(ward.code), 303)
    },
  )

  async function servicePage(
    req: FastifyRequest,
    reply: FastifyReply,
    extra: {
      values?: Record<string, string>
      lists?: Record<string, string[]>
      errors?: GovukErrors
      service?: Service
    },
    status = 200,
  ) {
    const ward = req.ward!
    const s = extra.service
    const values =
      extra.values ??
      (s
        ? {
            ...s,
            minAge: s.minAge === null ? '' : String(s.minAge),
            maxAge: s.maxAge === null ? '' : String(s.maxAge),
            cost: s.costPence === null ? '' : (s.costPence / 100).toFixed(2),
          }
        : { status: 'active' })
    const lists = extra.lists ?? { themes: s?.themes ?? [], days: s?.days ?? [], languages: s?.languages ?? ['en'] }
    return reply.page(
      `${V}/service-form.njk`,
      {
        ward,
        base: base(ward.code),
        action: s ? `${base(ward.code)}/services/${s.uuid}` : `${base(ward.code)}/services`,
        themes,
        days: DAYS,
        languages: Object.entries(LANGUAGES).map(([code, name]) => ({ code, name })),
        values,
        lists,
        errors: extra.errors,
      },
      { status, form: true },
    )
  }

  const listsOf = (body: unknown) => {
    const get = (f: string) => {
      const v = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[f] : undefined
      return typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
    }
    return { themes: get('themes'), days: get('days'), languages: get('languages') }
  }

  app.get('/wards/:wardCode/directory/manage/services/new', provider('directory.service.read'), async (req, reply) => {
    if (!(await findOrganisationOfUser(db, req.ward!.id, userId(req)))) return reply.redirect(base(req.ward!.code), 303)
    return servicePage(req, reply, {})
  })

  async function saveService(req: FastifyRequest, reply: FastifyReply, uuid?: string) {
    const ward = req.ward!
    const org = await findOrganisationOfUser(db, ward.id, userId(req))
    const existing = uuid ? await findService(db, uuid) : undefined
    // Another organisation's service (or none) looks the same from here: not found.
    if (!org || (uuid && (!existing || existing.organisationId !== org.id)))
      return reply.page('errors/not-found.njk', {}, { status: 404 })
    const parsed = ServiceForm.safeParse(req.body)
    if (!parsed.success)
      return servicePage(
        req,
        reply,
        {
          values: fieldValues(req.body, SERVICE_FIELDS),
          lists: listsOf(req.body),
          errors: toGovukErrors(parsed.error, req.t, SERVICE_FIELDS),
          ...(existing ? { service: existing } : {}),
        },
        400,
      )
    const d = parsed.data
    const input = {
      ...d,
      themes: d.themes.filter((t) => themes.some((x) => x.slug === t)),
      days: d.days as Service['days'],
      costPence: d.cost,
    }
    await ctx.write(async (trx) => {
      if (existing) await updateOwnService(trx, org.id, existing.uuid, input)
      else await insertService(trx, org, input)
    })
    await ctx.sessions.flash(req, reply, 'success', req.t('directory.manage.serviceSaved'))
    return reply.redirect(base(ward.code), 303)
  }

  app.post('/wards/:wardCode/directory/manage/services', provider('directory.service.create'), async (req, reply) =>
    saveService(req, reply),
  )

  app.get(
    '/wards/:wardCode/directory/manage/services/:serviceId',
    provider('directory.service.read'),
    async (req, reply) => {
      const org = await findOrganisationOfUser(db, req.ward!.id, userId(req))
      const s = await findService(db, (req.params as { serviceId: string }).serviceId)
      if (!org || !s || s.organisationId !== org.id) return reply.page('errors/not-found.njk', {}, { status: 404 })
      return servicePage(req, reply, { service: s })
    },
  )

  app.post(
    '/wards/:wardCode/directory/manage/services/:serviceId',
    provider('directory.service.update'),
    async (req, reply) => saveService(req, reply, (req.params as { serviceId: string }).serviceId),
  )

  // --- Open Referral UK 3.0 API --------------------------------------------------------------------

  const activeWardIds = async () => (await ctx.wards.list({ activeOnly: true })).map((w) => w.id)
  const paging = (q: unknown) => {
    const r = q as { page?: string; per_page?: string }
    const pageNumber = Math.max(1, Math.min(10_000, Number.parseInt(r.page ?? '1', 10) || 1))
    const perPage = Math.max(1, Math.min(200, Number.parseInt(r.per_page ?? '50', 10) || 50))
    return { pageNumber, perPage }
  }
  const open = (reply: FastifyReply) => reply.header('access-control-allow-origin', '*')

  app.get('/api/v1/oruk', api, async (_req, reply) =>
    open(reply).send({
      version: '3.0',
      profile: 'https://github.com/OpenReferralUK/uk-profile',
      openapi_url: `${ctx.config.publicUrl}/api/v1/openapi.json`,
    }),
  )

  app.get('/api/v1/oruk/services', api, async (req, reply) => {
    const q = req.query as Record<string, string | undefined>
    const wardIds = await activeWardIds()
    const [services, orgs] = await Promise.all([listServices(db, wardIds), listOrganisations(db, wardIds)])
    const orgOf = new Map(orgs.map((o) => [o.id, o]))
    const day = DAYS.find((d) => d === q.day?.toUpperCase().slice(0, 2))
    const term = themes.find((t) => orukTerm(t).id === q.taxonomy_term_id)
    const found = services.filter(
      (s) =>
        matches(s, orgOf.get(s.organisationId), {
          ...(q.search ? { q: q.search.slice(0, 100) } : {}),
          ...(day ? { day } : {}),
          ...(term ? { theme: term.slug } : {}),
        }) &&
        (q.taxonomy_term_id === undefined || term !== undefined) &&
        (q.minimum_age === undefined || s.maxAge === null || s.maxAge >= Number(q.minimum_age)) &&
        (q.maximum_age === undefined || s.minAge === null || s.minAge <= Number(q.maximum_age)),
    )
    const { pageNumber, perPage } = paging(q)
    const slice = found.slice((pageNumber - 1) * perPage, pageNumber * perPage)
    return open(reply).send(
      page(
        slice.map((s) => orukServiceSummary(s, orgOf.get(s.organisationId)!.uuid)),
        pageNumber,
        perPage,
        found.length,
      ),
    )
  })

  app.get('/api/v1/oruk/services/:id', api, async (req, reply) => {
    const s = await findService(db, (req.params as { id: string }).id)
    const wardIds = await activeWardIds()
    if (!s || s.status !== 'active' || !wardIds.includes(s.wardId))
      return open(reply).code(404).send({ error: 'not found' })
    const org = (await listOrganisations(db, [s.wardId])).find((o) => o.id === s.organisationId)!
    return open(reply).send(orukService(s, org, themes))
  })

  app.get('/api/v1/oruk/organizations', api, async (req, reply) => {
    const orgs = await listOrganisations(db, await activeWardIds())
    const { pageNumber, perPage } = paging(req.query)
    return open(reply).send(
      page(
        orgs.slice((pageNumber - 1) * perPage, pageNumber * perPage).map(orukOrganisation),
        pageNumber,
        perPage,
        orgs.length,
      ),
    )
  })

  app.get('/api/v1/oruk/taxonomies', api, async (_req, reply) =>
    open(reply).send(page([orukTaxonomy(themes, false)], 1, 50, 1)),
  )

  app.get('/api/v1/oruk/taxonomies/:id', api, async (req, reply) => {
    const tx = orukTaxonomy(themes, true)
    if ((req.params as { id: string }).id !== tx.id) return open(reply).code(404).send({ error: 'not found' })
    return open(reply).send(tx)
  })

  app.get('/api/v1/oruk/taxonomy_terms', api, async (req, reply) => {
    const { pageNumber, perPage } = paging(req.query)
    const terms = themes.map(orukTerm)
    return open(reply).send(
      page(terms.slice((pageNumber - 1) * perPage, pageNumber * perPage), pageNumber, perPage, terms.length),
    )
  })
}
