import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ukToday } from '../../platform/i18n/index.js'
import { authorize } from '../../platform/access/index.js'
import { getFile, listFiles, readMultipart, saveFile, sendFile, type UploadPolicy } from '../../platform/files/index.js'
import type { PlatformContext } from '../../platform/module.js'
import { notifyOutcome } from '../trace/index.js'
import type { Ward } from '../../platform/tenancy/index.js'
import { fieldValues, toGovukErrors, type GovukErrors } from '../../platform/views/index.js'
import { fromMessages } from '../../platform/views/forms.js'
import { listAwardedContracts } from '../commissioning/index.js'
import { findOrganisationOfUser, listOrganisations } from '../directory/index.js'
import { formatPence } from '../ledger/index.js'
import { sendNotification, setNotificationPreference } from '../notifications/index.js'
import { listWinningOptions } from '../prioritisation/index.js'
import { disclose } from '../reach/index.js'
import {
  KPI_FIELDS,
  KpiForm,
  MILESTONE_FIELDS,
  MilestoneForm,
  parseReturnForm,
  PRIORITY_FIELDS,
  PRIORITY_VALUES,
  PriorityTrackForm,
  RATING_FIELDS,
  RatingForm,
  ReasonForm,
  REVIEW_FIELDS,
  ReviewForm,
  StateForm,
  TRACK_FIELDS,
  TrackForm,
  WeightForm,
} from './delivery.forms.js'
import {
  deleteKpi,
  deleteMilestone,
  findRating,
  isKpiReported,
  isMilestoneReported,
  listServices,
  setServiceWeight,
  updateKpi,
  updateMilestone,
  findReturn,
  hideRating,
  insertKpi,
  insertMilestone,
  insertRatingReport,
  insertSurvey,
  listOpenRatingReports,
  listRatings,
  listReviews,
  listSurveyRecipients,
  listSurveys,
  reviewReturn,
  saveRating,
  saveReturn,
  setServiceState,
  type Return,
} from './delivery.repository.js'
import { maySendSurvey, SERVICE_STATES } from './delivery.rules.js'
import { buildWardDelivery, trackContract, trackFundedPriority, type ServiceDetail } from './delivery.service.js'

const V = 'delivery/views'

/** Evidence a provider may attach to a return (issue 9): documents and pictures, 10 MB each, kind by magic bytes. */
export const EVIDENCE_POLICY: UploadPolicy = {
  maxBytes: 10 * 1024 * 1024,
  maxFiles: 5,
  kinds: ['pdf', 'png', 'jpeg', 'docx', 'xlsx'],
}
const EVIDENCE_OWNER = 'delivery_return'

const publicWard = { config: { access: { permission: 'public', wardParam: 'wardCode' } } }
const rater = (audit?: string) => ({
  config: {
    access: { permission: 'delivery.rate', wardParam: 'wardCode' },
    rateLimit: { max: 30, timeWindow: '1 minute' },
    ...(audit ? { audit } : {}),
  },
})
const officer = (audit: string) => ({
  config: { access: { permission: 'delivery.officer', wardParam: 'wardCode' }, audit },
})
const provider = (audit: string) => ({
  config: { access: { permission: 'delivery.provider', wardParam: 'wardCode' }, audit },
})

/** A form value as a list (one checkbox arrives as a string, several as an array). */
const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v])

const paramId = (req: FastifyRequest, name: string): number => {
  const v = (req.params as Record<string, string | undefined>)[name] ?? ''
  return /^\d{1,12}$/.test(v) ? Number(v) : 0
}

export interface DeliveryDeps {
  /** Tests move the clock (lateness, grace days). */
  today?: () => string
}

