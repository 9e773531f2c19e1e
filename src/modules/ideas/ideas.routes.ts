import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { authorize } from '../../platform/access/index.js'
import type { PlatformContext } from '../../platform/module.js'
import { fieldValues, toGovukErrors } from '../../platform/views/index.js'
import { fromMessages } from '../../platform/views/forms.js'
import { canonicalPostcode, listThemes } from '../engagement/index.js'
import { sendNotification, setNotificationPreference } from '../notifications/index.js'
import {
  CommentForm,
  HideForm,
  IDEA_FIELDS,
  IDEA_STATUSES,
  IdeaForm,
  ReportForm,
  STATUS_FIELDS,
  StatusForm,
} from './ideas.forms.js'
import {
  addSupport,
  findIdea,
  hasSupported,
  hideContent,
  insertComment,
  insertIdea,
  insertReport,
  listComments,
  listOpenReports,
  listVisibleIdeas,
  setStatus,
  type Idea,
} from './ideas.repository.js'

const V = 'ideas/views'

const publicWard = { config: { access: { permission: 'public', wardParam: 'wardCode' } } }
const signedIn = {
  config: {
    access: { permission: 'ideas.take-part', wardParam: 'wardCode' },
    rateLimit: { max: 60, timeWindow: '1 minute' },
  },
}
const moderate = (audit: string) => ({
  config: { access: { permission: 'ideas.moderate', wardParam: 'wardCode' }, audit },
})

function numericParam(v: unknown): number | undefined {
  return typeof v === 'string' && /^\d{1,12}$/.test(v) ? Number(v) : undefined
}

