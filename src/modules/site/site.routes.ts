import type { FastifyInstance } from 'fastify'
import { randomToken } from '../../platform/security/index.js'
import { fieldValues, toGovukErrors } from '../../platform/views/index.js'
import { listWards, type Ward } from '../../platform/tenancy/index.js'
import type { PlatformContext } from '../../platform/module.js'
import {
  countAreasByWard,
  listWardAreas,
  listWardFigures,
  listWardFigureSources,
  type SmallArea,
  type WardFigure,
} from '../geography/index.js'
import { createTtlCache } from '../../platform/cache.js'
import { FeedbackForm, RATINGS } from './site.forms.js'
import { insertFeedbackOnce } from './site.repository.js'

const V = 'site/views'

/** Characteristics the ward page has words for, in the order it shows them; others follow by key. */
const CHARACTERISTIC_ORDER = ['age', 'sex', 'ethnic_group', 'religion', 'disability', 'tenure']

export interface FigureTableView {
  key: string
  /** Whether `site.ward.figures.characteristic.<key>` exists; otherwise the page shows the key itself. */
  known: boolean
  universe: 'persons' | 'households'
  total: number
  rows: { category: string; count: number; share: string }[]
  sources: { dataset: string; source: string }[]
}

/** Groups ward totals into one table per characteristic, with each category's share of the table's total. */
export function figureTables(
  figures: WardFigure[],
  sources: { characteristic: string; dataset: string; source: string }[],
): FigureTableView[] {
  const keys = [...new Set(figures.map((f) => f.characteristic))].sort((a, b) => {
    const ia = CHARACTERISTIC_ORDER.indexOf(a)
    const ib = CHARACTERISTIC_ORDER.indexOf(b)
    return (ia < 0 ? Infinity : ia) - (ib < 0 ? Infinity : ib) || a.localeCompare(b)
  })
  return keys.map((key) => {
    const rows = figures.filter((f) => f.characteristic === key)
    // Shares are of the table's own total: Census tables differ by a few people (ONS perturbation).
    const total = rows.reduce((s, r) => s + r.count, 0)
    return {
      key,
      known: CHARACTERISTIC_ORDER.includes(key),
      universe: rows[0]!.universe,
      total,
      rows: rows.map((r) => ({
        category: r.category,
        count: r.count,
        share: total > 0 ? ((r.count * 100) / total).toFixed(1) : '0.0',
      })),
      sources: sources.filter((s) => s.characteristic === key).map(({ dataset, source }) => ({ dataset, source })),
    }
  })
}

export interface SiteDeps {
  /** Reports whether the database answers, and which kind it is. */
  health: () => Promise<{ ok: boolean; database: string; detail?: string }>
  openapi: () => unknown
}

const wardSchema = {
  type: 'object',
  required: ['code', 'name', 'active', 'programmeName', 'links'],
  properties: {
    code: { type: 'string', description: 'ONS GSS ward code' },
    name: { type: 'string' },
    active: { type: 'boolean', description: 'Whether the programme runs in this ward' },
    programmeName: { type: 'string' },
    strapline: { type: 'string' },
    population: { type: ['integer', 'null'], description: 'Census 2021 usual residents (sum of LSOA totals)' },
    smallAreas: { type: 'object', properties: { lsoa: { type: 'integer' }, oa: { type: 'integer' } } },
    links: { type: 'object', properties: { page: { type: 'string' } } },
  },
} as const

