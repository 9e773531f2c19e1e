/**
 * Opinion statements (Pol.is style): residents vote agree / disagree / pass, propose statements for officers to
 * approve, and see opinion groups with published counts only. Officers draw statements from the conversation.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { authorize } from '../../platform/access/index.js'
import type { PlatformContext } from '../../platform/module.js'
import { fieldValues, toGovukErrors, type GovukErrors } from '../../platform/views/index.js'
import { isShown, opinionView } from './opinion.service.js'
import {
  ProposalForm,
  STATEMENT_FIELDS,
  StatementDecisionForm,
  StatementForm,
  VoteForm,
} from './understanding.forms.js'
import { insertStatement, listStatements, saveVote, setStatementStatus } from './understanding.repository.js'
import { loadWorkspace } from './understanding.service.js'

const V = 'understanding/views'
const publicWard = { config: { access: { permission: 'public', wardParam: 'wardCode' } } }
const takePart = {
  config: {
    access: { permission: 'understanding.vote', wardParam: 'wardCode' },
    rateLimit: { max: 120, timeWindow: '1 minute' },
  },
}
const officer = (audit: string) => ({
  config: { access: { permission: 'understanding.code', wardParam: 'wardCode' }, audit },
})

export function registerOpinionRoutes(app: FastifyInstance, ctx: PlatformContext): void {
  const { db } = ctx
  const userId = (req: FastifyRequest) => (req.actor.kind === 'user' ? req.actor.userId : null)
  const voterKey = (req: FastifyRequest) => (req.actor.kind === 'user' ? `user:${req.actor.userId}` : null)
  const notFound = (reply: FastifyReply) => reply.page('errors/not-found.njk', {}, { status: 404 })
  const numParam = (req: FastifyRequest, name: string) => {
    const v = (req.params as Record<string, string>)[name] ?? ''
    return /^\d{1,12}$/.test(v) ? Number(v) : null
  }
  const pub = (code: string) => `/wards/${code}/opinions`
  const manage = (code: string) => `/wards/${code}/understanding/statements`

  // --- Residents ----------------------------------------------------------------------------------------------

  async function publicPage(
    req: FastifyRequest,
    reply: FastifyReply,
    extra: { values?: Record<string, string>; errors?: GovukErrors } = {},
    status = 200,
  ) {
    const ward = req.ward!
    const view = await opinionView(db, ward.id, voterKey(req))
    const byId = new Map(view.statements.map((s) => [s.id, s]))
    return reply.page(
      `${V}/opinions.njk`,
      {
        ward,
        base: pub(ward.code),
        signedIn: req.actor.kind === 'user',
        isOfficer: authorize(req.actor, 'understanding.code', { ward }).allowed,
        view,
        open: view.statements.filter((s) => s.status === 'published'),
        uniting: view.uniting.map((id) => byId.get(id)!),
        dividing: view.dividing.map((id) => byId.get(id)!),
        values: extra.values ?? {},
        errors: extra.errors,
      },
      { status, form: true },
    )
  }

  app.get('/wards/:wardCode/opinions', publicWard, async (req, reply) => publicPage(req, reply))

  app.post('/wards/:wardCode/opinions/:statementId/vote', takePart, async (req, reply) => {
    const ward = req.ward!
    const id = numParam(req, 'statementId')
    const statement = (await listStatements(db, ward.id)).find((s) => s.id === id && s.status === 'published')
    if (!statement) return notFound(reply)
    const parsed = VoteForm.safeParse(req.body)
    if (!parsed.success) return publicPage(req, reply, { errors: toGovukErrors(parsed.error, req.t, ['vote']) }, 400)
    const key = voterKey(req)!
    await ctx.write((trx) =>
      saveVote(trx, ward.id, { statementId: statement.id, voterKey: key, vote: parsed.data.vote }),
    )
    await ctx.sessions.flash(req, reply, 'success', req.t('understanding.opinions.voted'))
    return reply.redirect(`${pub(ward.code)}#statement-${statement.id}`, 303)
  })

  app.post('/wards/:wardCode/opinions/proposals', takePart, async (req, reply) => {
    const ward = req.ward!
    const parsed = ProposalForm.safeParse(req.body)
    if (!parsed.success)
      return publicPage(
        req,
        reply,
        { values: fieldValues(req.body, ['body']), errors: toGovukErrors(parsed.error, req.t, ['body']) },
        400,
      )
    const by = userId(req)
    await ctx.write((trx) =>
      insertStatement(trx, ward.id, {
        body: parsed.data.body,
        origin: 'resident',
        sourceRef: null,
        status: 'pending',
        byUserId: by,
      }),
    )
    await ctx.sessions.flash(req, reply, 'success', req.t('understanding.opinions.proposed'))
    return reply.redirect(pub(ward.code), 303)
  })

  // --- Officers -------------------------------------------------------------------------------------------------

  async function managePage(
    req: FastifyRequest,
    reply: FastifyReply,
    extra: { values?: Record<string, string>; errors?: GovukErrors } = {},
    status = 200,
  ) {
    const ward = req.ward!
    const [view, all, w] = await Promise.all([
      opinionView(db, ward.id, null),
      listStatements(db, ward.id),
      loadWorkspace(db, ward.id),
    ])
    const tally = new Map(view.statements.map((s) => [s.id, s.overall]))
    const text = new Map(w.items.map((i) => [i.ref, i.text]))
    // Answers to draw from: English ones officers have coded, most recent first (a short list keeps the select usable).
    const sources = w.items
      .filter((i) => i.language.language !== 'other' && w.byItem.has(i.ref))
      .slice(-40)
      .reverse()
      .map((i) => ({ value: i.ref, text: i.text.length > 90 ? `${i.text.slice(0, 87)}…` : i.text }))
    return reply.page(
      `${V}/statements.njk`,
      {
        ward,
        base: `/wards/${ward.code}/understanding`,
        publicUrl: pub(ward.code),
        pending: all.filter((s) => s.status === 'pending'),
        shown: all.filter(isShown).map((s) => ({
          ...s,
          overall: tally.get(s.id),
          source: s.sourceRef ? text.get(s.sourceRef) : undefined,
        })),
        rejected: all.filter((s) => s.status === 'rejected'),
        sources,
        values: extra.values ?? {},
        errors: extra.errors,
      },
      { status, form: true },
    )
  }

  app.get('/wards/:wardCode/understanding/statements', officer('understanding.statements.read'), async (req, reply) =>
    managePage(req, reply),
  )

  app.post(
    '/wards/:wardCode/understanding/statements',
    officer('understanding.statement.create'),
    async (req, reply) => {
      const ward = req.ward!
      const parsed = StatementForm.safeParse(req.body)
      const w = parsed.success && parsed.data.sourceRef ? await loadWorkspace(db, ward.id) : null
      const sourceOk = !w || w.items.some((i) => i.ref === parsed.data?.sourceRef)
      if (!parsed.success || !sourceOk)
        return managePage(
          req,
          reply,
          {
            values: fieldValues(req.body, STATEMENT_FIELDS),
            errors: parsed.success
              ? {
                  byField: { sourceRef: req.t('understanding.errors.itemInvalid') },
                  list: [{ text: req.t('understanding.errors.itemInvalid'), href: '#sourceRef' }],
                }
              : toGovukErrors(parsed.error, req.t, STATEMENT_FIELDS),
          },
          400,
        )
      const by = userId(req)
      await ctx.write((trx) =>
        insertStatement(trx, ward.id, {
          body: parsed.data.body,
          origin: 'officer',
          sourceRef: parsed.data.sourceRef,
          status: 'published',
          byUserId: by,
        }),
      )
      await ctx.sessions.flash(req, reply, 'success', req.t('understanding.statements.added'))
      return reply.redirect(manage(ward.code), 303)
    },
  )

  app.post(
    '/wards/:wardCode/understanding/statements/:statementId',
    officer('understanding.statement.decide'),
    async (req, reply) => {
      const ward = req.ward!
      const id = numParam(req, 'statementId')
      const statement = (await listStatements(db, ward.id)).find((s) => s.id === id)
      if (!statement) return notFound(reply)
      const parsed = StatementDecisionForm.safeParse(req.body)
      // Publish or reject a proposal; close a published statement. Anything else is refused, not guessed at.
      const allowed =
        parsed.success &&
        ((statement.status === 'pending' && parsed.data.decision !== 'close') ||
          (statement.status === 'published' && parsed.data.decision === 'close'))
      if (!parsed.success || !allowed)
        return managePage(
          req,
          reply,
          {
            errors: {
              byField: {},
              list: [{ text: req.t('understanding.errors.statementDecision'), href: `#statement-${statement.id}` }],
            },
          },
          400,
        )
      const status = { publish: 'published', reject: 'rejected', close: 'closed' } as const
      const by = userId(req)!
      await ctx.write((trx) => setStatementStatus(trx, ward.id, statement.id, status[parsed.data.decision], by))
      await ctx.sessions.flash(req, reply, 'success', req.t(`understanding.statements.decided.${parsed.data.decision}`))
      return reply.redirect(manage(ward.code), 303)
    },
  )
}