export function registerDeliveryRoutes(app: FastifyInstance, ctx: PlatformContext, deps: DeliveryDeps = {}): void {
  const { db } = ctx
  const today = deps.today ?? (() => ukToday())
  const userId = (req: FastifyRequest) => (req.actor.kind === 'user' ? req.actor.userId : 0)
  const notFound = (reply: FastifyReply) => reply.page('errors/not-found.njk', {}, { status: 404 })
  const pub = (ward: Ward) => `/wards/${ward.code}/delivery`
  const manage = (ward: Ward) => `/wards/${ward.code}/delivery/manage`
  const prov = (ward: Ward) => `/wards/${ward.code}/delivery/provider`
  const isOfficer = (req: FastifyRequest) => authorize(req.actor, 'delivery.officer', { ward: req.ward! }).allowed

  /** Money and figures ready for templates (pence formatted once, here). */
  const money = (d: ServiceDetail) => ({
    committed: formatPence(d.summary.spend.committedPence),
    paid: formatPence(d.summary.spend.paidPence),
    remaining: formatPence(d.summary.spend.remainingPence),
    byPartner: d.summary.spend.byPartner.map((p) => ({
      name: p.partnerName,
      committed: formatPence(p.committedPence),
      paid: formatPence(p.paidPence),
    })),
  })

  async function wardDetail(req: FastifyRequest) {
    return buildWardDelivery(db, req.ward!.id, today())
  }
  async function serviceOf(
    req: FastifyRequest,
  ): Promise<{ all: Map<number, ServiceDetail>; d: ServiceDetail } | undefined> {
    const all = await wardDetail(req)
    const d = all.get(paramId(req, 'deliveryServiceId'))
    return d ? { all, d } : undefined
  }

  /** Rows of a tree, parents first, each with its depth, for the tables. */
  function treeRows(all: Map<number, ServiceDetail>) {
    const out: { d: ServiceDetail; depth: number }[] = []
    const seen = new Set<number>()
    const walk = (d: ServiceDetail, depth: number) => {
      if (seen.has(d.service.id)) return
      seen.add(d.service.id)
      out.push({ d, depth })
      for (const c of d.childIds) {
        const child = all.get(c)
        if (child) walk(child, depth + 1)
      }
    }
    for (const d of all.values()) if (d.service.parentId === null || !all.has(d.service.parentId)) walk(d, 0)
    for (const d of all.values()) walk(d, 0)
    return out.map(({ d, depth }) => ({
      id: d.service.id,
      depth,
      title: d.summary.title,
      provider: d.summary.providerName,
      status: d.summary.status,
      rag: d.summary.rag,
      progress: d.summary.progressPercent,
      money: money(d),
      overdue: d.overdue,
      awaitingReview: d.periods.filter((p) => p.ret?.state === 'submitted').length,
      nextDue: d.summary.nextReturnDue,
    }))
  }

  // --- Public ------------------------------------------------------------------------------------------------

  app.get('/wards/:wardCode/delivery', publicWard, async (req, reply) => {
    const all = await wardDetail(req)
    return reply.page(`${V}/list.njk`, {
      ward: req.ward,
      base: pub(req.ward!),
      rows: treeRows(all),
      canManage: isOfficer(req),
      manageBase: manage(req.ward!),
      isProvider: authorize(req.actor, 'delivery.provider', { ward: req.ward! }).allowed,
      providerBase: prov(req.ward!),
    })
  })

  async function servicePage(
    req: FastifyRequest,
    reply: FastifyReply,
    extra: { values?: Record<string, string>; errors?: GovukErrors } = {},
    status = 200,
  ) {
    const found = await serviceOf(req)
    if (!found) return notFound(reply)
    const { all, d } = found
    const ward = req.ward!
    const uid = userId(req)
    const ratings = await listRatings(db, [d.service.id])
    const visible = ratings.filter((r) => r.hiddenAt === null)
    // Published counts go through the reach module's disclosure control: under 10 hidden, the rest rounded to 5.
    const [shownCount] = disclose([d.summary.ratings.count])
    const byStars = disclose([...d.byStars])
    const own = ratings.find((r) => r.userId === uid)
    return reply.page(
      `${V}/service.njk`,
      {
        ward,
        base: pub(ward),
        manageBase: manage(ward),
        s: d.summary,
        service: d.service,
        money: money(d),
        milestones: d.milestones,
        kpis: d.kpis.map((k) => ({ ...k, periodLabel: d.summary.kpis.find((x) => x.name === k.name)?.period ?? null })),
        children: d.childIds.map((c) => all.get(c)?.summary).filter((x) => x !== undefined),
        parent: d.service.parentId !== null ? all.get(d.service.parentId)?.summary : undefined,
        rating: {
          count: shownCount,
          average: shownCount === null ? null : d.summary.ratings.average,
          byStars: byStars.map((n, i) => ({ stars: i + 1, count: n })),
        },
        comments: visible
          .filter((r) => r.comment !== '')
          .slice(0, 50)
          .map((r) => ({ id: r.id, stars: r.stars, comment: r.comment, at: r.updatedAt, mine: r.userId === uid })),
        own,
        signedIn: req.actor.kind === 'user',
        canManage: isOfficer(req),
        values: extra.values ?? {},
        errors: extra.errors,
      },
      { status, form: req.actor.kind === 'user' },
    )
  }

  app.get('/wards/:wardCode/delivery/services/:deliveryServiceId', publicWard, (req, reply) => servicePage(req, reply))

  async function ratePage(
    req: FastifyRequest,
    reply: FastifyReply,
    extra: { values?: Record<string, string>; errors?: GovukErrors } = {},
    status = 200,
  ) {
    const found = await serviceOf(req)
    if (!found || found.d.service.state === 'cancelled') return notFound(reply)
    const own = (await listRatings(db, [found.d.service.id])).find((r) => r.userId === userId(req))
    const current = own
      ? { stars: String(own.stars), comment: own.comment, surveys: own.wantsSurveys ? 'yes' : '' }
      : { surveys: '' }
    return reply.page(
      `${V}/rate.njk`,
      {
        ward: req.ward,
        base: pub(req.ward!),
        s: found.d.summary,
        own,
        values: extra.values ?? current,
        errors: extra.errors,
      },
      { status, form: true },
    )
  }

  app.get('/wards/:wardCode/delivery/services/:deliveryServiceId/rate', rater(), (req, reply) => ratePage(req, reply))

  app.post('/wards/:wardCode/delivery/services/:deliveryServiceId/rate', rater(), async (req, reply) => {
    const found = await serviceOf(req)
    if (!found || found.d.service.state === 'cancelled') return notFound(reply)
    const parsed = RatingForm.safeParse(req.body)
    if (!parsed.success)
      return ratePage(
        req,
        reply,
        { values: fieldValues(req.body, RATING_FIELDS), errors: toGovukErrors(parsed.error, req.t, RATING_FIELDS) },
        400,
      )
    const ward = req.ward!
    const uid = userId(req)
    await ctx.write(async (trx) => {
      await saveRating(trx, {
        serviceId: found.d.service.id,
        wardId: ward.id,
        userId: uid,
        stars: parsed.data.stars,
        comment: parsed.data.comment,
        wantsSurveys: parsed.data.surveys,
      })
      // Ticking the box is the person's explicit opt-in to survey emails (off by default); the one-click
      // unsubscribe in every survey email turns it off again, and sendNotification honours that.
      if (parsed.data.surveys) await setNotificationPreference(trx, uid, 'service_surveys', true)
    })
    await ctx.sessions.flash(req, reply, 'success', req.t('delivery.rate.saved'))
    return reply.redirect(`${pub(ward)}/services/${found.d.service.id}`, 303)
  })

  app.post(
    '/wards/:wardCode/delivery/services/:deliveryServiceId/ratings/:ratingId/report',
    rater(),
    async (req, reply) => {
      const found = await serviceOf(req)
      const rating = found ? await findRating(db, req.ward!.id, paramId(req, 'ratingId')) : undefined
      if (!found || !rating || rating.serviceId !== found.d.service.id || rating.hiddenAt) return notFound(reply)
      const parsed = ReasonForm.safeParse(req.body)
      if (!parsed.success)
        return servicePage(
          req,
          reply,
          {
            values: fieldValues(req.body, ['reason']),
            errors: fromMessages({
              [`report-${rating.id}`]: toGovukErrors(parsed.error, req.t).byField.reason ?? '',
            }),
          },
          400,
        )
      await ctx.write((trx) =>
        insertRatingReport(trx, {
          ratingId: rating.id,
          wardId: req.ward!.id,
          reporterUserId: userId(req),
          reason: parsed.data.reason,
        }),
      )
      await ctx.sessions.flash(req, reply, 'success', req.t('delivery.report.saved'))
      return reply.redirect(`${pub(req.ward!)}/services/${found.d.service.id}`, 303)
    },
  )

  // --- Officers ----------------------------------------------------------------------------------------------

  async function dashboard(
    req: FastifyRequest,
    reply: FastifyReply,
    extra: { values?: Record<string, string>; errors?: GovukErrors } = {},
    status = 200,
  ) {
    const ward = req.ward!
    const all = await wardDetail(req)
    const tracked = new Set([...all.values()].map((d) => d.service.processId).filter((x) => x !== null))
    const contracts = (await listAwardedContracts(db, ward.id)).filter((c) => !tracked.has(c.processId))
    const rows = treeRows(all)
    return reply.page(
      `${V}/dashboard.njk`,
      {
        ward,
        base: manage(ward),
        publicBase: pub(ward),
        rows,
        totals: {
          services: rows.length,
          red: rows.filter((r) => r.rag === 'red').length,
          amber: rows.filter((r) => r.rag === 'amber').length,
          overdue: rows.reduce((s, r) => s + r.overdue, 0),
          awaitingReview: rows.reduce((s, r) => s + r.awaitingReview, 0),
        },
        contracts: contracts.map((c) => ({ value: String(c.processId), text: c.title })),
        parents: rows.map((r) => ({ value: String(r.id), text: r.title })),
        reports: (await listOpenRatingReports(db, ward.id)).length,
        values: extra.values ?? { weight: '1', periodMonths: '3' },
        errors: extra.errors,
      },
      { status, form: true },
    )
  }

  app.get('/wards/:wardCode/delivery/manage', officer('delivery.dashboard.read'), (req, reply) => dashboard(req, reply))

  app.post('/wards/:wardCode/delivery/manage/services', officer('delivery.service.track'), async (req, reply) => {
    const ward = req.ward!
    const values = fieldValues(req.body, TRACK_FIELDS)
    const parsed = TrackForm.safeParse(req.body)
    if (!parsed.success)
      return dashboard(req, reply, { values, errors: toGovukErrors(parsed.error, req.t, TRACK_FIELDS) }, 400)
    const all = await wardDetail(req)
    const contract = (await listAwardedContracts(db, ward.id)).find((c) => c.processId === parsed.data.processId)
    const byField: Record<string, string> = {}
    if (!contract || [...all.values()].some((d) => d.service.processId === parsed.data.processId))
      byField.processId = req.t('delivery.errors.contract')
    if (parsed.data.parentId !== null && !all.has(parsed.data.parentId))
      byField.parentId = req.t('delivery.errors.parent')
    if (!contract || Object.keys(byField).length > 0)
      return dashboard(req, reply, { values, errors: fromMessages(byField, TRACK_FIELDS) }, 400)
    const id = await ctx.write((trx) =>
      trackContract(trx, contract, {
        parentId: parsed.data.parentId,
        weight: parsed.data.weight,
        periodMonths: parsed.data.periodMonths,
        userId: userId(req),
      }),
    )
    await ctx.sessions.flash(req, reply, 'success', req.t('delivery.track.saved'))
    return reply.redirect(`${manage(ward)}/services/${id}`, 303)
  })

  async function manageServicePage(
    req: FastifyRequest,
    reply: FastifyReply,
    extra: { values?: Record<string, string>; errors?: GovukErrors } = {},
    status = 200,
  ) {
    const found = await serviceOf(req)
    if (!found) return notFound(reply)
    const { d } = found
    const ward = req.ward!
    const reviews = await listReviews(
      db,
      d.periods.map((p) => p.ret?.id).filter((x): x is number => x !== undefined),
    )
    const surveys = await listSurveys(db, d.service.id)
    return reply.page(
      `${V}/manage-service.njk`,
      {
        ward,
        base: manage(ward),
        publicBase: pub(ward),
        s: d.summary,
        service: d.service,
        money: money(d),
        milestones: d.milestones,
        kpis: d.kpis,
        parent: d.service.parentId !== null ? found.all.get(d.service.parentId)?.summary : undefined,
        periods: [...d.periods].reverse(),
        reviews: reviews.reverse(),
        surveys,
        recipients: (await listSurveyRecipients(db, d.service.id)).length,
        states: SERVICE_STATES.map((s) => ({
          value: s,
          text: req.t(`delivery.states.${s}`),
          checked: s === d.service.state,
        })),
        values: extra.values ?? {},
        errors: extra.errors,
      },
      { status, form: true },
    )
  }

  app.get(
    '/wards/:wardCode/delivery/manage/services/:deliveryServiceId',
    officer('delivery.service.read'),
    (req, reply) => manageServicePage(req, reply),
  )

  app.post(
    '/wards/:wardCode/delivery/manage/services/:deliveryServiceId/state',
    officer('delivery.service.state'),
    async (req, reply) => {
      const found = await serviceOf(req)
      if (!found) return notFound(reply)
      const parsed = StateForm.safeParse(req.body)
      if (!parsed.success)
        return manageServicePage(req, reply, { errors: toGovukErrors(parsed.error, req.t, ['state']) }, 400)
      await ctx.write((trx) => setServiceState(trx, found.d.service.id, parsed.data.state))
      await ctx.sessions.flash(req, reply, 'success', req.t('delivery.state.saved'))
      return reply.redirect(`${manage(req.ward!)}/services/${found.d.service.id}`, 303)
    },
  )

  app.post(
    '/wards/:wardCode/delivery/manage/services/:deliveryServiceId/surveys',
    officer('delivery.survey.send'),
    async (req, reply) => {
      const found = await serviceOf(req)
      if (!found) return notFound(reply)
      const ward = req.ward!
      const service = found.d.service
      const last = (await listSurveys(db, service.id))[0]
      if (!maySendSurvey(last?.createdAt ?? null, new Date(`${today()}T12:00:00Z`).toISOString()))
        return manageServicePage(
          req,
          reply,
          { errors: fromMessages({ survey: req.t('delivery.errors.surveyTooSoon') }) },
          409,
        )
      const link = `${pub(ward)}/services/${service.id}/rate`
      const queued = await ctx.write(async (trx) => {
        let n = 0
        for (const uid of await listSurveyRecipients(trx, service.id)) {
          const r = await sendNotification(ctx, trx, {
            userId: uid,
            kind: 'service_surveys',
            // In each recipient's own language, not the officer's.
            subject: { key: 'delivery.survey.subject', vars: { title: service.title } },
            text: { key: 'delivery.survey.text', vars: { title: service.title } },
            link,
          })
          if (r === 'queued') n += 1
        }
        await insertSurvey(trx, { serviceId: service.id, wardId: ward.id, userId: userId(req), recipients: n })
        return n
      })
      await ctx.sessions.flash(req, reply, 'success', req.t('delivery.survey.sent', { count: queued }))
      return reply.redirect(`${manage(ward)}/services/${service.id}`, 303)
    },
  )

  // Officers set the plan: milestones (dated, weighted) and KPIs with targets, beyond those copied from the contract.
  app.post(
    '/wards/:wardCode/delivery/manage/services/:deliveryServiceId/milestones',
    officer('delivery.milestone.add'),
    async (req, reply) => {
      const found = await serviceOf(req)
      if (!found) return notFound(reply)
      const parsed = MilestoneForm.safeParse(req.body)
      if (!parsed.success)
        return manageServicePage(
          req,
          reply,
          {
            values: fieldValues(req.body, ['title', 'due-day', 'due-month', 'due-year', 'weight']),
            errors: toGovukErrors(parsed.error, req.t, MILESTONE_FIELDS),
          },
          400,
        )
      const d = found.d
      await ctx.write((trx) =>
        insertMilestone(trx, {
          serviceId: d.service.id,
          title: parsed.data.title,
          dueOn: parsed.data.dueOn,
          weight: parsed.data.weight,
          position: d.milestones.length + 1,
        }),
      )
      await ctx.sessions.flash(req, reply, 'success', req.t('delivery.plan.milestoneAdded'))
      return reply.redirect(`${manage(req.ward!)}/services/${d.service.id}#plan`, 303)
    },
  )

  app.post(
    '/wards/:wardCode/delivery/manage/services/:deliveryServiceId/kpis',
    officer('delivery.kpi.add'),
    async (req, reply) => {
      const found = await serviceOf(req)
      if (!found) return notFound(reply)
      const parsed = KpiForm.safeParse(req.body)
      if (!parsed.success)
        return manageServicePage(
          req,
          reply,
          {
            values: fieldValues(req.body, KPI_FIELDS),
            errors: fromMessages(
              Object.fromEntries(
                Object.entries(toGovukErrors(parsed.error, req.t, KPI_FIELDS).byField).map(([k, v]) => [`kpi-${k}`, v]),
              ),
              KPI_FIELDS.map((f) => `kpi-${f}`),
            ),
          },
          400,
        )
      const d = found.d
      await ctx.write((trx) => insertKpi(trx, { serviceId: d.service.id, ...parsed.data, position: d.kpis.length + 1 }))
      await ctx.sessions.flash(req, reply, 'success', req.t('delivery.plan.kpiAdded'))
      return reply.redirect(`${manage(req.ward!)}/services/${d.service.id}#plan`, 303)
    },
  )

  // --- Funded priorities without a contract (issue 9: "each commissioned service or funded priority") ------

  /** Winning options of closed rounds that no awarded contract covers and nothing tracks yet. */
  async function untrackedPriorities(db: PlatformContext['db'], wardId: number) {
    const contracted = new Set((await listAwardedContracts(db, wardId)).map((c) => c.priorityOptionId))
    const tracked = new Set((await listServices(db, wardId)).map((s) => s.priorityOptionId))
    return (await listWinningOptions(db, wardId)).filter((o) => !contracted.has(o.optionId) && !tracked.has(o.optionId))
  }

  async function priorityPage(
    req: FastifyRequest,
    reply: FastifyReply,
    extra: { values?: Record<string, string>; errors?: GovukErrors } = {},
    status = 200,
  ) {
    const ward = req.ward!
    const rows = treeRows(await wardDetail(req))
    return reply.page(
      `${V}/track-priority.njk`,
      {
        ward,
        base: manage(ward),
        options: (await untrackedPriorities(db, ward.id)).map((o) => ({
          value: String(o.optionId),
          text: `${o.title} (${o.roundTitle})`,
        })),
        organisations: (await listOrganisations(db, [ward.id])).map((o) => ({ value: String(o.id), text: o.name })),
        parents: rows.map((r) => ({ value: String(r.id), text: r.title })),
        values: extra.values ?? { weight: '1', periodMonths: '3' },
        errors: extra.errors,
      },
      { status, form: true },
    )
  }

  app.get('/wards/:wardCode/delivery/manage/priorities', officer('delivery.priority.read'), (req, reply) =>
    priorityPage(req, reply),
  )

  app.post('/wards/:wardCode/delivery/manage/priorities', officer('delivery.priority.track'), async (req, reply) => {
    const ward = req.ward!
    const values = fieldValues(req.body, PRIORITY_VALUES)
    const parsed = PriorityTrackForm.safeParse(req.body)
    if (!parsed.success)
      return priorityPage(req, reply, { values, errors: toGovukErrors(parsed.error, req.t, PRIORITY_FIELDS) }, 400)
    const f = parsed.data
    const byField: Record<string, string> = {}
    const option = (await listWinningOptions(db, ward.id)).find((o) => o.optionId === f.optionId)
    if (!option || !(await untrackedPriorities(db, ward.id)).some((o) => o.optionId === f.optionId))
      byField.optionId = req.t('delivery.errors.priority')
    // The lead organisation is one of this ward's: another ward's organisation is as good as unknown.
    if (!(await listOrganisations(db, [ward.id])).some((o) => o.id === f.organisationId))
      byField.organisationId = req.t('delivery.errors.organisation')
    if (f.parentId !== null && !(await listServices(db, ward.id)).some((s) => s.id === f.parentId))
      byField.parentId = req.t('delivery.errors.parent')
    if (!option || Object.keys(byField).length > 0)
      return priorityPage(req, reply, { values, errors: fromMessages(byField, PRIORITY_FIELDS) }, 400)
    const id = await ctx.write(async (trx) => {
      // Checked again inside the write: two officers submitting at once must not track the same option twice.
      if ((await listServices(trx, ward.id)).some((s) => s.priorityOptionId === option.optionId)) return undefined
      return trackFundedPriority(
        trx,
        {
          wardId: ward.id,
          optionId: option.optionId,
          title: option.title,
          description: option.description,
          theme: option.theme,
        },
        { ...f, userId: userId(req) },
      )
    })
    if (id === undefined)
      return priorityPage(
        req,
        reply,
        { values, errors: fromMessages({ optionId: req.t('delivery.errors.priority') }, PRIORITY_FIELDS) },
        409,
      )
    await ctx.sessions.flash(req, reply, 'success', req.t('delivery.priority.saved'))
    return reply.redirect(`${manage(ward)}/services/${id}`, 303)
  })

  // --- Changing the plan after tracking starts ---------------------------------------------------------------

  const MILESTONE_URL = '/wards/:wardCode/delivery/manage/services/:deliveryServiceId/milestones/:milestoneId'
  const KPI_URL = '/wards/:wardCode/delivery/manage/services/:deliveryServiceId/kpis/:kpiId'

  async function milestoneOf(req: FastifyRequest) {
    const found = await serviceOf(req)
    const m = found?.d.milestones.find((x) => x.id === paramId(req, 'milestoneId'))
    return found && m ? { d: found.d, m } : undefined
  }

  async function milestonePage(
    req: FastifyRequest,
    reply: FastifyReply,
    found: NonNullable<Awaited<ReturnType<typeof milestoneOf>>>,
    extra: { values?: Record<string, string>; errors?: GovukErrors } = {},
    status = 200,
  ) {
    const { d, m } = found
    const base = `${manage(req.ward!)}/services/${d.service.id}`
    return reply.page(
      `${V}/edit-milestone.njk`,
      {
        ward: req.ward,
        s: d.summary,
        m,
        // What a provider has reported on is part of the record: the page says so and offers no change.
        reported: await isMilestoneReported(db, m.id),
        back: `${base}#plan`,
        action: `${base}/milestones/${m.id}`,
        values: extra.values ?? {
          title: m.title,
          'due-day': String(Number(m.dueOn.slice(8, 10))),
          'due-month': String(Number(m.dueOn.slice(5, 7))),
          'due-year': m.dueOn.slice(0, 4),
          weight: String(m.weight),
        },
        errors: extra.errors,
      },
      { status, form: true },
    )
  }

  const reportedError = (req: FastifyRequest) =>
    fromMessages({ title: req.t('delivery.errors.milestoneReported') }, MILESTONE_FIELDS)

  app.get(MILESTONE_URL, officer('delivery.milestone.read'), async (req, reply) => {
    const found = await milestoneOf(req)
    if (!found) return notFound(reply)
    return milestonePage(req, reply, found)
  })

  app.post(MILESTONE_URL, officer('delivery.milestone.edit'), async (req, reply) => {
    const found = await milestoneOf(req)
    if (!found) return notFound(reply)
    const values = fieldValues(req.body, ['title', 'due-day', 'due-month', 'due-year', 'weight'])
    const parsed = MilestoneForm.safeParse(req.body)
    if (!parsed.success)
      return milestonePage(
        req,
        reply,
        found,
        { values, errors: toGovukErrors(parsed.error, req.t, MILESTONE_FIELDS) },
        400,
      )
    const ok = await ctx.write((trx) =>
      updateMilestone(trx, { id: found.m.id, serviceId: found.d.service.id, ...parsed.data }),
    )
    if (!ok) return milestonePage(req, reply, found, { values, errors: reportedError(req) }, 409)
    await ctx.sessions.flash(req, reply, 'success', req.t('delivery.plan.milestoneSaved'))
    return reply.redirect(`${manage(req.ward!)}/services/${found.d.service.id}#plan`, 303)
  })

  app.post(`${MILESTONE_URL}/remove`, officer('delivery.milestone.remove'), async (req, reply) => {
    const found = await milestoneOf(req)
    if (!found) return notFound(reply)
    const ok = await ctx.write((trx) => deleteMilestone(trx, found.d.service.id, found.m.id))
    if (!ok) return milestonePage(req, reply, found, { errors: reportedError(req) }, 409)
    await ctx.sessions.flash(req, reply, 'success', req.t('delivery.plan.milestoneRemoved'))
    return reply.redirect(`${manage(req.ward!)}/services/${found.d.service.id}#plan`, 303)
  })

  async function kpiOf(req: FastifyRequest) {
    const found = await serviceOf(req)
    const k = found?.d.kpis.find((x) => x.id === paramId(req, 'kpiId'))
    return found && k ? { d: found.d, k } : undefined
  }

  async function kpiPage(
    req: FastifyRequest,
    reply: FastifyReply,
    found: NonNullable<Awaited<ReturnType<typeof kpiOf>>>,
    extra: { values?: Record<string, string>; errors?: GovukErrors } = {},
    status = 200,
  ) {
    const { d, k } = found
    const base = `${manage(req.ward!)}/services/${d.service.id}`
    return reply.page(
      `${V}/edit-kpi.njk`,
      {
        ward: req.ward,
        s: d.summary,
        back: `${base}#plan`,
        action: `${base}/kpis/${k.id}`,
        removable: !(await isKpiReported(db, k.id)),
        values: extra.values ?? { name: k.name, unit: k.unit, target: String(k.target), direction: k.direction },
        errors: extra.errors,
      },
      { status, form: true },
    )
  }

  app.get(KPI_URL, officer('delivery.kpi.read'), async (req, reply) => {
    const found = await kpiOf(req)
    if (!found) return notFound(reply)
    return kpiPage(req, reply, found)
  })

  app.post(KPI_URL, officer('delivery.kpi.edit'), async (req, reply) => {
    const found = await kpiOf(req)
    if (!found) return notFound(reply)
    const values = fieldValues(req.body, KPI_FIELDS)
    const parsed = KpiForm.safeParse(req.body)
    if (!parsed.success)
      return kpiPage(req, reply, found, { values, errors: toGovukErrors(parsed.error, req.t, KPI_FIELDS) }, 400)
    await ctx.write((trx) => updateKpi(trx, { id: found.k.id, serviceId: found.d.service.id, ...parsed.data }))
    await ctx.sessions.flash(req, reply, 'success', req.t('delivery.plan.kpiSaved'))
    return reply.redirect(`${manage(req.ward!)}/services/${found.d.service.id}#plan`, 303)
  })

  app.post(`${KPI_URL}/remove`, officer('delivery.kpi.remove'), async (req, reply) => {
    const found = await kpiOf(req)
    if (!found) return notFound(reply)
    // Figures already reported against a KPI keep it: removing it would lose what the provider said.
    const ok = await ctx.write((trx) => deleteKpi(trx, found.d.service.id, found.k.id))
    if (!ok)
      return kpiPage(req, reply, found, { errors: fromMessages({ name: req.t('delivery.errors.kpiReported') }) }, 409)
    await ctx.sessions.flash(req, reply, 'success', req.t('delivery.plan.kpiRemoved'))
    return reply.redirect(`${manage(req.ward!)}/services/${found.d.service.id}#plan`, 303)
  })

  app.post(
    '/wards/:wardCode/delivery/manage/services/:deliveryServiceId/weight',
    officer('delivery.service.weight'),
    async (req, reply) => {
      const found = await serviceOf(req)
      if (!found || found.d.service.parentId === null) return notFound(reply)
      const parsed = WeightForm.safeParse(req.body)
      if (!parsed.success)
        return manageServicePage(
          req,
          reply,
          {
            values: { serviceWeight: fieldValues(req.body, ['weight']).weight ?? '' },
            errors: fromMessages({ serviceWeight: req.t('delivery.errors.weight') }),
          },
          400,
        )
      await ctx.write((trx) => setServiceWeight(trx, found.d.service.id, parsed.data.weight))
      await ctx.sessions.flash(req, reply, 'success', req.t('delivery.weight.saved'))
      return reply.redirect(`${manage(req.ward!)}/services/${found.d.service.id}#roll-up`, 303)
    },
  )

  async function loadReturn(req: FastifyRequest): Promise<{ ret: Return; d: ServiceDetail } | undefined> {
    const ret = await findReturn(db, req.ward!.id, paramId(req, 'returnId'))
    if (!ret) return undefined
    const d = (await wardDetail(req)).get(ret.serviceId)
    return d ? { ret, d } : undefined
  }

  /** The figures of one return set against the targets (what an officer reviews). */
  function returnView(ret: Return, d: ServiceDetail, graceDays: number) {
    const line = d.periods.find((p) => p.period.index === ret.periodIndex)
    return {
      ret,
      lateness: line?.lateness ?? 'not_due',
      graceDays,
      kpis: d.kpis.map((k) => {
        const value = ret.kpiValues.get(k.id) ?? null
        return { name: k.name, unit: k.unit, target: k.target, direction: k.direction, value }
      }),
      milestones: d.milestones
        .filter((m) => ret.milestonesDone.has(m.id))
        .map((m) => ({ title: m.title, doneOn: ret.milestonesDone.get(m.id) })),
    }
  }

  async function reviewPage(
    req: FastifyRequest,
    reply: FastifyReply,
    extra: { values?: Record<string, string>; errors?: GovukErrors } = {},
    status = 200,
  ) {
    const found = await loadReturn(req)
    if (!found || found.ret.state === 'draft') return notFound(reply)
    const { ret, d } = found
    const ward = req.ward!
    return reply.page(
      `${V}/review.njk`,
      {
        ward,
        base: manage(ward),
        s: d.summary,
        ...returnView(ret, d, d.service.graceDays),
        kpiRags: d.kpis.map((k) => k.rag),
        files: await listFiles(db, EVIDENCE_OWNER, ret.id),
        reviews: await listReviews(db, [ret.id]),
        values: extra.values ?? {},
        errors: extra.errors,
      },
      { status, form: true },
    )
  }

  app.get('/wards/:wardCode/delivery/manage/returns/:returnId', officer('delivery.return.read'), (req, reply) =>
    reviewPage(req, reply),
  )

  app.post(
    '/wards/:wardCode/delivery/manage/returns/:returnId/review',
    officer('delivery.return.review'),
    async (req, reply) => {
      const found = await loadReturn(req)
      if (!found || found.ret.state === 'draft') return notFound(reply)
      const values = fieldValues(req.body, REVIEW_FIELDS)
      const parsed = ReviewForm.safeParse(req.body)
      if (!parsed.success)
        return reviewPage(req, reply, { values, errors: toGovukErrors(parsed.error, req.t, REVIEW_FIELDS) }, 400)
      const ok = await ctx.write(async (trx) => {
        const reviewed = await reviewReturn(trx, {
          returnId: found.ret.id,
          decision: parsed.data.decision,
          comment: parsed.data.comment,
          userId: userId(req),
        })
        // An accepted return is progress people can trust: those whose chain leads to the service may hear of it.
        if (reviewed && parsed.data.decision === 'accepted')
          await notifyOutcome(ctx, trx, {
            wardId: req.ward!.id,
            kind: 'service_progress',
            ref: found.d.service.id,
            occurrence: found.ret.id,
          })
        return reviewed
      })
      if (!ok)
        return reviewPage(
          req,
          reply,
          { values, errors: fromMessages({ decision: req.t('delivery.errors.notSubmitted') }) },
          409,
        )
      await ctx.sessions.flash(req, reply, 'success', req.t(`delivery.review.saved.${parsed.data.decision}`))
      return reply.redirect(`${manage(req.ward!)}/services/${found.d.service.id}`, 303)
    },
  )

  app.get(
    '/wards/:wardCode/delivery/manage/returns/:returnId/files/:fileId',
    officer('delivery.evidence.download'),
    async (req, reply) => {
      const found = await loadReturn(req)
      if (!found) return notFound(reply)
      return downloadEvidence(reply, found.ret, paramId(req, 'fileId'))
    },
  )

  /** A stored file is sent only when it belongs to this return (the owner is checked before the bytes are read). */
  async function downloadEvidence(reply: FastifyReply, ret: Return, fileId: number) {
    const owned = (await listFiles(db, EVIDENCE_OWNER, ret.id)).some((f) => f.id === fileId)
    const file = owned ? await getFile(db, fileId) : undefined
    if (!file || file.ownerKind !== EVIDENCE_OWNER || file.ownerId !== ret.id) return notFound(reply)
    return sendFile(reply, file)
  }

  async function moderationPage(req: FastifyRequest, reply: FastifyReply, errors?: GovukErrors, status = 200) {
    return reply.page(
      `${V}/moderation.njk`,
      {
        ward: req.ward,
        base: manage(req.ward!),
        publicBase: pub(req.ward!),
        reports: await listOpenRatingReports(db, req.ward!.id),
        errors,
      },
      { form: true, status },
    )
  }

  app.get('/wards/:wardCode/delivery/manage/moderation', officer('delivery.reports.read'), (req, reply) =>
    moderationPage(req, reply),
  )

  app.post(
    '/wards/:wardCode/delivery/manage/ratings/:ratingId/hide',
    officer('delivery.rating.hide'),
    async (req, reply) => {
      const ward = req.ward!
      const rating = await findRating(db, ward.id, paramId(req, 'ratingId'))
      if (!rating) return notFound(reply)
      const parsed = ReasonForm.safeParse(req.body)
      if (!parsed.success)
        return moderationPage(
          req,
          reply,
          fromMessages({ [`reason-${rating.id}`]: toGovukErrors(parsed.error, req.t).byField.reason ?? '' }),
          400,
        )
      const uid = userId(req)
      const hidden = await ctx.write((trx) =>
        hideRating(trx, { ratingId: rating.id, reason: parsed.data.reason, byUserId: uid }),
      )
      if (!hidden) return notFound(reply)
      // The route's own audit entry names the rating; this one records what was hidden and why.
      await ctx.audit.append({
        actorUserId: uid,
        actorLabel: `user:${uid}`,
        wardId: ward.id,
        action: 'delivery.rating.hidden',
        subject: `rating:${rating.id}`,
        outcome: 'success',
        detail: { serviceId: rating.serviceId, reason: parsed.data.reason },
      })
      await ctx.sessions.flash(req, reply, 'success', req.t('delivery.moderation.hidden'))
      return reply.redirect(`${manage(ward)}/moderation`, 303)
    },
  )

  // --- Providers ---------------------------------------------------------------------------------------------

  /** The provider's own organisation's service, or nothing: another organisation's service is not found. */
  async function ownService(req: FastifyRequest): Promise<ServiceDetail | undefined> {
    const ward = req.ward!
    const org = await findOrganisationOfUser(db, ward.id, userId(req))
    if (!org) return undefined
    const d = (await wardDetail(req)).get(paramId(req, 'deliveryServiceId'))
    return d && d.service.providerOrganisationId === org.id ? d : undefined
  }

  app.get('/wards/:wardCode/delivery/provider', provider('delivery.provider.read'), async (req, reply) => {
    const ward = req.ward!
    const org = await findOrganisationOfUser(db, ward.id, userId(req))
    const all = await wardDetail(req)
    const mine = org ? [...all.values()].filter((d) => d.service.providerOrganisationId === org.id) : []
    return reply.page(`${V}/provider.njk`, {
      ward,
      base: prov(ward),
      org,
      services: mine.map((d) => ({
        s: d.summary,
        money: money(d),
        periods: [...d.periods].reverse(),
      })),
    })
  })

  const RETURN_URL = '/wards/:wardCode/delivery/provider/services/:deliveryServiceId/returns/:period'

  async function returnForm(
    req: FastifyRequest,
    reply: FastifyReply,
    d: ServiceDetail,
    extra: { values?: Record<string, string | string[]>; errors?: GovukErrors } = {},
    status = 200,
  ) {
    const line = d.periods.find((p) => p.period.index === paramId(req, 'period'))
    if (!line) return notFound(reply)
    const ret = line.ret
    const editable = !ret || ret.state === 'draft' || ret.state === 'changes_requested'
    const current: Record<string, string | string[]> = ret
      ? {
          narrative: ret.narrative,
          milestones: [...ret.milestonesDone.keys()].map(String),
          ...Object.fromEntries([...ret.kpiValues].map(([k, v]) => [`kpi-${k}`, String(v)])),
        }
      : {}
    return reply.page(
      `${V}/return-form.njk`,
      {
        ward: req.ward,
        base: prov(req.ward!),
        action: `${prov(req.ward!)}/services/${d.service.id}/returns/${line.period.index}`,
        s: d.summary,
        line,
        ret,
        editable,
        kpis: d.kpis,
        milestones: d.milestones.filter((m) => m.doneOn === null || ret?.milestonesDone.has(m.id)),
        files: ret ? await listFiles(db, EVIDENCE_OWNER, ret.id) : [],
        reviews: ret ? await listReviews(db, [ret.id]) : [],
        values: { ...(extra.values ?? current), milestones: asList((extra.values ?? current).milestones) },
        errors: extra.errors,
      },
      { status, form: true },
    )
  }

  app.get(RETURN_URL, provider('delivery.return.read'), async (req, reply) => {
    const d = await ownService(req)
    if (!d) return notFound(reply)
    return returnForm(req, reply, d)
  })

  app.post(RETURN_URL, provider('delivery.return.save'), async (req, reply) => {
    const d = await ownService(req)
    if (!d) return notFound(reply)
    const line = d.periods.find((p) => p.period.index === paramId(req, 'period'))
    if (!line) return notFound(reply)
    const form = await readMultipart(req, EVIDENCE_POLICY)
    // What an officer is reviewing (or has accepted) does not change under them, whatever the body says.
    if (line.ret && (line.ret.state === 'submitted' || line.ret.state === 'accepted'))
      return returnForm(
        req,
        reply,
        d,
        { errors: fromMessages({ narrative: req.t('delivery.errors.alreadySubmitted') }) },
        409,
      )
    const openMilestones = d.milestones.filter((m) => m.doneOn === null).map((m) => m.id)
    const parsed = parseReturnForm(
      form.fields,
      d.kpis.map((k) => k.id),
      openMilestones,
    )
    const byField: Record<string, string> = parsed.ok
      ? {}
      : Object.fromEntries(Object.entries(parsed.errors).map(([k, v]) => [k, req.t(v)]))
    for (const e of form.errors) byField.evidence ??= e.message
    const values: Record<string, string | string[]> = {}
    for (const [k, v] of Object.entries(form.fields)) if (k !== '_csrf') values[k] = v
    if (!parsed.ok || Object.keys(byField).length > 0)
      return returnForm(
        req,
        reply,
        d,
        {
          values,
          errors: fromMessages(byField, ['narrative', ...d.kpis.map((k) => `kpi-${k.id}`), 'milestones', 'evidence']),
        },
        400,
      )
    const ward = req.ward!
    const uid = userId(req)
    const on = today()
    const doneOn = on < line.period.end ? on : line.period.end
    const saved = await ctx.write(async (trx) => {
      const id = await saveReturn(trx, {
        serviceId: d.service.id,
        wardId: ward.id,
        period: line.period,
        narrative: parsed.data.narrative,
        kpiValues: parsed.data.kpiValues,
        milestonesDone: parsed.data.milestoneIds.map((milestoneId) => ({ milestoneId, doneOn })),
        submit: parsed.data.submit,
        userId: uid,
      })
      if (id === undefined) return undefined
      for (const f of form.files)
        await saveFile(trx, f, { ownerKind: EVIDENCE_OWNER, ownerId: id, wardId: ward.id, uploadedBy: uid })
      return id
    })
    if (saved === undefined)
      return returnForm(
        req,
        reply,
        d,
        { values, errors: fromMessages({ narrative: req.t('delivery.errors.alreadySubmitted') }) },
        409,
      )
    await ctx.sessions.flash(
      req,
      reply,
      'success',
      req.t(parsed.data.submit ? 'delivery.return.submitted' : 'delivery.return.draftSaved'),
    )
    return reply.redirect(
      parsed.data.submit ? prov(ward) : `${prov(ward)}/services/${d.service.id}/returns/${line.period.index}`,
      303,
    )
  })

  app.get(
    '/wards/:wardCode/delivery/provider/services/:deliveryServiceId/returns/:period/files/:fileId',
    provider('delivery.evidence.download'),
    async (req, reply) => {
      const d = await ownService(req)
      const ret = d?.periods.find((p) => p.period.index === paramId(req, 'period'))?.ret
      if (!ret) return notFound(reply)
      return downloadEvidence(reply, ret, paramId(req, 'fileId'))
    },
  )
}