export function registerSiteRoutes(app: FastifyInstance, ctx: PlatformContext, deps: SiteDeps): void {
  const pilotCode = ctx.tenant.pilotWards[0]!

  async function pilotWard(): Promise<Ward | undefined> {
    return ctx.wards.byCode(pilotCode)
  }
  // Small areas and their Census figures change only when a geography pack is imported.
  const areas = createTtlCache<number, SmallArea[]>(60_000, (wardId) => listWardAreas(ctx.db, wardId))

  app.get('/', { config: { access: { permission: 'public' } } }, async (req, reply) => {
    const ward = await pilotWard()
    const lsoas = ward ? (await areas.get(ward.id)).filter((a) => a.kind === 'lsoa') : []
    const population = lsoas.reduce((s, a) => s + (a.population ?? 0), 0)
    const activeWards = await ctx.wards.list({ activeOnly: true })
    return reply.page(`${V}/home.njk`, {
      ward,
      population,
      lsoaCount: lsoas.length,
      activeWards,
      signedOut: (req.query as Record<string, unknown>).signedOut === '1',
    })
  })

  app.get('/wards', { config: { access: { permission: 'public' } } }, async (_req, reply) => {
    const wards = await listWards(ctx.db, { councilId: ctx.councilId })
    const counts = await countAreasByWard(ctx.db)
    return reply.page(`${V}/wards.njk`, {
      wards: wards.map((w) => ({ ...w, ...(counts.get(w.id) ?? { lsoa: 0, oa: 0, population: 0 }) })),
    })
  })

  app.get(
    '/wards/:wardCode',
    { config: { access: { permission: 'public', wardParam: 'wardCode' } } },
    async (req, reply) => {
      const ward = req.ward!
      const lsoas = await listWardAreas(ctx.db, ward.id, 'lsoa')
      const oas = await listWardAreas(ctx.db, ward.id, 'oa')
      const population = lsoas.reduce((s, a) => s + (a.population ?? 0), 0)
      const [figures, sources] = await Promise.all([
        listWardFigures(ctx.db, ward.id),
        listWardFigureSources(ctx.db, ward.id),
      ])
      return reply.page(`${V}/ward.njk`, {
        ward,
        lsoas: lsoas.map((l) => ({ ...l, oaCount: oas.filter((o) => o.parentCode === l.code).length })),
        oaCount: oas.length,
        population,
        themes: ctx.tenant.startingThemes,
        figureTables: figureTables(figures, sources),
      })
    },
  )

  // --- Feedback: the service's own "how did we do" form (GOV.UK pattern), and the model form for idempotent submits.
  app.get('/feedback', { config: { access: { permission: 'public' } } }, async (_req, reply) =>
    reply.page(`${V}/feedback.njk`, { values: {}, ratings: RATINGS, submissionKey: randomToken(18) }, { form: true }),
  )

  app.post(
    '/feedback',
    { config: { access: { permission: 'public' }, rateLimit: { max: 600, timeWindow: '1 minute' } } },
    async (req, reply) => {
      const parsed = FeedbackForm.safeParse(req.body)
      if (!parsed.success) {
        const values = fieldValues(req.body, ['rating', 'comments'])
        const key = fieldValues(req.body, ['submissionKey']).submissionKey
        return reply.page(
          `${V}/feedback.njk`,
          {
            values,
            ratings: RATINGS,
            submissionKey: key && /^[A-Za-z0-9_-]{16,64}$/.test(key) ? key : randomToken(18),
            errors: toGovukErrors(parsed.error, req.t, ['rating', 'comments']),
          },
          { status: 400, form: true },
        )
      }
      const ward = await pilotWard()
      if (!ward) throw new Error('pilot ward missing: run together seed')
      const saved = await ctx.write((trx) =>
        insertFeedbackOnce(trx, {
          wardId: ward.id,
          userId: req.actor.kind === 'user' ? req.actor.userId : null,
          submissionKey: parsed.data.submissionKey,
          rating: parsed.data.rating,
          comments: parsed.data.comments,
        }),
      )
      return reply.redirect(`/feedback/thank-you?ref=${saved.id}`, 303)
    },
  )

  app.get('/feedback/thank-you', { config: { access: { permission: 'public' } } }, async (_req, reply) =>
    reply.page(`${V}/feedback-done.njk`),
  )

  for (const page of ['accessibility', 'privacy', 'cookies'] as const) {
    app.get(`/${page}`, { config: { access: { permission: 'public' } } }, async (_req, reply) =>
      reply.page(`${V}/${page}.njk`),
    )
  }

  // --- Stable machine interfaces ------------------------------------------------------------------
  app.get(
    '/healthz',
    {
      config: { access: { permission: 'public' } },
      schema: {
        tags: ['operations'],
        summary: 'Liveness and database check',
        response: {
          200: {
            type: 'object',
            required: ['status', 'database'],
            properties: {
              status: { type: 'string', enum: ['ok'] },
              database: { type: 'string', enum: ['sqlite', 'postgres'] },
              time: { type: 'string' },
            },
          },
          503: { type: 'object', properties: { status: { type: 'string' }, database: { type: 'string' } } },
        },
      },
    },
    async (_req, reply) => {
      const h = await deps.health()
      return reply
        .code(h.ok ? 200 : 503)
        .send({ status: h.ok ? 'ok' : 'unavailable', database: h.database, time: new Date().toISOString() })
    },
  )

  app.get('/.well-known/security.txt', { config: { access: { permission: 'public' } } }, async (_req, reply) => {
    const expires = new Date(Date.now() + 180 * 24 * 3600 * 1000)
    expires.setUTCHours(0, 0, 0, 0)
    const body = [
      `Contact: ${ctx.config.securityContact}`,
      `Expires: ${expires.toISOString()}`,
      'Preferred-Languages: en',
      `Canonical: ${ctx.config.publicUrl}/.well-known/security.txt`,
      `Policy: ${ctx.config.publicUrl}/accessibility`,
      '',
    ].join('\n')
    return reply.type('text/plain; charset=utf-8').send(body)
  })

  app.get('/api/v1/openapi.json', { config: { access: { permission: 'public' } } }, async (_req, reply) =>
    reply.send(deps.openapi()),
  )

  app.get(
    '/api/v1/wards',
    {
      config: { access: { permission: 'public' } },
      schema: {
        tags: ['wards'],
        summary: "The council's wards, with whether the programme runs in each",
        response: {
          200: {
            type: 'object',
            required: ['council', 'wards'],
            properties: {
              council: { type: 'object', properties: { code: { type: 'string' }, name: { type: 'string' } } },
              wards: { type: 'array', items: wardSchema },
            },
          },
        },
      },
    },
    async () => {
      const wards = await listWards(ctx.db, { councilId: ctx.councilId })
      const counts = await countAreasByWard(ctx.db)
      return {
        council: { code: ctx.tenant.council.code, name: ctx.tenant.council.name },
        wards: wards.map((w) => {
          const c = counts.get(w.id)
          return {
            code: w.code,
            name: w.name,
            active: w.isActive,
            programmeName: w.programmeName,
            strapline: w.strapline,
            population: c?.population ?? null,
            smallAreas: { lsoa: c?.lsoa ?? 0, oa: c?.oa ?? 0 },
            links: { page: `${ctx.config.publicUrl}/wards/${w.code}` },
          }
        }),
      }
    },
  )
}
