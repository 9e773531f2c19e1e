import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { authorize } from '../../platform/access/index.js'
import type { PlatformContext } from '../../platform/module.js'
import { renderPdf, type PdfBlock } from '../../platform/files/index.js'
import type { Ward } from '../../platform/tenancy/index.js'
import { fieldValues, toGovukErrors } from '../../platform/views/index.js'
import { fromMessages } from '../../platform/views/forms.js'
import { listWardTeam } from '../accounts/index.js'
import { normalisePostcode } from '../geography/index.js'
import { ASSIGN_FIELDS, AssignForm, RESULT_FIELDS, ResultForm, VENUE_FIELDS, VenueForm } from './reach.forms.js'
import {
  getPlan,
  getVenue,
  insertVenue,
  listPlansAssignedTo,
  listVenues,
  recordPlanResult,
  setPlanVenueAndAssignees,
  updateVenue,
  type PlanDetail,
  type VenueInput,
} from './reach.repository.js'
import type { ReachService } from './reach.service.js'

const V = 'reach/views'
const guard = (permission: string, audit: string) => ({
  config: { access: { permission, wardParam: 'wardCode' }, audit },
})
const notFound = (reply: FastifyReply) => reply.page('errors/not-found.njk', {}, { status: 404 })
const idOf = (v: unknown): number | null => (typeof v === 'string' && /^\d{1,12}$/.test(v) ? Number(v) : null)

/**
 * Venues an officer keeps, and outreach plans carried out: assigned to the ward's volunteers (who see their own),
 * with results recorded against them by an officer or a person assigned.
 */