export function registerIdeasRoutes(app: FastifyInstance, ctx: PlatformContext): void {
  const { db } = ctx
  const userId = (req: FastifyRequest) => (req.actor.kind === 'user' ? req.actor.userId : null)
  const isModerator = (req: FastifyRequest) => authorize(req.actor, 'ideas.moderate', { ward: req.ward! }).allowed
  const notFound = (reply: FastifyReply) => reply.page('errors/not-found.njk', {}, { status: 404 })
  const base = (req: FastifyRequest) => `/wards/${req.ward!.code}/ideas`

  /** Hidden ideas exist only for their author (who sees why) and moderators; for everyone else they are not there. */
  async function loadIdea(req: FastifyRequest): Promise<Idea | undefined> {
    const id = numericParam((req.params as Record<string, unknown>).ideaId)
    const idea = id === undefined ? undefined : await findIdea(db, req.ward!.id, id)
    if (!idea) return undefined
    if (idea.hiddenAt && idea.authorUserId !== userId(req) && !isModerator(req)) return undefined
    return idea
  }

  app.get('/wards/:wardCode/ideas', publicWard, async (req, reply) => {
    const ward = req.ward!
    const themes = await listThemes(db, ward.id)
    const themeId = numericParam((req.query as Record<string, unknown>).theme)
    const ideas = await listVisibleIdeas(db, ward.id, themes.some((t) => t.id === themeId) ? themeId : undefined)
    return reply.page(`${V}/list.njk`, {
      ward,
      base: base(req),
      ideas: ideas.map((i) => ({ ...i, themeName: themes.find((t) => t.id === i.themeId)?.name ?? '' })),
      themes,
      themeId,
      canModerate: isModerator(req),
    })
  })

  async function newPage(req: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown>, status = 200) {
    return reply.page(
      `${V}/new.njk`,
      { ward: req.ward, base: base(req), themes: await listThemes(db, req.ward!.id), values: {}, ...extra },
      { status, form: true },
    )
  }

  // Public route (like the consultation pages) that sends signed-out people to sign in and back.
  app.get('/wards/:wardCode/ideas/new', publicWard, async (req, reply) => {
    if (req.actor.kind !== 'user')
      return reply.redirect(`/sign-in?returnTo=${encodeURIComponent(`${base(req)}/new`)}`, 303)
    return newPage(req, reply, {})
  })

  app.post('/wards/:wardCode/ideas', signedIn, async (req, reply) => {
    const ward = req.ward!
    const values = fieldValues(req.body, IDEA_FIELDS)
    const parsed = IdeaForm.safeParse(req.body)
    const byField: Record<string, string> = parsed.success
      ? {}
      : toGovukErrors(parsed.error, req.t, IDEA_FIELDS).byField
    const themes = await listThemes(db, ward.id)
    if (parsed.success && !themes.some((t) => t.id === parsed.data.theme)) byField.theme = req.t('ideas.errors.theme')
    const postcode = parsed.success ? canonicalPostcode(parsed.data.postcode) : undefined
    if (parsed.success && !postcode) byField.postcode = req.t('ideas.errors.postcode')
    if (!parsed.success || !postcode || Object.keys(byField).length > 0)
      return newPage(req, reply, { values, errors: fromMessages(byField, IDEA_FIELDS) }, 400)
    const d = parsed.data
    const author = userId(req)!
    const id = await ctx.write(async (trx) => {
      const newId = await insertIdea(trx, {
        wardId: ward.id,
        authorUserId: author,
        kind: d.kind,
        title: d.title,
        body: d.body,
        themeId: d.theme,
        postcode,
      })
      if (d.notify) {
        await setNotificationPreference(trx, author, 'idea_activity', true)
        await setNotificationPreference(trx, author, 'outcomes', true)
      }
      return newId
    })
    await ctx.sessions.flash(req, reply, 'success', req.t('ideas.posted'))
    return reply.redirect(`${base(req)}/${id}`, 303)
  })

  async function ideaPage(
    req: FastifyRequest,
    reply: FastifyReply,
    idea: Idea,
    extra: Record<string, unknown> = {},
    status = 200,
  ) {
    const ward = req.ward!
    const uid = userId(req)
    const moderator = isModerator(req)
    const [themes, comments, supported] = await Promise.all([
      listThemes(db, ward.id),
      listComments(db, idea.id),
      uid === null ? Promise.resolve(false) : hasSupported(db, idea.id, uid),
    ])
    return reply.page(
      `${V}/idea.njk`,
      {
        ward,
        base: base(req),
        idea,
        themeName: themes.find((t) => t.id === idea.themeId)?.name ?? '',
        // A hidden comment is shown only to the person who wrote it (with the reason) and to moderators.
        comments: comments
          .filter((c) => !c.hiddenAt || c.authorUserId === uid || moderator)
          .map((c) => ({ ...c, mine: c.authorUserId === uid })),
        supported,
        mine: idea.authorUserId === uid,
        signedIn: uid !== null,
        canModerate: moderator,
        statuses: IDEA_STATUSES,
        values: {},
        ...extra,
      },
      { status, form: true },
    )
  }

  app.get('/wards/:wardCode/ideas/:ideaId', publicWard, async (req, reply) => {
    const idea = await loadIdea(req)
    if (!idea) return notFound(reply)
    return ideaPage(req, reply, idea)
  })

  app.post('/wards/:wardCode/ideas/:ideaId/support', signedIn, async (req, reply) => {
    const idea = await loadIdea(req)
    if (!idea || idea.hiddenAt) return notFound(reply)
    const uid = userId(req)!
    const added = await ctx.write((trx) => addSupport(trx, req.ward!.id, idea.id, uid))
    await ctx.sessions.flash(req, reply, 'success', req.t(added ? 'ideas.supportAdded' : 'ideas.supportAlready'))
    return reply.redirect(`${base(req)}/${idea.id}`, 303)
  })

  app.post('/wards/:wardCode/ideas/:ideaId/comments', signedIn, async (req, reply) => {
    const idea = await loadIdea(req)
    if (!idea || idea.hiddenAt) return notFound(reply)
    const parsed = CommentForm.safeParse(req.body)
    if (!parsed.success)
      return ideaPage(
        req,
        reply,
        idea,
        { values: fieldValues(req.body, ['comment']), errors: toGovukErrors(parsed.error, req.t, ['comment']) },
        400,
      )
    const uid = userId(req)!
    const title = idea.title
    // Keys, not text: the email is written in the author's own language as it is queued.
    const subject = { key: 'notifications.ideas.commentSubject', vars: { title } }
    const text = { key: 'notifications.ideas.commentText', vars: { title, comment: parsed.data.comment } }
    await ctx.write(async (trx) => {
      await insertComment(trx, {
        wardId: req.ward!.id,
        ideaId: idea.id,
        authorUserId: uid,
        body: parsed.data.comment,
        isOfficial: false,
      })
      // The author hears about comments by others (if they chose to), queued with the comment itself.
      if (idea.authorUserId !== uid)
        await sendNotification(ctx, trx, {
          userId: idea.authorUserId,
          kind: 'idea_activity',
          subject,
          text,
          link: `${base(req)}/${idea.id}#comments`,
        })
    })
    await ctx.sessions.flash(req, reply, 'success', req.t('ideas.commentAdded'))
    return reply.redirect(`${base(req)}/${idea.id}#comments`, 303)
  })

  app.post('/wards/:wardCode/ideas/:ideaId/report', signedIn, async (req, reply) => {
    const idea = await loadIdea(req)
    if (!idea || idea.hiddenAt) return notFound(reply)
    const parsed = ReportForm.safeParse(req.body)
    const comments = parsed.success && parsed.data.commentId !== null ? await listComments(db, idea.id) : []
    const targetOk =
      !parsed.success || parsed.data.commentId === null || comments.some((c) => c.id === parsed.data.commentId)
    if (!parsed.success || !targetOk)
      return ideaPage(
        req,
        reply,
        idea,
        {
          values: fieldValues(req.body, ['reason']),
          errors: parsed.success
            ? fromMessages({ reason: req.t('ideas.errors.target') })
            : toGovukErrors(parsed.error, req.t, ['reason']),
        },
        400,
      )
    const uid = userId(req)!
    await ctx.write((trx) =>
      insertReport(trx, {
        wardId: req.ward!.id,
        ideaId: idea.id,
        commentId: parsed.data.commentId,
        reporterUserId: uid,
        reason: parsed.data.reason,
      }),
    )
    await ctx.sessions.flash(req, reply, 'success', req.t('ideas.reported'))
    return reply.redirect(`${base(req)}/${idea.id}`, 303)
  })

  // --- Officers: public reply and status, moderation ----------------------------------------------------------------

  app.post('/wards/:wardCode/ideas/:ideaId/status', moderate('ideas.status.set'), async (req, reply) => {
    const idea = await loadIdea(req)
    if (!idea) return notFound(reply)
    const parsed = StatusForm.safeParse(req.body)
    if (!parsed.success)
      return ideaPage(
        req,
        reply,
        idea,
        {
          values: fieldValues(req.body, STATUS_FIELDS),
          // The status form's reason box is #statusReason (the report form on the same page has #reason).
          errors: fromMessages(
            Object.fromEntries(
              Object.entries(toGovukErrors(parsed.error, req.t).byField).map(([k, v]) => [
                k === 'reason' ? 'statusReason' : k,
                v,
              ]),
            ),
            ['status', 'statusReason', 'reply'],
          ),
        },
        400,
      )
    const d = parsed.data
    const uid = userId(req)!
    const statusChanged = d.status !== idea.status
    const title = idea.title
    // Keys, not text: the email is written in the author's own language as it is queued.
    const statusName = { key: `ideas.statuses.${d.status}` }
    const parts = [
      d.reply ? { key: 'notifications.ideas.replyText', vars: { title, reply: d.reply } } : '',
      statusChanged ? { key: 'notifications.ideas.statusText', vars: { title, status: statusName } } : '',
      statusChanged && d.reason ? { key: 'notifications.ideas.statusReason', vars: { reason: d.reason } } : '',
    ]
    const subject = d.reply
      ? { key: 'notifications.ideas.replySubject', vars: { title } }
      : { key: 'notifications.ideas.statusSubject', vars: { status: statusName } }
    await ctx.write(async (trx) => {
      await setStatus(trx, idea.id, d.status, d.reason || null)
      if (d.reply)
        await insertComment(trx, {
          wardId: req.ward!.id,
          ideaId: idea.id,
          authorUserId: uid,
          body: d.reply,
          isOfficial: true,
        })
      // One email to the author for a public reply and/or a change of status (if they chose idea emails).
      if ((d.reply || statusChanged) && idea.authorUserId !== uid)
        await sendNotification(ctx, trx, {
          userId: idea.authorUserId,
          kind: 'idea_activity',
          subject,
          text: parts,
          link: `${base(req)}/${idea.id}`,
        })
    })
    await ctx.sessions.flash(req, reply, 'success', req.t('ideas.statusSaved'))
    return reply.redirect(`${base(req)}/${idea.id}`, 303)
  })

  app.get('/wards/:wardCode/ideas/moderation', moderate('ideas.reports.read'), async (req, reply) => {
    return reply.page(
      `${V}/moderation.njk`,
      { ward: req.ward, base: base(req), reports: await listOpenReports(db, req.ward!.id) },
      { form: true },
    )
  })

  app.post('/wards/:wardCode/ideas/:ideaId/hide', moderate('ideas.content.hide'), async (req, reply) => {
    const idea = await loadIdea(req)
    if (!idea) return notFound(reply)
    const parsed = HideForm.safeParse(req.body)
    if (!parsed.success)
      return ideaPage(
        req,
        reply,
        idea,
        {
          errors: fromMessages({
            hideReason: toGovukErrors(parsed.error, req.t).byField.reason ?? req.t('ideas.errors.hideReasonRequired'),
          }),
        },
        400,
      )
    const uid = userId(req)!
    const hidden = await ctx.write((trx) =>
      hideContent(trx, {
        ideaId: idea.id,
        commentId: parsed.data.commentId,
        reason: parsed.data.reason,
        byUserId: uid,
      }),
    )
    if (!hidden) return notFound(reply)
    // The route's own audit entry names the idea; this one records exactly what was hidden and why.
    await ctx.audit.append({
      actorUserId: uid,
      actorLabel: `user:${uid}`,
      wardId: req.ward!.id,
      action: 'ideas.content.hidden',
      subject: parsed.data.commentId === null ? `idea:${idea.id}` : `comment:${parsed.data.commentId}`,
      outcome: 'success',
      detail: { ideaId: idea.id, commentId: parsed.data.commentId, reason: parsed.data.reason },
    })
    await ctx.sessions.flash(req, reply, 'success', req.t('ideas.hidden'))
    return reply.redirect(`${base(req)}/moderation`, 303)
  })
}
