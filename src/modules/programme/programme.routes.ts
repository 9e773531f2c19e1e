import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { authorize } from '../../platform/access/index.js'
import { renderPdf } from '../../platform/files/index.js'
import type { PlatformContext } from '../../platform/module.js'
import { findWardByCode, setWardActive, type Ward } from '../../platform/tenancy/index.js'
import { fieldValues, toGovukErrors, type GovukErrors } from '../../platform/views/index.js'
import { fromMessages } from '../../platform/views/forms.js'
import { formatPence } from '../ledger/index.js'
import { REPLICATE_FIELDS, ReplicateForm } from './programme.forms.js'
import { programmePdf } from './programme.pdf.js'
import { presentReport, sectionsToCsv, type Section } from './programme.present.js'
import { copyProgrammeTemplate } from './programme.replicate.js'
import { layoutBars, toCsv } from './programme.rules.js'
import { accountabilitySchema } from './programme.schema.js'
import { createProgrammeService, type AccountabilityReport } from './programme.service.js'

const V = 'programme/views'
const DISCLOSURE =
  'Counts of people and contributions under 10 are hidden (null) and the rest are rounded to the nearest 5; where one cell in a set is hidden, the next smallest is hidden too.'

const publicWard = { config: { access: { permission: 'public', wardParam: 'wardCode' } } }
const admin = (audit: string) => ({ config: { access: { permission: 'programme.replicate' }, audit } })

/** A section with its chart laid out for the SVG template. */
function withCharts(sections: Section[]) {
  return sections.map((s) => ({
    ...s,
    svg: s.chart && s.rows.length > 0 ? { caption: s.chart.caption, layout: layoutBars(s.chart.items) } : null,
  }))
}