export function registerOutreachRoutes(app: FastifyInstance, ctx: PlatformContext, service: ReachService): void {
  const userId = (req: FastifyRequest) => (req.actor.kind === 'user' ? req.actor.userId : null)

  /** The ward's volunteers and officers, who can be sent to an event. */
  async function assignable(ward: Ward) {
    const team = await listWardTeam(ctx.db, ward.id, ctx.councilId)
    const seen = new Set<number>()
    return team.filter((m) => {
      if ((m.role !== 'volunteer' && m.role !== 'officer') || m.councilWide || seen.has(m.userId)) return false
      seen.add(m.userId)
      return true
    })
  }

  // --- Venues -------------------------------------------------------------------------------------

  async function venueInput(
    ward: Ward,
    d: { name: string; address: string; postcode: string; accessibility: string; notes: string },
  ): Promise<VenueInput> {
    const postcode = d.postcode ? (normalisePostcode(d.postcode) ?? null) : null
    const [placed] = await service.placePostcodes(ward, [postcode])
    const p = placed!.placement
    return {
      name: d.name,
      address: d.address,
      postcode,
      lsoaCode: p.status === 'placed' ? p.lsoaCode : null,
      oaCode: p.status === 'placed' ? p.oaCode : null,
      accessibility: d.accessibility,
      notes: d.notes,
    }
  }

  async function venuesPage(req: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown>, status = 200) {
    const ward = req.ward!
    const venues = await listVenues(ctx.db, ward.id)
    return reply.page(`${V}/venues.njk`, { ward, venues, values: {}, ...extra }, { status, form: true })
  }

  app.get('/wards/:wardCode/reach/venues', guard('reach.venues', 'reach.venues.view'), (req, reply) =>
    venuesPage(req, reply, {}),
  )

  app.post('/wards/:wardCode/reach/venues', guard('reach.venues', 'reach.venues.create'), async (req, reply) => {
    const ward = req.ward!
    const parsed = VenueForm.safeParse(req.body)
    if (!parsed.success)
      return venuesPage(
        req,
        reply,
        { values: fieldValues(req.body, VENUE_FIELDS), errors: toGovukErrors(parsed.error, req.t, VENUE_FIELDS) },
        400,
      )
    const input = await venueInput(ward, parsed.data)
    await ctx.write((trx) => insertVenue(trx, { ...input, wardId: ward.id, createdBy: userId(req) }))
    await ctx.sessions.flash(req, reply, 'success', req.t('reach.venues.saved', { name: input.name }))
    return reply.redirect(`/wards/${ward.code}/reach/venues`, 303)
  })

  app.get('/wards/:wardCode/reach/venues/:venueId', guard('reach.venues', 'reach.venues.view'), async (req, reply) => {
    const ward = req.ward!
    const id = idOf((req.params as { venueId?: unknown }).venueId)
    const venue = id === null ? undefined : await getVenue(ctx.db, ward.id, id)
    if (!venue) return notFound(reply)
    return reply.page(
      `${V}/venue.njk`,
      { ward, venue, values: { ...venue, postcode: venue.postcode ?? '' } },
      { form: true },
    )
  })

  app.post(
    '/wards/:wardCode/reach/venues/:venueId',
    guard('reach.venues', 'reach.venues.update'),
    async (req, reply) => {
      const ward = req.ward!
      const id = idOf((req.params as { venueId?: unknown }).venueId)
      const venue = id === null ? undefined : await getVenue(ctx.db, ward.id, id)
      if (!venue) return notFound(reply)
      const parsed = VenueForm.safeParse(req.body)
      if (!parsed.success)
        return reply.page(
          `${V}/venue.njk`,
          {
            ward,
            venue,
            values: fieldValues(req.body, VENUE_FIELDS),
            errors: toGovukErrors(parsed.error, req.t, VENUE_FIELDS),
          },
          { status: 400, form: true },
        )
      const input = await venueInput(ward, parsed.data)
      await ctx.write((trx) => updateVenue(trx, ward.id, venue.id, input))
      await ctx.sessions.flash(req, reply, 'success', req.t('reach.venues.saved', { name: input.name }))
      return reply.redirect(`/wards/${ward.code}/reach/venues`, 303)
    },
  )

  // --- Plans: assignment and results -----------------------------------------------------------------

  /** An officer of the ward, or someone the plan is assigned to, may record its result. */
  const mayRecord = (req: FastifyRequest, plan: PlanDetail) =>
    authorize(req.actor, 'reach.plan', { ward: req.ward! }).allowed ||
    (userId(req) !== null && plan.assigneeIds.includes(userId(req)!))

  async function planPage(
    req: FastifyRequest,
    reply: FastifyReply,
    plan: PlanDetail,
    extra: Record<string, unknown> = {},
    status = 200,
  ) {
    const ward = req.ward!
    const [team, venues] = await Promise.all([assignable(ward), listVenues(ctx.db, ward.id)])
    const canPlan = authorize(req.actor, 'reach.plan', { ward }).allowed
    const names = new Map(team.map((m) => [m.userId, m.name]))
    return reply.page(
      `${V}/plan.njk`,
      {
        ward,
        plan,
        venue: venues.find((v) => v.id === plan.venueId) ?? null,
        venues,
        team,
        assignees: plan.assigneeIds.map((id) => names.get(id) ?? req.t('reach.plan.formerMember')),
        canPlan,
        canRecord: mayRecord(req, plan),
        pdf: true,
        values: {
          status: plan.status === 'planned' ? '' : plan.status,
          peopleReached: plan.peopleReached === null ? '' : String(plan.peopleReached),
          responsesCollected: plan.responsesCollected === null ? '' : String(plan.responsesCollected),
          resultNotes: plan.resultNotes ?? '',
        },
        ...extra,
      },
      { status, form: true },
    )
  }

  async function loadPlan(req: FastifyRequest): Promise<PlanDetail | undefined> {
    const id = idOf((req.params as { planId?: unknown }).planId)
    return id === null ? undefined : getPlan(ctx.db, req.ward!.id, id)
  }

  app.get(
    '/wards/:wardCode/reach/next/plans/:planId',
    guard('reach.outreach', 'reach.plan.view'),
    async (req, reply) => {
      const plan = await loadPlan(req)
      if (!plan) return notFound(reply)
      return planPage(req, reply, plan)
    },
  )

  app.post(
    '/wards/:wardCode/reach/next/plans/:planId/assign',
    guard('reach.plan', 'reach.plan.assign'),
    async (req, reply) => {
      const ward = req.ward!
      const plan = await loadPlan(req)
      if (!plan) return notFound(reply)
      const parsed = AssignForm.safeParse(req.body)
      const team = new Set((await assignable(ward)).map((m) => m.userId))
      const venues = new Set((await listVenues(ctx.db, ward.id)).map((v) => v.id))
      const problems: Record<string, string> = {}
      if (!parsed.success) Object.assign(problems, toGovukErrors(parsed.error, req.t, ASSIGN_FIELDS).byField)
      else {
        // Only the ward's own volunteers and officers, and the ward's own venues: a forged id is refused.
        if (parsed.data.assignees.some((id) => !team.has(id))) problems.assignees = req.t('reach.errors.assignee')
        if (parsed.data.venueId !== null && !venues.has(parsed.data.venueId))
          problems.venueId = req.t('reach.errors.venue')
      }
      if (!parsed.success || Object.keys(problems).length > 0)
        return planPage(req, reply, plan, { errors: fromMessages(problems, ASSIGN_FIELDS) }, 400)
      await ctx.write((trx) =>
        setPlanVenueAndAssignees(trx, plan.id, parsed.data.venueId, [...new Set(parsed.data.assignees)]),
      )
      await ctx.sessions.flash(req, reply, 'success', req.t('reach.plan.assigned'))
      return reply.redirect(`/wards/${ward.code}/reach/next/plans/${plan.id}`, 303)
    },
  )

  app.post(
    '/wards/:wardCode/reach/next/plans/:planId/result',
    guard('reach.outreach', 'reach.plan.result'),
    async (req, reply) => {
      const ward = req.ward!
      const plan = await loadPlan(req)
      if (!plan) return notFound(reply)
      if (!mayRecord(req, plan)) return reply.page('errors/forbidden.njk', {}, { status: 403 })
      const parsed = ResultForm.safeParse(req.body)
      if (!parsed.success)
        return planPage(
          req,
          reply,
          plan,
          {
            values: fieldValues(req.body, RESULT_FIELDS),
            errors: toGovukErrors(parsed.error, req.t, RESULT_FIELDS),
          },
          400,
        )
      const d = parsed.data
      await ctx.write((trx) =>
        recordPlanResult(trx, plan.id, {
          status: d.status,
          peopleReached: d.peopleReached,
          responsesCollected: d.responsesCollected,
          notes: d.resultNotes,
          by: userId(req),
        }),
      )
      await ctx.sessions.flash(req, reply, 'success', req.t('reach.plan.recorded'))
      return reply.redirect(`/wards/${ward.code}/reach/next/plans/${plan.id}`, 303)
    },
  )

  /** The plan as a PDF to print and take out: what, where, when, who, the venue's access notes, and a results box. */
  app.get(
    '/wards/:wardCode/reach/next/plans/:planId/plan.pdf',
    guard('reach.outreach', 'reach.plan.pdf'),
    async (req, reply) => {
      const ward = req.ward!
      const plan = await loadPlan(req)
      if (!plan) return notFound(reply)
      const [team, venues] = await Promise.all([assignable(ward), listVenues(ctx.db, ward.id)])
      const names = new Map(team.map((m) => [m.userId, m.name]))
      const venue = venues.find((v) => v.id === plan.venueId)
      const t = req.t
      const rows: [string, string][] = [
        [t('reach.next.planTarget'), `${plan.targetLabel} (${t(`reach.next.${plan.targetKind}`)})`],
        [t('reach.next.planDate'), plan.plannedOn],
        [t('reach.next.planPlace'), plan.place],
        [
          t('reach.plan.venue'),
          venue ? `${venue.name}, ${venue.address}${venue.postcode ? `, ${venue.postcode}` : ''}` : '–',
        ],
        [t('reach.venues.accessibility'), venue?.accessibility ?? '–'],
        [t('reach.next.planAssigned'), plan.assignedTo],
        [
          t('reach.plan.people'),
          plan.assigneeIds.map((id) => names.get(id) ?? t('reach.plan.formerMember')).join(', ') ||
            t('reach.plan.nobody'),
        ],
        [t('reach.plan.status'), t(`reach.plan.statuses.${plan.status}`)],
      ]
      const blocks: PdfBlock[] = [
        { kind: 'table', head: [t('reach.plan.pdfItem'), t('reach.plan.pdfDetail')], rows },
        { kind: 'heading', level: 2, text: t('reach.next.planNotes') },
        { kind: 'paragraph', text: plan.notes || '–' },
        { kind: 'heading', level: 2, text: t('reach.plan.resultTitle') },
        {
          kind: 'bullets',
          items: [
            `${t('reach.plan.peopleReached')}: ${plan.peopleReached ?? '……'}`,
            `${t('reach.plan.responsesCollected')}: ${plan.responsesCollected ?? '……'}`,
            `${t('reach.plan.resultNotes')}: ${plan.resultNotes ?? ''}`,
          ],
        },
        { kind: 'paragraph', text: t('reach.plan.pdfFooter') },
      ]
      const pdf = await renderPdf({
        title: t('reach.plan.title', { target: plan.targetLabel, date: plan.plannedOn }),
        subtitle: ward.name,
        lang: req.lang,
        blocks,
      })
      return reply
        .header('content-type', 'application/pdf')
        .header('content-disposition', `attachment; filename="outreach-plan-${plan.id}.pdf"`)
        .header('x-content-type-options', 'nosniff')
        .send(pdf)
    },
  )

  app.get(
    '/wards/:wardCode/reach/assignments',
    guard('reach.outreach', 'reach.assignments.view'),
    async (req, reply) => {
      const ward = req.ward!
      const me = userId(req)
      const plans = me === null ? [] : await listPlansAssignedTo(ctx.db, ward.id, me)
      return reply.page(`${V}/assignments.njk`, { ward, plans })
    },
  )
}
