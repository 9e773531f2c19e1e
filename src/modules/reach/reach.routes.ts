import type { FastifyInstance, FastifyRequest } from 'fastify'
import { authorize } from '../../platform/access/index.js'
import type { PlatformContext } from '../../platform/module.js'
import { fieldValues, toGovukErrors } from '../../platform/views/index.js'
import { fromMessages } from '../../platform/views/forms.js'
import { PLAN_FIELDS, PlanForm, ReachQuery } from './reach.forms.js'
import { insertPlan, listPlanDetails } from './reach.repository.js'
import { CENSUS_MAP } from './census-map.js'
import { reachBand } from './map.rules.js'
import { layoutLineChart } from './progress.rules.js'
import { AREA_SORTS, DEFAULT_THRESHOLD, ratePer1000, ratio, sortAreas, type AreaSort } from './reach.rules.js'
import { createReachService, type ReachReport } from './reach.service.js'
import { REACH_API_RESPONSE } from './reach.api.js'
import { registerOutreachRoutes } from './outreach.routes.js'
import { registerEiaRoutes } from './eia.routes.js'

const V = 'reach/views'

const publicWard = { config: { access: { permission: 'public', wardParam: 'wardCode' } } }
const guard = (permission: string, audit: string) => ({
  config: { access: { permission, wardParam: 'wardCode' }, audit },
})

const one = (v: number | null | undefined) => (v === null || v === undefined ? null : v.toFixed(1))
const two = (v: number | null | undefined) => (v === null || v === undefined ? null : v.toFixed(2))
const pct = (v: number | null | undefined) => (v === null || v === undefined ? null : `${(v * 100).toFixed(1)}%`)

/** Numbers as the pages show them (formatted here so templates only print). */
function viewGroups(groups: ReachReport['groups']) {
  return groups.map((g) => ({
    ...g,
    rows: g.rows.map((r) => ({
      ...r,
      participantShareText: pct(r.participantShare),
      residentShareText: pct(r.residentShare),
      ratioText: two(r.ratio),
      intervalText: r.interval ? `${pct(r.interval.low)} to ${pct(r.interval.high)}` : null,
    })),
  }))
}

function sortLinks(base: string, query: Record<string, string>, sort: AreaSort, dir: 'asc' | 'desc') {
  return Object.fromEntries(
    AREA_SORTS.map((s) => {
      const next = s === sort && dir === 'asc' ? 'desc' : 'asc'
      const q = new URLSearchParams({ ...query, sort: s, dir: next })
      return [
        s,
        { href: `${base}?${q.toString()}`, aria: s === sort ? (dir === 'asc' ? 'ascending' : 'descending') : 'none' },
      ]
    }),
  )
}