export function registerProgrammeRoutes(app: FastifyInstance, ctx: PlatformContext): void {
  const { db } = ctx
  const service = createProgrammeService(db)
  const fileBase = (ward: Ward) => `${ward.code}-programme-${new Date().toISOString().slice(0, 10)}`

  app.get('/wards/:wardCode/programme', publicWard, async (req, reply) => {
    const ward = req.ward!
    const report = await service.accountability(ward)
    return reply.page(`${V}/programme.njk`, {
      ward,
      report,
      sections: withCharts(presentReport(report, req.t, req.lang)),
      base: `/wards/${ward.code}/programme`,
    })
  })

  app.get('/wards/:wardCode/programme/report.csv', publicWard, async (req, reply) => {
    const ward = req.ward!
    const report = await service.accountability(ward)
    const csv = toCsv(sectionsToCsv(presentReport(report, req.t, req.lang)))
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${fileBase(ward)}.csv"`)
      .header('x-content-type-options', 'nosniff')
      .send(csv)
  })

  // A PDF takes a few hundred milliseconds of CPU: limited per client so it cannot be used to tie up the server.
  app.get(
    '/wards/:wardCode/programme/report.pdf',
    { config: { ...publicWard.config, rateLimit: { max: 20, timeWindow: '1 minute' } } },
    async (req, reply) => {
      const ward = req.ward!
      const report = await service.accountability(ward)
      const sections = presentReport(report, req.t, req.lang)
      const pdf = await renderPdf(programmePdf(report, sections, req.t, req.lang))
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="${fileBase(ward)}-${req.lang}.pdf"`)
        .header('x-content-type-options', 'nosniff')
        .send(pdf)
    },
  )

  app.get(
    '/api/v1/wards/:wardCode/accountability',
    {
      ...publicWard,
      schema: {
        tags: ['programme'],
        summary:
          "A ward's programme: themes, what people said, who has been heard, priorities, fund and spend by partner, and each service's status, progress, KPIs and spend (disclosure-controlled; hidden counts are null)",
        params: { type: 'object', properties: { wardCode: { type: 'string' } }, required: ['wardCode'] },
        response: { 200: accountabilitySchema },
      },
    },
    async (req) => ({ ...(await service.accountability(req.ward!)), disclosure: DISCLOSURE }),
  )

  // --- Borough: wards side by side ----------------------------------------------------------------------

  app.get('/borough', { config: { access: { permission: 'public' } } }, async (req, reply) => {
    const wards = await ctx.wards.list({ activeOnly: true })
    const reports = await Promise.all(wards.map((w) => service.accountability(w)))
    const rows = reports.map((r) => boroughRow(r))
    const nf = new Intl.NumberFormat(req.lang)
    const hidden = req.t('programme.hidden')
    const fmt = (n: number | null) => (n === null ? hidden : nf.format(n))
    const chart = layoutBars(
      rows.map((r) => ({
        label: r.name,
        value: r.heardPer1000,
        display: r.heardPer1000 === null ? hidden : nf.format(r.heardPer1000),
      })),
    )
    return reply.page(`${V}/borough.njk`, {
      rows: rows.map((r) => ({
        ...r,
        responsesText: fmt(r.responses),
        heardText: fmt(r.heard),
        rateText: r.heardPer1000 === null ? hidden : nf.format(r.heardPer1000),
        pledged: formatPence(r.pledgedPence),
        committed: formatPence(r.committedPence),
        paid: formatPence(r.paidPence),
        progressText: r.progress === null ? '' : `${nf.format(r.progress)}%`,
      })),
      chart,
      isAdmin: authorize(req.actor, 'programme.replicate').allowed,
    })
  })

  // --- Replication: switch on a ward and copy a programme into it ---------------------------------------

  async function replicatePage(
    req: FastifyRequest,
    reply: FastifyReply,
    extra: { values?: Record<string, string>; errors?: GovukErrors } = {},
    status = 200,
  ) {
    const wards = await ctx.wards.list()
    return reply.page(
      `${V}/replicate.njk`,
      {
        active: wards.filter((w) => w.isActive),
        wards,
        values: { activate: 'yes', ...(extra.values ?? {}) },
        errors: extra.errors,
      },
      { status, form: true },
    )
  }

  app.get('/admin/programme/replicate', admin('programme.replicate.read'), async (req, reply) =>
    replicatePage(req, reply),
  )

  app.post('/admin/programme/replicate', admin('programme.replicate'), async (req, reply) => {
    const values = fieldValues(req.body, REPLICATE_FIELDS)
    const parsed = ReplicateForm.safeParse(req.body)
    if (!parsed.success)
      return replicatePage(req, reply, { values, errors: toGovukErrors(parsed.error, req.t, REPLICATE_FIELDS) }, 400)
    const [from, to] = await Promise.all([findWardByCode(db, parsed.data.from), findWardByCode(db, parsed.data.to)])
    const byField: Record<string, string> = {}
    // Only this council's wards: a code of another council's ward is refused like an unknown one.
    if (!from || from.councilId !== ctx.councilId || !from.isActive)
      byField.from = req.t('programme.replicate.errors.from')
    if (!to || to.councilId !== ctx.councilId) byField.to = req.t('programme.replicate.errors.to')
    if (!from || !to || Object.keys(byField).length > 0)
      return replicatePage(req, reply, { values, errors: fromMessages(byField, REPLICATE_FIELDS) }, 400)
    const activate = parsed.data.activate === 'yes'
    const result = await ctx.write(async (trx) => {
      if (activate && !to.isActive) await setWardActive(trx, to.id, true)
      return copyProgrammeTemplate(trx, from.id, to.id)
    })
    ctx.wards.invalidate()
    const actor = req.actor.kind === 'user' ? req.actor.userId : null
    await ctx.audit.append({
      actorUserId: actor,
      actorLabel: actor === null ? 'anonymous' : `user:${actor}`,
      wardId: to.id,
      action: 'programme.template.copied',
      subject: `${from.code} -> ${to.code}`,
      outcome: 'success',
      detail: { from: from.code, to: to.code, activated: activate && !to.isActive, ...result },
    })
    await ctx.sessions.flash(
      req,
      reply,
      'success',
      req.t('programme.replicate.done', {
        from: from.name,
        to: to.name,
        themes: result.themesAdded,
        questions: result.questions,
        frame: result.frameThemesAdded,
      }),
    )
    return reply.redirect(`/admin/programme/replicate`, 303)
  })
}

/** One ward's row of the borough comparison. */
export function boroughRow(r: AccountabilityReport) {
  const residents = r.reach.areas.reduce((s, a) => s + (a.residents ?? 0), 0)
  const tracked = r.services.filter((s) => s.progress !== null && s.parentServiceId === null)
  return {
    code: r.ward.code,
    name: r.ward.name,
    programmeName: r.ward.programmeName,
    responses: r.voices.responses,
    heard: r.reach.heard,
    heardPer1000:
      r.reach.heard === null || residents === 0 ? null : Number(((r.reach.heard / residents) * 1000).toFixed(1)),
    priorities: r.priorities.length,
    pledgedPence: r.fund.totals.pledgedPence,
    committedPence: r.fund.totals.committedPence,
    paidPence: r.fund.totals.paidPence,
    services: r.services.filter((s) => s.parentServiceId === null).length,
    contracts: r.services.filter((s) => s.contractValuePence !== null).length,
    atRisk: r.services.filter((s) => s.rag === 'red' || s.rag === 'amber').length,
    progress:
      tracked.length === 0 ? null : Math.round(tracked.reduce((s, x) => s + (x.progress ?? 0), 0) / tracked.length),
  }
}