export function registerReachRoutes(app: FastifyInstance, ctx: PlatformContext): void {
  const service = createReachService(ctx.db)
  registerOutreachRoutes(app, ctx, service)
  registerEiaRoutes(app, ctx, service)
  const userId = (req: FastifyRequest) => (req.actor.kind === 'user' ? req.actor.userId : null)

  app.get('/wards/:wardCode/reach', publicWard, async (req, reply) => {
    const ward = req.ward!
    const s = await service.publicSummary(ward, DEFAULT_THRESHOLD)
    // The map's bands compare published figures only, so they give away nothing the table does not.
    const shown = s.areas.filter((a) => a.heard !== null)
    const publishedRate = ratePer1000(
      shown.reduce((n, a) => n + (a.heard ?? 0), 0),
      shown.reduce((n, a) => n + (a.residents ?? 0), 0),
    )
    return reply.page(`${V}/public.njk`, {
      ward,
      s,
      areas: s.areas.map((a) => ({
        ...a,
        rateText: one(a.ratePer1000),
        band: a.heard === null ? 'hidden' : reachBand(ratio(a.ratePer1000, publishedRate), false, DEFAULT_THRESHOLD),
      })),
      groups: viewGroups(s.groups),
    })
  })

  app.get(
    '/api/v1/wards/:wardCode/reach',
    {
      ...publicWard,
      schema: {
        tags: ['reach'],
        summary: 'Reach by small area and by group against Census 2021 (disclosure-controlled; hidden cells are null)',
        params: { type: 'object', properties: { wardCode: { type: 'string' } }, required: ['wardCode'] },
        response: { 200: REACH_API_RESPONSE },
      },
    },
    async (req) => {
      const s = await service.publicSummary(req.ward!, DEFAULT_THRESHOLD)
      return {
        ward: s.ward,
        areas: s.areas.map((a) => ({
          code: a.code,
          name: a.name,
          residents: a.residents,
          heard: a.heard,
          ratePer1000: a.ratePer1000 === null ? null : Number(a.ratePer1000.toFixed(2)),
          ...(a.suppressed ? { suppressed: true } : {}),
        })),
        groups: s.groups.flatMap((g) =>
          g.rows.map((r) => ({
            characteristic: g.characteristic,
            category: r.category,
            participantShare: r.participantShare === null ? null : Number(r.participantShare.toFixed(4)),
            residentShare: r.residentShare === null ? null : Number(r.residentShare.toFixed(4)),
            ratio: r.ratio === null ? null : Number(r.ratio.toFixed(3)),
            flagged: r.flagged,
            ...(r.participants === null ? { suppressed: true } : {}),
          })),
        ),
      }
    },
  )

  app.get('/wards/:wardCode/reach/officer', guard('reach.view', 'reach.view'), async (req, reply) => {
    const ward = req.ward!
    const q = ReachQuery.parse(req.query ?? {})
    const threshold = q.threshold ?? DEFAULT_THRESHOLD
    const sort = (AREA_SORTS as readonly string[]).includes(q.sort ?? '') ? (q.sort as AreaSort) : 'code'
    const dir = q.dir ?? 'asc'
    const r = await service.report(ward, { consultationId: q.consultation, threshold })
    const base = `/wards/${ward.code}/reach/officer`
    const keep: Record<string, string> = {}
    if (r.consultation) keep.consultation = String(r.consultation.id)
    if (q.threshold !== undefined) keep.threshold = String(threshold)
    const view = <T extends ReachReport['oa']['areas'][number]>(a: T) => ({
      ...a,
      rateText: one(a.ratePer1000),
      ratioText: two(a.ratioToWard),
      householdsDeprivedText: 'householdsDeprived' in a ? pct(a.householdsDeprived as number | null) : null,
    })
    const weeks = r.progress.map((w) => ({
      ...w,
      lsoaShareText: pct(w.lsoaShare),
      oaShareText: pct(w.oaShare),
    }))
    return reply.page(`${V}/officer.njk`, {
      ward,
      r,
      weeks,
      heardChart: layoutLineChart(r.progress.map((w) => ({ label: w.weekStart, value: w.heard }))),
      oaChart: layoutLineChart(
        r.progress.map((w) => ({ label: w.weekStart, value: (w.oaShare ?? 0) * 100 })),
        { max: 100, format: (v) => `${v}%` },
      ),
      base,
      threshold,
      wardRateText: one(r.lsoa.ratePer1000),
      lsoas: sortAreas(r.lsoa.areas, sort, dir).map(view),
      mapAreas: r.lsoa.areas.map(view),
      oas: sortAreas(r.oa.areas, sort, dir).map(view),
      noVoice: r.lsoa.areas.filter((a) => a.noVoice),
      noVoiceNames: r.lsoa.areas
        .filter((a) => a.noVoice)
        .map((a) => a.name)
        .join(', '),
      noVoiceOas: r.oa.areas.filter((a) => a.noVoice),
      groups: viewGroups(r.groups),
      links: sortLinks(base, keep, sort, dir),
      keep,
    })
  })

  async function nextPage(req: FastifyRequest, extra: Record<string, unknown> = {}) {
    const ward = req.ward!
    const { targets, events, report, venues } = await service.outreach(ward, DEFAULT_THRESHOLD)
    const plans = await listPlanDetails(ctx.db, ward.id)
    return {
      ward,
      venues,
      targets: targets.map((t) => ({
        ...t,
        ratioText: two(t.ratio),
        field: CENSUS_MAP.find((m) => t.key.startsWith(`${m.characteristic}:`))?.field ?? null,
        venues: t.venues.map((v) => ({ ...v, distanceText: v.inArea ? null : (v.distanceM / 1000).toFixed(1) })),
      })),
      events,
      plans,
      canVenues: authorize(req.actor, 'reach.venues', { ward }).allowed,
      placement: report.placement,
      ...extra,
    }
  }

  app.get('/wards/:wardCode/reach/next', guard('reach.outreach', 'reach.outreach.view'), async (req, reply) => {
    const canPlan = authorize(req.actor, 'reach.plan', { ward: req.ward! }).allowed
    return reply.page(`${V}/next.njk`, await nextPage(req, { canPlan, values: {} }), { form: canPlan })
  })

  app.post('/wards/:wardCode/reach/next/plans', guard('reach.plan', 'reach.plan.create'), async (req, reply) => {
    const ward = req.ward!
    const parsed = PlanForm.safeParse(req.body)
    if (!parsed.success) {
      const errors = toGovukErrors(parsed.error, req.t, PLAN_FIELDS)
      return reply.page(
        `${V}/next.njk`,
        await nextPage(req, { canPlan: true, values: fieldValues(req.body, PLAN_FIELDS), errors }),
        { status: 400, form: true },
      )
    }
    const { target, place, plannedOn, assignedTo, notes, venueId } = parsed.data
    const [kind, key] = target.split('|') as ['area' | 'group', string]
    const { targets, venues } = await service.outreach(ward, DEFAULT_THRESHOLD)
    const found = targets.find((t) => t.kind === kind && t.key === key)
    if (venueId !== null && !venues.some((v) => v.id === venueId)) {
      return reply.page(
        `${V}/next.njk`,
        await nextPage(req, {
          canPlan: true,
          values: fieldValues(req.body, PLAN_FIELDS),
          errors: fromMessages({ venueId: req.t('reach.errors.venue') }, PLAN_FIELDS),
        }),
        { status: 400, form: true },
      )
    }
    if (!found) {
      return reply.page(
        `${V}/next.njk`,
        await nextPage(req, {
          canPlan: true,
          values: fieldValues(req.body, PLAN_FIELDS),
          errors: fromMessages({ target: req.t('reach.errors.target') }, PLAN_FIELDS),
        }),
        { status: 400, form: true },
      )
    }
    await ctx.write((trx) =>
      insertPlan(trx, {
        wardId: ward.id,
        targetKind: kind,
        targetKey: key,
        targetLabel: found.label,
        place,
        plannedOn,
        assignedTo,
        notes,
        venueId,
        createdBy: userId(req),
      }),
    )
    await ctx.sessions.flash(req, reply, 'success', req.t('reach.next.planned'))
    return reply.redirect(`/wards/${ward.code}/reach/next#plans`, 303)
  })
}
