import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ukToday } from '../../platform/i18n/index.js'
import ExcelJS from 'exceljs'
import type { Transaction } from 'kysely'
import { authorize } from '../../platform/access/index.js'
import type { Database } from '../../platform/db/index.js'
import type { PlatformContext } from '../../platform/module.js'
import { randomToken } from '../../platform/security/index.js'
import type { Ward } from '../../platform/tenancy/index.js'
import { fieldValues, toGovukErrors, type GovukErrors } from '../../platform/views/index.js'
import { fromMessages } from '../../platform/views/forms.js'
import { listWardAreas } from '../geography/index.js'
import {
  EQUALITY_FIELDS,
  EQUALITY_QUESTIONS,
  insertEqualityOnce,
  PREFER_NOT,
  readEqualityAnswers,
  summariseEquality,
} from './engagement.equality.js'
import {
  CONSULTATION_FIELDS,
  ConsultationForm,
  ENTRY_FIELDS,
  EntryHead,
  EVENT_FIELDS,
  EventForm,
  EqualityForm,
  ImportForm,
  PostcodeForm,
  QUESTION_FIELDS,
  QuestionForm,
  readOptions,
  StatusForm,
  SUBMISSION_KEY,
  SubmitForm,
  ThemeForm,
} from './engagement.forms.js'
import {
  countResponses,
  countResponsesByArea,
  deleteDraft,
  isWardEvent,
  ensureThemes,
  findConsultation,
  findDraft,
  findResponseByKey,
  insertConsultation,
  insertEvent,
  insertQuestion,
  insertResponseOnce,
  insertTheme,
  listConsultations,
  listEvents,
  listQuestions,
  listResponsesForExport,
  listThemeAnswers,
  listThemes,
  listWordings,
  listWordingVariants,
  replaceWordings,
  saveDraft,
  setConsultationStatus,
  type Consultation,
  type Question,
  type Theme,
} from './engagement.repository.js'
import { sheetText, toCsv } from '../../platform/files/index.js'
import {
  answerText,
  canonicalPostcode,
  CHANNELS,
  checkAnswer,
  checkDate,
  chooseVariant,
  EASY_READ,
  worded,
  formatPlace,
  parsePlace,
  ENTRY_CHANNELS,
  IMPORT_FIXED,
  isListKind,
  parseList,
  QUESTION_KINDS,
  RANKING_MAX,
  RANKING_MIN,
  parseResponsesCsv,
  questionColumn,
  RATING_SCALE,
  THEMES_MAX,
  type Channel,
} from './engagement.rules.js'
import { createEngagementService } from './engagement.service.js'
import { fromPixel, placeMap, placeMapSvg } from './engagement.place.js'
import {
  insertOutcomeContact,
  readOutcomeOptIn,
  sendNotification,
  setNotificationPreference,
} from '../notifications/index.js'

const V = 'engagement/views'

const publicWard = { config: { access: { permission: 'public', wardParam: 'wardCode' } } }
const publicPost = {
  config: {
    access: { permission: 'public', wardParam: 'wardCode' },
    rateLimit: { max: 600, timeWindow: '1 minute' },
  },
}
const manage = (audit: string) => ({
  config: { access: { permission: 'engagement.manage', wardParam: 'wardCode' }, audit },
})
const enter = (audit: string) => ({
  config: { access: { permission: 'engagement.enter', wardParam: 'wardCode' }, audit },
})

type Params = { wardCode: string; consultationId?: string; position?: string }
type Draft = Record<string, string>

// Dates people type are UK dates, so "today" is the UK's.
const today = () => ukToday()

/** Bytes of form body the CSV import route accepts (URL-encoding roughly doubles a CSV's size). */
const IMPORT_BODY_LIMIT = 24 * 1024 * 1024

/** A route parameter that is a plain positive id, or undefined (so `:consultationId` typed by hand is a 404). */
function numericParam(v: string | undefined): number | undefined {
  return v && /^\d{1,12}$/.test(v) ? Number(v) : undefined
}

export function registerEngagementRoutes(app: FastifyInstance, ctx: PlatformContext): void {
  const { db } = ctx
  const service = createEngagementService({ db, write: ctx.write })
  // The tenant's starting themes exist for every pilot ward from the first start (idempotent).
  app.addHook('onReady', async () => {
    for (const code of ctx.tenant.pilotWards) {
      const ward = await ctx.wards.byCode(code)
      if (ward) await ensureThemes(db, ward.id, ctx.tenant.startingThemes)
    }
  })
  const userId = (req: FastifyRequest) => (req.actor.kind === 'user' ? req.actor.userId : null)

  async function loadConsultation(req: FastifyRequest): Promise<Consultation | undefined> {
    const id = numericParam((req.params as Params).consultationId)
    return id === undefined ? undefined : findConsultation(db, req.ward!.id, id)
  }

  const notFound = (reply: FastifyReply) => reply.page('errors/not-found.njk', {}, { status: 404 })
  const resident = (ward: Ward, c: Consultation) => `/wards/${ward.code}/consultations/${c.id}`
  const staff = (ward: Ward) => `/wards/${ward.code}/engagement`

  // --- Residents: drafts live with the account (save and come back) or, signed out, in the session -----------

  const sessionKey = (c: Consultation) => `engagement:${c.id}`

  async function loadDraft(req: FastifyRequest, c: Consultation): Promise<Draft> {
    const uid = userId(req)
    if (uid !== null) return (await findDraft(db, uid, c.id)) ?? {}
    const v = req.session?.data[sessionKey(c)]
    return typeof v === 'object' && v !== null ? (v as Draft) : {}
  }

  async function storeDraft(req: FastifyRequest, reply: FastifyReply, c: Consultation, draft: Draft): Promise<void> {
    const uid = userId(req)
    if (uid !== null)
      await ctx.write((trx) => saveDraft(trx, { userId: uid, consultationId: c.id, wardId: c.wardId, answers: draft }))
    else await ctx.sessions.setData(req, reply, { [sessionKey(c)]: draft })
  }

  async function clearDraftWithin(trx: Transaction<Database>, req: FastifyRequest, c: Consultation): Promise<void> {
    const uid = userId(req)
    if (uid !== null) await deleteDraft(trx, uid, c.id)
    else if (req.session?.data[sessionKey(c)] !== undefined)
      await ctx.sessions.changeWithin(trx, req, { data: { [sessionKey(c)]: undefined } })
  }

  /** Open consultations only; signed-out people only where the officer allowed answering without an account. */
  async function answerable(req: FastifyRequest, reply: FastifyReply): Promise<Consultation | undefined> {
    const c = await loadConsultation(req)
    if (!c || c.status !== 'open') {
      await notFound(reply)
      return undefined
    }
    if (req.actor.kind !== 'user' && !c.allowAnonymous) {
      await reply.redirect(`/sign-in?returnTo=${encodeURIComponent(resident(req.ward!, c))}`, 303)
      return undefined
    }
    return c
  }

  app.get('/wards/:wardCode/consultations', publicWard, async (req, reply) => {
    const ward = req.ward!
    const open = await listConsultations(db, ward.id, 'open')
    const closed = await listConsultations(db, ward.id, 'closed')
    return reply.page(`${V}/consultations.njk`, { ward, open, closed })
  })

  app.get('/wards/:wardCode/consultations/:consultationId', publicWard, async (req, reply) => {
    const ward = req.ward!
    const c = await loadConsultation(req)
    if (!c || c.status === 'draft') return notFound(reply)
    const [questions, themes, draft] = await Promise.all([
      listQuestions(db, c.id),
      listThemes(db, ward.id),
      loadDraft(req, c),
    ])
    return reply.page(
      `${V}/start.njk`,
      {
        ward,
        c,
        base: resident(ward, c),
        questionCount: questions.length,
        themes: themes.filter((t) => c.themeIds.includes(t.id)),
        resume: Object.keys(draft).length > 0,
        signedIn: req.actor.kind === 'user',
        ...(await wordedQuestions(req, c, [])),
      },
      { form: true },
    )
  })

  async function wherePage(
    req: FastifyRequest,
    reply: FastifyReply,
    c: Consultation,
    extra: Record<string, unknown>,
    status = 200,
  ) {
    return reply.page(
      `${V}/where.njk`,
      { ward: req.ward, c, base: resident(req.ward!, c), ...extra },
      { status, form: true },
    )
  }

  app.post('/wards/:wardCode/consultations/:consultationId/easy-read', publicPost, async (req, reply) => {
    const c = await loadConsultation(req)
    if (!c || c.status === 'draft') return notFound(reply)
    const on = (req.body as Record<string, unknown> | undefined)?.easyRead === 'yes'
    await ctx.sessions.setData(req, reply, { [easyKey(c)]: on ? true : undefined })
    return reply.redirect(resident(req.ward!, c), 303)
  })

  app.get('/wards/:wardCode/consultations/:consultationId/where', publicWard, async (req, reply) => {
    const c = await answerable(req, reply)
    if (!c) return reply
    const draft = await loadDraft(req, c)
    return wherePage(req, reply, c, { values: { postcode: draft.postcode ?? '' } })
  })

  app.post('/wards/:wardCode/consultations/:consultationId/where', publicPost, async (req, reply) => {
    const c = await answerable(req, reply)
    if (!c) return reply
    const parsed = PostcodeForm.safeParse(req.body)
    const postcode = parsed.success ? canonicalPostcode(parsed.data.postcode) : undefined
    if (!postcode)
      return wherePage(
        req,
        reply,
        c,
        {
          values: fieldValues(req.body, ['postcode']),
          errors: fromMessages({ postcode: req.t('engagement.errors.postcode') }),
        },
        400,
      )
    const draft = await loadDraft(req, c)
    await storeDraft(req, reply, c, { ...draft, postcode })
    return reply.redirect(`${resident(req.ward!, c)}/questions/1`, 303)
  })

  async function questionPage(
    req: FastifyRequest,
    reply: FastifyReply,
    c: Consultation,
    q: Question,
    total: number,
    value: string | string[] | undefined,
    errors?: GovukErrors,
  ) {
    const themes = await listThemes(db, req.ward!.id)
    const place = q.kind === 'place' ? await placeContext(req, c, q, value) : undefined
    const shown = (await wordedQuestions(req, c, [q])).questions[0]!
    return reply.page(
      `${V}/question.njk`,
      {
        ward: req.ward,
        c,
        q: shown,
        total,
        base: resident(req.ward!, c),
        place,
        themes,
        ratings: RATING_SCALE,
        themesMax: THEMES_MAX,
        value,
        fromCheck: (req.query as Record<string, unknown>).change === '1',
        signedIn: req.actor.kind === 'user',
        errors,
      },
      { status: errors ? 400 : 200, form: true },
    )
  }

  /** What a "place" question page needs: the map's size and address, the areas to choose from, what is chosen. */
  async function placeContext(req: FastifyRequest, c: Consultation, q: Question, value: unknown) {
    const ward = req.ward!
    const [shapes, areas] = await Promise.all([service.lsoaShapes(ward.id), service.wardAreas(ward.id)])
    const map = placeMap(shapes.map((s) => s.geometry))
    const chosen = typeof value === 'string' ? parsePlace(value) : undefined
    return {
      map: map
        ? { width: map.width, height: map.height, src: `${resident(ward, c)}/questions/${q.position}/map.svg` }
        : undefined,
      areas,
      postcode: chosen?.how === 'postcode' ? chosen.postcode : typeof value === 'string' && !chosen ? value : '',
      area: chosen?.how === 'area' ? chosen.area : '',
      pinned: chosen?.how === 'pin' ? answerText('place', value as string, [])[0] : undefined,
    }
  }

  const easyKey = (c: Consultation) => `engagement:${c.id}:easy`

  /** The questions as this person reads them: easy read if they chose it, else their language, else the original. */
  async function wordedQuestions(req: FastifyRequest, c: Consultation, questions: Question[]) {
    const available = await listWordingVariants(db, c.id)
    const variant = chooseVariant({ easyRead: req.session?.data[easyKey(c)] === true, lang: req.lang, available })
    const wordings = variant ? await listWordings(db, c.id, variant) : []
    return {
      questions: questions.map((q) =>
        worded(
          q,
          wordings.find((w) => w.questionId === q.id),
        ),
      ),
      easyReadAvailable: available.includes(EASY_READ),
      easyRead: variant === EASY_READ,
    }
  }

  async function questionAt(
    req: FastifyRequest,
    c: Consultation,
  ): Promise<{ q: Question; questions: Question[] } | undefined> {
    const position = numericParam((req.params as Params).position)
    const questions = await listQuestions(db, c.id)
    const q = questions.find((x) => x.position === position)
    return q ? { q, questions } : undefined
  }

  /**
   * A "place" form: a click on the map (image input: pin.x, pin.y in map pixels), else a postcode, else an area
   * from the list, else the pin already placed. A pin outside the ward's small areas is refused.
   */
  async function readPlaceForm(
    req: FastifyRequest,
    c: Consultation,
    q: Question,
    body: Record<string, unknown>,
  ): Promise<{ error: string } | { pinned: string } | { raw: string }> {
    const ward = req.ward!
    const x = Number(body['pin.x'])
    const y = Number(body['pin.y'])
    if (typeof body['pin.x'] === 'string' && Number.isFinite(x) && Number.isFinite(y)) {
      const map = placeMap((await service.lsoaShapes(ward.id)).map((s) => s.geometry))
      if (!map || x < 0 || y < 0 || x > map.width || y > map.height) return { error: 'engagement.errors.placeOutside' }
      const point = fromPixel(map, x, y)
      const area = await service.placePoint(ward.id, point.lat, point.lon)
      if (!area) return { error: 'engagement.errors.placeOutside' }
      return { pinned: formatPlace({ how: 'pin', lat: point.lat, lon: point.lon, area }) }
    }
    const postcode = typeof body.answer === 'string' ? body.answer.trim() : ''
    if (postcode) return { raw: postcode.slice(0, 20) }
    const area = typeof body.area === 'string' ? body.area : ''
    if (area) {
      const areas = await service.wardAreas(ward.id)
      return areas.some((a) => a.code === area) ? { raw: `area:${area}` } : { error: 'engagement.errors.option' }
    }
    const draft = await loadDraft(req, c)
    return { raw: draft[`q${q.id}`] ?? '' }
  }

  app.get(
    '/wards/:wardCode/consultations/:consultationId/questions/:position/map.svg',
    publicWard,
    async (req, reply) => {
      const c = await answerable(req, reply)
      if (!c) return reply
      const found = await questionAt(req, c)
      if (!found || found.q.kind !== 'place') return notFound(reply)
      const shapes = await service.lsoaShapes(req.ward!.id)
      const map = placeMap(shapes.map((s) => s.geometry))
      if (!map) return notFound(reply)
      // The pin comes from the person's own draft, never from the address: a home location stays out of URLs and logs.
      const stored = (await loadDraft(req, c))[`q${found.q.id}`]
      const pin = stored ? parsePlace(stored) : undefined
      return reply
        .header('content-type', 'image/svg+xml; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(placeMapSvg(map, shapes, pin?.how === 'pin' ? pin : undefined))
    },
  )

  const asFormValue = (q: Question, stored: string | undefined): string | string[] | undefined =>
    stored === undefined ? undefined : isListKind(q.kind) ? parseList(stored) : stored

  app.get('/wards/:wardCode/consultations/:consultationId/questions/:position', publicWard, async (req, reply) => {
    const c = await answerable(req, reply)
    if (!c) return reply
    const found = await questionAt(req, c)
    if (!found) return notFound(reply)
    const draft = await loadDraft(req, c)
    if (!draft.postcode) return reply.redirect(`${resident(req.ward!, c)}/where`, 303)
    return questionPage(req, reply, c, found.q, found.questions.length, asFormValue(found.q, draft[`q${found.q.id}`]))
  })

  app.post('/wards/:wardCode/consultations/:consultationId/questions/:position', publicPost, async (req, reply) => {
    const ward = req.ward!
    const c = await answerable(req, reply)
    if (!c) return reply
    const found = await questionAt(req, c)
    if (!found) return notFound(reply)
    const { q, questions } = found
    const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, unknown>
    const themes = await listThemes(db, ward.id)
    let answer: unknown = body.answer
    if (q.kind === 'place') {
      const placed = await readPlaceForm(req, c, q, body)
      if ('error' in placed)
        return questionPage(
          req,
          reply,
          c,
          q,
          questions.length,
          undefined,
          fromMessages({ answer: req.t(placed.error) }),
        )
      if ('pinned' in placed) {
        // A click on the map places the pin and shows the page again, so the person sees where it landed.
        const draft = await loadDraft(req, c)
        await storeDraft(req, reply, c, { ...draft, [`q${q.id}`]: placed.pinned })
        const again = `${resident(ward, c)}/questions/${q.position}${body.change === '1' ? '?change=1' : ''}`
        return reply.redirect(again, 303)
      }
      answer = placed.raw
    }
    const checked = checkAnswer(q, answer, themes)
    if (!checked.ok) {
      const raw = body.answer
      const value =
        typeof raw === 'string'
          ? raw.slice(0, 5000)
          : Array.isArray(raw)
            ? raw.filter((x): x is string => typeof x === 'string')
            : undefined
      return questionPage(req, reply, c, q, questions.length, value, fromMessages({ answer: req.t(checked.error) }))
    }
    const draft = await loadDraft(req, c)
    const next: Draft = { ...draft }
    if (checked.value === null) delete next[`q${q.id}`]
    else next[`q${q.id}`] = checked.value
    await storeDraft(req, reply, c, next)
    if (body.action === 'save' && req.actor.kind === 'user') {
      await ctx.sessions.flash(req, reply, 'success', req.t('engagement.answer.saved'))
      return reply.redirect(resident(ward, c), 303)
    }
    const after = questions.find((x) => x.position > q.position)
    if (body.change === '1') return reply.redirect(`${resident(ward, c)}/check`, 303)
    // After the last question: the optional "hear what happens" question, on its own page, then check answers.
    if (!after) return reply.redirect(`${resident(ward, c)}/updates`, 303)
    return reply.redirect(`${resident(ward, c)}/questions/${after.position}`, 303)
  })

  // --- "Do you want to hear what happens?" (issue 9): optional, default no, apart from the equality questions ------

  async function updatesPage(
    req: FastifyRequest,
    reply: FastifyReply,
    c: Consultation,
    extra: { values: Record<string, string>; errors?: GovukErrors; fromCheck: boolean },
  ) {
    const questions = await listQuestions(db, c.id)
    const last = questions.at(-1)
    const base = resident(req.ward!, c)
    return reply.page(
      `${V}/updates.njk`,
      {
        ward: req.ward,
        c,
        base,
        back: extra.fromCheck ? `${base}/check` : last ? `${base}/questions/${last.position}` : `${base}/where`,
        signedIn: req.actor.kind === 'user',
        ...extra,
      },
      { status: extra.errors ? 400 : 200, form: true },
    )
  }

  app.get('/wards/:wardCode/consultations/:consultationId/updates', publicWard, async (req, reply) => {
    const c = await answerable(req, reply)
    if (!c) return reply
    const draft = await loadDraft(req, c)
    if (!draft.postcode) return reply.redirect(`${resident(req.ward!, c)}/where`, 303)
    const fromCheck = (req.query as Record<string, unknown>).change === '1'
    return updatesPage(req, reply, c, {
      values: { updates: draft.updates ?? '', email: draft.updatesEmail ?? '' },
      fromCheck,
    })
  })

  app.post('/wards/:wardCode/consultations/:consultationId/updates', publicPost, async (req, reply) => {
    const c = await answerable(req, reply)
    if (!c) return reply
    const read = readOutcomeOptIn(req.body, req.actor.kind === 'user')
    const fromCheck = (req.body as Record<string, unknown> | undefined)?.change === '1'
    if (!read.ok)
      return updatesPage(req, reply, c, {
        values: fieldValues(req.body, ['updates', 'email']),
        errors: fromMessages(Object.fromEntries(Object.entries(read.errors).map(([k, v]) => [k, req.t(v)])), [
          'updates',
          'email',
        ]),
        fromCheck,
      })
    const draft = await loadDraft(req, c)
    const next: Draft = { ...draft, updates: read.wants ? 'yes' : 'no' }
    if (read.email) next.updatesEmail = read.email
    else delete next.updatesEmail
    await storeDraft(req, reply, c, next)
    return reply.redirect(`${resident(req.ward!, c)}/check`, 303)
  })

  async function checkPage(req: FastifyRequest, reply: FastifyReply, c: Consultation, errors?: GovukErrors) {
    const ward = req.ward!
    const [questions, themes, draft] = await Promise.all([
      listQuestions(db, c.id),
      listThemes(db, ward.id),
      loadDraft(req, c),
    ])
    if (!draft.postcode) return reply.redirect(`${resident(ward, c)}/where`, 303)
    return reply.page(
      `${V}/check.njk`,
      {
        ward,
        c,
        base: resident(ward, c),
        postcode: draft.postcode,
        rows: (await wordedQuestions(req, c, questions)).questions.map((q) => ({
          q,
          answer: answerText(q.kind, draft[`q${q.id}`], themes),
        })),
        submissionKey: randomToken(18),
        updates: { wants: draft.updates === 'yes', email: draft.updatesEmail ?? '' },
        errors,
      },
      { status: errors ? 400 : 200, form: true },
    )
  }

  app.get('/wards/:wardCode/consultations/:consultationId/check', publicWard, async (req, reply) => {
    const c = await answerable(req, reply)
    if (!c) return reply
    return checkPage(req, reply, c)
  })

  app.post('/wards/:wardCode/consultations/:consultationId/submit', publicPost, async (req, reply) => {
    const ward = req.ward!
    const c = await answerable(req, reply)
    if (!c) return reply
    const parsed = SubmitForm.safeParse(req.body)
    if (!parsed.success) return checkPage(req, reply, c, toGovukErrors(parsed.error, req.t, ['submissionKey']))
    const key = parsed.data.submissionKey
    // A second press of the button (or a retry after a lost reply) lands on the same confirmation.
    const existing = await findResponseByKey(db, ward.id, key)
    if (existing) return reply.redirect(`${resident(ward, c)}/done?ref=${key}`, 303)
    const [questions, themes, draft] = await Promise.all([
      listQuestions(db, c.id),
      listThemes(db, ward.id),
      loadDraft(req, c),
    ])
    if (!draft.postcode) return reply.redirect(`${resident(ward, c)}/where`, 303)
    const outcome = await service.submit({
      wardId: ward.id,
      consultationId: c.id,
      questions,
      themes,
      answers: draft,
      submissionKey: key,
      channel: 'online',
      postcode: draft.postcode,
      respondentUserId: userId(req),
      enteredByUserId: null,
      eventId: null,
      respondedOn: today(),
      // The draft goes in the same commit as the response it became (no second commit, no window with both).
      within: (trx) => clearDraftWithin(trx, req, c),
    })
    if (!outcome.ok) {
      const byField: Record<string, string> = {}
      for (const q of [...outcome.missing, ...outcome.invalid])
        byField[`q${q.id}`] = req.t('engagement.check.unanswered', { question: q.prompt })
      return checkPage(req, reply, c, fromMessages(byField))
    }
    // "Hear what happens": signed in, the account's outcome emails are switched on; without an account, the address
    // is kept with the response (its chain decides which outcomes it hears of). Once per response, not per retry.
    if (draft.updates === 'yes' && !outcome.duplicate) {
      const uid = userId(req)
      const email = draft.updatesEmail ?? ''
      const responseId = outcome.id
      if (uid !== null) await ctx.write((trx) => setNotificationPreference(trx, uid, 'outcomes', true))
      else if (email)
        await ctx.write((trx) =>
          insertOutcomeContact(trx, { wardId: ward.id, responseId, email, language: req.lang }).then(() => undefined),
        )
    }
    // A signed-in resident gets a confirmation by email (queued in the outbox, sent by the SMTP relay) unless they
    // turned receipts off; it carries a one-click unsubscribe and points to "what happened to what I said".
    if (req.actor.kind === 'user' && !outcome.duplicate) {
      const receipt = {
        userId: req.actor.userId,
        kind: 'response_receipt' as const,
        // Keys, not text: written in the language the person chose for their emails as it is queued.
        subject: { key: 'engagement.mail.confirmSubject', vars: { title: c.title } },
        text: {
          key: 'engagement.mail.confirmBody',
          vars: {
            name: req.actor.name,
            title: c.title,
            reference: `R${String(outcome.id).padStart(6, '0')}`,
            url: `${ctx.config.publicUrl}${resident(ward, c)}`,
          },
        },
        link: '/account/what-happened',
      }
      await ctx.write((trx) => sendNotification(ctx, trx, receipt))
    }
    return reply.redirect(`${resident(ward, c)}/done?ref=${key}`, 303)
  })

  app.get('/wards/:wardCode/consultations/:consultationId/done', publicWard, async (req, reply) => {
    const ward = req.ward!
    const c = await loadConsultation(req)
    const ref = (req.query as Record<string, unknown>).ref
    if (!c || typeof ref !== 'string' || !SUBMISSION_KEY.test(ref)) return notFound(reply)
    const found = await findResponseByKey(db, ward.id, ref)
    if (!found || found.consultationId !== c.id) return notFound(reply)
    return reply.page(`${V}/done.njk`, {
      ward,
      c,
      base: resident(ward, c),
      reference: `R${String(found.id).padStart(6, '0')}`,
    })
  })

  // --- Equality monitoring: optional, separately consented, stored apart under a pseudonym -----------------------

  async function equalityPage(
    req: FastifyRequest,
    reply: FastifyReply,
    c: Consultation,
    extra: Record<string, unknown>,
    status = 200,
  ) {
    return reply.page(
      `${V}/equality.njk`,
      {
        ward: req.ward,
        c,
        base: resident(req.ward!, c),
        questions: EQUALITY_FIELDS.map((f) => ({ field: f, values: [...EQUALITY_QUESTIONS[f], PREFER_NOT] })),
        submissionKey: randomToken(18),
        values: {},
        ...extra,
      },
      { status, form: true },
    )
  }

  app.get('/wards/:wardCode/consultations/:consultationId/equality', publicWard, async (req, reply) => {
    const c = await loadConsultation(req)
    if (!c || c.status !== 'open') return notFound(reply)
    return equalityPage(req, reply, c, {})
  })

  app.post('/wards/:wardCode/consultations/:consultationId/equality', publicPost, async (req, reply) => {
    const ward = req.ward!
    const c = await loadConsultation(req)
    if (!c || c.status !== 'open') return notFound(reply)
    const parsed = EqualityForm.safeParse(req.body)
    const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, unknown>
    if (!parsed.success)
      return equalityPage(
        req,
        reply,
        c,
        {
          values: fieldValues(req.body, EQUALITY_FIELDS),
          errors: toGovukErrors(parsed.error, req.t, ['consent', ...EQUALITY_FIELDS]),
        },
        400,
      )
    await ctx.write((trx) =>
      insertEqualityOnce(trx, {
        wardId: ward.id,
        consultationId: c.id,
        submissionKey: parsed.data.submissionKey,
        answers: readEqualityAnswers(body),
        // Signed in: tagged so the person can have these answers erased (see equalityOwnerTag).
        owner: req.actor.kind === 'user' ? { userId: req.actor.userId, secretKey: ctx.config.secretKey } : undefined,
      }),
    )
    return reply.redirect(`${resident(ward, c)}/equality/thanks`, 303)
  })

  app.get('/wards/:wardCode/consultations/:consultationId/equality/thanks', publicWard, async (req, reply) => {
    const c = await loadConsultation(req)
    if (!c || c.status === 'draft') return notFound(reply)
    return reply.page(`${V}/equality-done.njk`, { ward: req.ward, c })
  })

  // --- Staff: dashboard ---------------------------------------------------------------------------------------

  async function dashboard(
    req: FastifyRequest,
    reply: FastifyReply,
    extra: Record<string, unknown> = {},
    status = 200,
  ) {
    const ward = req.ward!
    const [consultations, counts, themes] = await Promise.all([
      listConsultations(db, ward.id),
      countResponses(db, ward.id),
      listThemes(db, ward.id),
    ])
    return reply.page(
      `${V}/staff/dashboard.njk`,
      {
        ward,
        base: staff(ward),
        canManage: authorize(req.actor, 'engagement.manage', { ward }).allowed,
        consultations: consultations.map((c) => ({
          ...c,
          responses: counts.filter((x) => x.consultationId === c.id).reduce((s, x) => s + x.n, 0),
        })),
        themes,
        values: {},
        ...extra,
      },
      { status, form: true },
    )
  }

  app.get('/wards/:wardCode/engagement', enter('engagement.dashboard.read'), async (req, reply) =>
    dashboard(req, reply),
  )

  app.post('/wards/:wardCode/engagement/themes', manage('engagement.theme.create'), async (req, reply) => {
    const ward = req.ward!
    const parsed = ThemeForm.safeParse(req.body)
    if (!parsed.success)
      return dashboard(
        req,
        reply,
        {
          values: fieldValues(req.body, ['name', 'description']),
          errors: toGovukErrors(parsed.error, req.t, ['name', 'description']),
        },
        400,
      )
    const slug = parsed.data.name
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60)
    if (!slug)
      return dashboard(
        req,
        reply,
        {
          values: fieldValues(req.body, ['name', 'description']),
          errors: fromMessages({ name: req.t('engagement.errors.themeNameRequired') }),
        },
        400,
      )
    const added = await ctx.write((trx) =>
      insertTheme(trx, ward.id, { slug, name: parsed.data.name, description: parsed.data.description }),
    )
    if (!added)
      return dashboard(
        req,
        reply,
        {
          values: fieldValues(req.body, ['name', 'description']),
          errors: fromMessages({ name: req.t('engagement.errors.themeExists') }),
        },
        400,
      )
    await ctx.sessions.flash(req, reply, 'success', req.t('engagement.staff.themeAdded', { name: parsed.data.name }))
    return reply.redirect(staff(ward), 303)
  })

  // --- Staff: consultations -------------------------------------------------------------------------------------

  async function newPage(req: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown>, status = 200) {
    const ward = req.ward!
    return reply.page(
      `${V}/staff/new.njk`,
      { ward, base: staff(ward), themes: await listThemes(db, ward.id), values: {}, ...extra },
      { status, form: true },
    )
  }

  app.get('/wards/:wardCode/engagement/new', manage('engagement.consultation.form'), async (req, reply) =>
    newPage(req, reply, { values: { allowAnonymous: 'yes' } }),
  )

  app.post('/wards/:wardCode/engagement/new', manage('engagement.consultation.create'), async (req, reply) => {
    const ward = req.ward!
    const parsed = ConsultationForm.safeParse(req.body)
    const themes = await listThemes(db, ward.id)
    const values = { ...fieldValues(req.body, CONSULTATION_FIELDS), themes: bodyList(req.body, 'themes') }
    let errors: GovukErrors | undefined
    if (!parsed.success) errors = toGovukErrors(parsed.error, req.t, CONSULTATION_FIELDS)
    else if (!parsed.data.themes.every((id) => themes.some((t) => t.id === id)))
      errors = fromMessages({ themes: req.t('engagement.errors.option') })
    if (errors || !parsed.success) return newPage(req, reply, { values, errors }, 400)
    const d = parsed.data
    const id = await ctx.write((trx) =>
      insertConsultation(trx, {
        wardId: ward.id,
        title: d.title,
        summary: d.summary,
        allowAnonymous: d.allowAnonymous === 'yes',
        themeIds: d.themes,
        createdBy: userId(req),
      }),
    )
    await ctx.sessions.flash(req, reply, 'success', req.t('engagement.staff.created'))
    return reply.redirect(`${staff(ward)}/consultations/${id}`, 303)
  })

  async function consultationPage(
    req: FastifyRequest,
    reply: FastifyReply,
    c: Consultation,
    extra: Record<string, unknown> = {},
    status = 200,
  ) {
    const ward = req.ward!
    const [questions, themes] = await Promise.all([listQuestions(db, c.id), listThemes(db, ward.id)])
    return reply.page(
      `${V}/staff/consultation.njk`,
      {
        ward,
        c,
        base: staff(ward),
        publicUrl: resident(ward, c),
        questions: questions.map((q) => ({ ...q, theme: themes.find((t) => t.id === q.themeId)?.name })),
        themes,
        consultationThemes: themes.filter((t) => c.themeIds.includes(t.id)),
        kinds: QUESTION_KINDS,
        wordingVariants: variants(),
        values: { required: 'no' },
        ...extra,
      },
      { status, form: true },
    )
  }

  app.get(
    '/wards/:wardCode/engagement/consultations/:consultationId',
    manage('engagement.consultation.read'),
    async (req, reply) => {
      const c = await loadConsultation(req)
      if (!c) return notFound(reply)
      return consultationPage(req, reply, c)
    },
  )

  app.post(
    '/wards/:wardCode/engagement/consultations/:consultationId/questions',
    manage('engagement.question.create'),
    async (req, reply) => {
      const ward = req.ward!
      const c = await loadConsultation(req)
      if (!c) return notFound(reply)
      const values = fieldValues(req.body, QUESTION_FIELDS)
      // Questions are fixed once people can answer, so every answer was given to the same questionnaire.
      if (c.status !== 'draft')
        return consultationPage(
          req,
          reply,
          c,
          { values, errors: fromMessages({ kind: req.t('engagement.errors.notDraft') }) },
          409,
        )
      const parsed = QuestionForm.safeParse(req.body)
      if (!parsed.success)
        return consultationPage(
          req,
          reply,
          c,
          { values, errors: toGovukErrors(parsed.error, req.t, QUESTION_FIELDS) },
          400,
        )
      const d = parsed.data
      const options = readOptions(d.options)
      const themes = await listThemes(db, ward.id)
      const byField: Record<string, string> = {}
      if ((d.kind === 'single' || d.kind === 'multiple') && (options.length < 2 || options.length > 30))
        byField.options = req.t('engagement.errors.optionsCount')
      if (d.kind === 'ranking' && (options.length < RANKING_MIN || options.length > RANKING_MAX))
        byField.options = req.t('engagement.errors.rankingOptionsCount', { min: RANKING_MIN, max: RANKING_MAX })
      if (options.some((o) => o.length > 120)) byField.options = req.t('engagement.errors.optionTooLong')
      if (d.theme !== null && !themes.some((t) => t.id === d.theme)) byField.theme = req.t('engagement.errors.option')
      if (Object.keys(byField).length > 0)
        return consultationPage(req, reply, c, { values, errors: fromMessages(byField, QUESTION_FIELDS) }, 400)
      await ctx.write((trx) =>
        insertQuestion(trx, {
          wardId: ward.id,
          consultationId: c.id,
          kind: d.kind,
          prompt: d.prompt,
          hint: d.hint,
          required: d.required === 'yes',
          options: d.kind === 'single' || d.kind === 'multiple' || d.kind === 'ranking' ? options : [],
          themeId: d.theme,
        }),
      )
      await ctx.sessions.flash(req, reply, 'success', req.t('engagement.staff.questionAdded'))
      return reply.redirect(`${staff(ward)}/consultations/${c.id}`, 303)
    },
  )

  app.post(
    '/wards/:wardCode/engagement/consultations/:consultationId/status',
    manage('engagement.consultation.status'),
    async (req, reply) => {
      const ward = req.ward!
      const c = await loadConsultation(req)
      if (!c) return notFound(reply)
      const parsed = StatusForm.safeParse(req.body)
      if (!parsed.success)
        return consultationPage(req, reply, c, { errors: toGovukErrors(parsed.error, req.t, ['status']) }, 400)
      if (parsed.data.status === 'open' && (await listQuestions(db, c.id)).length === 0)
        return consultationPage(
          req,
          reply,
          c,
          { errors: fromMessages({ status: req.t('engagement.errors.noQuestions') }) },
          409,
        )
      await ctx.write((trx) => setConsultationStatus(trx, c.id, parsed.data.status))
      await ctx.sessions.flash(req, reply, 'success', req.t(`engagement.staff.${parsed.data.status}`))
      return reply.redirect(`${staff(ward)}/consultations/${c.id}`, 303)
    },
  )

  /** The variants officers can write: each other language the council offers, and easy read. */
  const variants = () => [...ctx.tenant.languages.filter((l) => l !== 'en'), EASY_READ]

  async function wordingPage(
    req: FastifyRequest,
    reply: FastifyReply,
    c: Consultation,
    variant: string,
    extra: Record<string, unknown> = {},
    status = 200,
  ) {
    const questions = await listQuestions(db, c.id)
    const existing = await listWordings(db, c.id, variant)
    const values: Record<string, string> = {}
    for (const q of questions) {
      const w = existing.find((x) => x.questionId === q.id)
      values[`prompt_${q.id}`] = w?.prompt ?? ''
      values[`hint_${q.id}`] = w?.hint ?? ''
      values[`options_${q.id}`] = (w?.options ?? []).join('\n')
    }
    return reply.page(
      `${V}/staff/wording.njk`,
      { ward: req.ward, c, base: staff(req.ward!), questions, variant, variants: variants(), values, ...extra },
      { status, form: true },
    )
  }

  const wordingVariant = (req: FastifyRequest) => {
    const v = (req.params as Record<string, string>).variant
    return v && variants().includes(v) ? v : undefined
  }

  app.get(
    '/wards/:wardCode/engagement/consultations/:consultationId/wording/:variant',
    manage('engagement.wording.read'),
    async (req, reply) => {
      const c = await loadConsultation(req)
      const variant = wordingVariant(req)
      if (!c || !variant) return notFound(reply)
      return wordingPage(req, reply, c, variant)
    },
  )

  app.post(
    '/wards/:wardCode/engagement/consultations/:consultationId/wording/:variant',
    manage('engagement.wording.save'),
    async (req, reply) => {
      const ward = req.ward!
      const c = await loadConsultation(req)
      const variant = wordingVariant(req)
      if (!c || !variant) return notFound(reply)
      const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, unknown>
      const text = (k: string) => (typeof body[k] === 'string' ? (body[k] as string).trim() : '')
      const questions = await listQuestions(db, c.id)
      const byField: Record<string, string> = {}
      const wordings = questions.map((q) => {
        const prompt = text(`prompt_${q.id}`)
        const hint = text(`hint_${q.id}`)
        const options = readOptions(text(`options_${q.id}`))
        if (prompt.length > 300) byField[`prompt_${q.id}`] = req.t('engagement.errors.promptTooLong')
        if (hint.length > 500) byField[`hint_${q.id}`] = req.t('engagement.errors.hintTooLong')
        if (options.length > 0 && options.length !== q.options.length)
          byField[`options_${q.id}`] = req.t('engagement.errors.wordingOptions', { count: q.options.length })
        if (prompt === '' && (hint !== '' || options.length > 0))
          byField[`prompt_${q.id}`] = req.t('engagement.errors.promptRequired')
        return { questionId: q.id, prompt, hint, options }
      })
      if (Object.keys(byField).length > 0)
        return wordingPage(
          req,
          reply,
          c,
          variant,
          { values: fieldValues(body, Object.keys(body)), errors: fromMessages(byField) },
          400,
        )
      await ctx.write((trx) => replaceWordings(trx, { wardId: ward.id, consultationId: c.id, variant, wordings }))
      await ctx.sessions.flash(req, reply, 'success', req.t('engagement.wording.saved'))
      return reply.redirect(`${staff(ward)}/consultations/${c.id}`, 303)
    },
  )

  app.get(
    '/wards/:wardCode/engagement/consultations/:consultationId/preview',
    manage('engagement.consultation.preview'),
    async (req, reply) => {
      const ward = req.ward!
      const c = await loadConsultation(req)
      if (!c) return notFound(reply)
      const [questions, themes] = await Promise.all([listQuestions(db, c.id), listThemes(db, ward.id)])
      return reply.page(`${V}/staff/preview.njk`, {
        ward,
        c,
        base: staff(ward),
        questions,
        themes,
        ratings: RATING_SCALE,
        themesMax: THEMES_MAX,
      })
    },
  )

  /** The officer's export table: one row per response; equality answers are never part of it (another table). */
  async function exportTable(req: FastifyRequest, c: Consultation): Promise<(string | null)[][]> {
    const ward = req.ward!
    const [questions, themes, rows] = await Promise.all([
      listQuestions(db, c.id),
      listThemes(db, ward.id),
      listResponsesForExport(db, ward.id, c.id),
    ])
    const head = [
      'reference',
      'channel',
      'date',
      'postcode',
      'small_area',
      'event',
      'entered_by_user',
      'demo',
      ...questions.map((q) => `${questionColumn(q.position)} ${q.prompt}`),
    ]
    return [
      head,
      ...rows.map((r) => [
        `R${String(r.id).padStart(6, '0')}`,
        r.channel,
        r.respondedOn,
        r.postcode,
        r.areaCode,
        r.eventName,
        r.enteredBy === null ? null : String(r.enteredBy),
        r.isDemo ? 'yes' : 'no',
        ...questions.map((q) => answerText(q.kind, r.answers.get(q.id), themes).join('; ')),
      ]),
    ]
  }

  app.get(
    '/wards/:wardCode/engagement/consultations/:consultationId/export.csv',
    manage('engagement.responses.export'),
    async (req, reply) => {
      const c = await loadConsultation(req)
      if (!c) return notFound(reply)
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="consultation-${c.id}-responses.csv"`)
        .send(toCsv(await exportTable(req, c)))
    },
  )

  app.get(
    '/wards/:wardCode/engagement/consultations/:consultationId/export.xlsx',
    manage('engagement.responses.export.xlsx'),
    async (req, reply) => {
      const c = await loadConsultation(req)
      if (!c) return notFound(reply)
      const [head, ...rows] = await exportTable(req, c)
      const book = new ExcelJS.Workbook()
      book.creator = ctx.tenant.serviceName
      const sheet = book.addWorksheet('Responses')
      // Text that looks like a formula is prefixed with ' as in the CSV; numbers stay numbers.
      sheet.addRow((head ?? []).map((v) => sheetText(v)))
      sheet.getRow(1).font = { bold: true }
      sheet.views = [{ state: 'frozen', ySplit: 1 }]
      for (const row of rows) sheet.addRow(row.map((v) => sheetText(v)))
      const buffer = Buffer.from(await book.xlsx.writeBuffer())
      return reply
        .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', `attachment; filename="consultation-${c.id}-responses.xlsx"`)
        .send(buffer)
    },
  )

  app.get('/wards/:wardCode/engagement/counts', manage('engagement.counts.read'), async (req, reply) => {
    const ward = req.ward!
    const [consultations, counts, themes, themeAnswers, equality, lsoas] = await Promise.all([
      listConsultations(db, ward.id),
      countResponses(db, ward.id),
      listThemes(db, ward.id),
      listThemeAnswers(db, ward.id),
      summariseEquality(db, ward.id),
      listWardAreas(db, ward.id, 'lsoa'),
    ])
    const byConsultation = await Promise.all(
      consultations.map(async (c) => {
        const areas = await countResponsesByArea(db, ward.id, c.id)
        return {
          c,
          channels: CHANNELS.map((ch) => ({
            channel: ch,
            n: counts.find((x) => x.consultationId === c.id && x.channel === ch)?.n ?? 0,
          })),
          total: counts.filter((x) => x.consultationId === c.id).reduce((s, x) => s + x.n, 0),
          themes: themes.map((t) => ({
            name: t.name,
            n: themeAnswers.filter((a) => a.consultationId === c.id && parseList(a.value).includes(t.slug)).length,
          })),
          areas: [
            ...lsoas.map((l) => ({ name: l.name, code: l.code, n: areas.find((a) => a.areaCode === l.code)?.n ?? 0 })),
            {
              name: req.t('engagement.counts.unplaced'),
              code: '',
              n: areas.filter((a) => a.areaCode === null).reduce((s, a) => s + a.n, 0),
            },
          ],
        }
      }),
    )
    return reply.page(`${V}/staff/counts.njk`, { ward, base: staff(ward), byConsultation, equality })
  })

  // --- Staff: every channel (entry screen, CSV import, outreach events) ---------------------------------------------

  async function entryPage(
    req: FastifyRequest,
    reply: FastifyReply,
    c: Consultation,
    extra: Record<string, unknown> = {},
    status = 200,
  ) {
    const ward = req.ward!
    const [questions, themes, events] = await Promise.all([
      listQuestions(db, c.id),
      listThemes(db, ward.id),
      listEvents(db, ward.id),
    ])
    return reply.page(
      `${V}/staff/entry.njk`,
      {
        ward,
        c,
        base: staff(ward),
        questions,
        themes,
        events,
        channels: ENTRY_CHANNELS,
        ratings: RATING_SCALE,
        themesMax: THEMES_MAX,
        submissionKey: randomToken(18),
        values: { respondedOn: today() },
        ...extra,
      },
      { status, form: true },
    )
  }

  app.get(
    '/wards/:wardCode/engagement/consultations/:consultationId/entry',
    enter('engagement.entry.form'),
    async (req, reply) => {
      const c = await loadConsultation(req)
      if (!c || c.status === 'draft') return notFound(reply)
      const q = req.query as Record<string, unknown>
      // Keep the batch settings (channel, date, event) from the last entry: volunteers enter a pile of forms at once.
      const keep = fieldValues(q, ['channel', 'respondedOn', 'event'])
      return entryPage(req, reply, c, { values: { respondedOn: today(), ...keep } })
    },
  )

  app.post(
    '/wards/:wardCode/engagement/consultations/:consultationId/entry',
    enter('engagement.entry.create'),
    async (req, reply) => {
      const ward = req.ward!
      const c = await loadConsultation(req)
      if (!c || c.status === 'draft') return notFound(reply)
      const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, unknown>
      const [questions, themes] = await Promise.all([listQuestions(db, c.id), listThemes(db, ward.id)])
      const answerFields = questions.map((q) => `q${q.id}`)
      const values: Record<string, unknown> = { ...fieldValues(body, [...ENTRY_FIELDS, ...answerFields]) }
      for (const q of questions)
        if (isListKind(q.kind)) values[`q${q.id}`] = bodyList(body, `q${q.id}`, q.kind === 'ranking')
      const head = EntryHead.safeParse(body)
      const byField: Record<string, string> = {}
      if (!head.success) Object.assign(byField, toGovukErrors(head.error, req.t, ENTRY_FIELDS).byField)
      const postcodeRaw = typeof body.postcode === 'string' ? body.postcode.trim() : ''
      const postcode = postcodeRaw ? canonicalPostcode(postcodeRaw) : null
      if (postcode === undefined) byField.postcode = req.t('engagement.errors.postcode')
      const respondedOn = head.success ? checkDate(head.data.respondedOn, today()) : undefined
      if (head.success && !respondedOn) byField.respondedOn = req.t('engagement.errors.date')
      // Only the chosen event is checked: the list with its response counts is for showing the form again.
      if (head.success && head.data.event !== null && !(await isWardEvent(db, ward.id, head.data.event)))
        byField.event = req.t('engagement.errors.event')
      for (const q of questions) {
        const checked = checkAnswer(q, body[`q${q.id}`], themes)
        if (!checked.ok) byField[`q${q.id}`] = req.t(checked.error)
      }
      const submissionKey =
        typeof body.submissionKey === 'string' && SUBMISSION_KEY.test(body.submissionKey)
          ? body.submissionKey
          : undefined
      if (Object.keys(byField).length > 0 || !head.success || !respondedOn)
        return entryPage(
          req,
          reply,
          c,
          {
            values,
            submissionKey: submissionKey ?? randomToken(18),
            errors: fromMessages(byField, [...ENTRY_FIELDS, ...answerFields]),
          },
          400,
        )
      const savedText = (id: number) =>
        req.t('engagement.entry.saved', { reference: `R${String(id).padStart(6, '0')}` })
      let flashed = false
      const outcome = await service.submit({
        wardId: ward.id,
        consultationId: c.id,
        questions,
        themes,
        answers: Object.fromEntries(answerFields.map((f) => [f, bodyValue(body, f)])),
        submissionKey: head.data.submissionKey,
        channel: head.data.channel as Channel,
        postcode: postcode ?? null,
        respondentUserId: null,
        enteredByUserId: userId(req),
        eventId: head.data.event,
        respondedOn,
        // The "saved" message and the audit entry commit with the response: one commit per form entered.
        within: async (trx, saved) => {
          flashed = await ctx.sessions.changeWithin(trx, req, { flash: { kind: 'success', text: savedText(saved.id) } })
          await req.auditWithin(trx)
        },
      })
      // Stored only when the response was (a refused form never reaches the unit).
      if (outcome.ok) req.auditRecorded = true
      if (!outcome.ok)
        return entryPage(
          req,
          reply,
          c,
          { values, errors: fromMessages({ form: req.t('engagement.errors.option') }) },
          400,
        )
      if (!flashed) await ctx.sessions.flash(req, reply, 'success', savedText(outcome.id))
      const keep = new URLSearchParams({
        channel: head.data.channel,
        respondedOn,
        event: head.data.event === null ? '' : String(head.data.event),
      })
      return reply.redirect(`${staff(ward)}/consultations/${c.id}/entry?${keep.toString()}`, 303)
    },
  )

  async function importPage(
    req: FastifyRequest,
    reply: FastifyReply,
    c: Consultation,
    extra: Record<string, unknown> = {},
    status = 200,
  ) {
    const questions = await listQuestions(db, c.id)
    return reply.page(
      `${V}/staff/import.njk`,
      {
        ward: req.ward,
        c,
        base: staff(req.ward!),
        questions,
        header: [...IMPORT_FIXED, ...questions.map((q) => questionColumn(q.position))].join(','),
        channels: ENTRY_CHANNELS,
        values: {},
        ...extra,
      },
      { status, form: true },
    )
  }

  app.get(
    '/wards/:wardCode/engagement/consultations/:consultationId/import',
    enter('engagement.import.form'),
    async (req, reply) => {
      const c = await loadConsultation(req)
      if (!c || c.status === 'draft') return notFound(reply)
      return importPage(req, reply, c)
    },
  )

  app.post(
    '/wards/:wardCode/engagement/consultations/:consultationId/import',
    // A pasted file may be far larger than an ordinary form: accepted up to IMPORT_BODY_LIMIT so a 100,000-row
    // file reaches the row check and gets a clear message, instead of a bare "too large" from the framework.
    { ...enter('engagement.import.run'), bodyLimit: IMPORT_BODY_LIMIT },
    async (req, reply) => {
      const ward = req.ward!
      const c = await loadConsultation(req)
      if (!c || c.status === 'draft') return notFound(reply)
      const parsed = ImportForm.safeParse(req.body)
      const values = fieldValues(req.body, ['csv'])
      if (!parsed.success)
        return importPage(req, reply, c, { values, errors: toGovukErrors(parsed.error, req.t, ['csv']) }, 400)
      const [questions, themes] = await Promise.all([listQuestions(db, c.id), listThemes(db, ward.id)])
      const { rows, errors } = parseResponsesCsv(parsed.data.csv, questions, themes, today())
      if (errors.length > 0)
        return importPage(
          req,
          reply,
          c,
          {
            values,
            rowErrors: errors.slice(0, 200).map((e) => ({ line: e.line, message: req.t(e.key, e.vars ?? {}) })),
            moreErrors: Math.max(0, errors.length - 200),
            errors: fromMessages({ csv: req.t('engagement.import.failed', { count: errors.length }) }),
          },
          400,
        )
      const enteredBy = userId(req)
      const batch = randomToken(12)
      // Placed before the unit of work: reads outside the transaction would wait on SQLite's single connection.
      const areas = await Promise.all(rows.map((r) => service.placePostcode(ward.id, r.postcode)))
      const placeQuestions = new Set(questions.filter((q) => q.kind === 'place').map((q) => q.id))
      for (const r of rows)
        for (const a of r.answers)
          if (placeQuestions.has(a.questionId)) a.value = await service.placeAnswer(ward.id, a.value)
      // One unit of work: the whole file is imported or none of it is.
      await ctx.write(async (trx) => {
        for (const [i, r] of rows.entries())
          await insertResponseOnce(trx, {
            wardId: ward.id,
            consultationId: c.id,
            submissionKey: `import-${batch}-${r.line}`,
            channel: r.channel,
            postcode: r.postcode,
            areaCode: areas[i] ?? null,
            respondentUserId: null,
            enteredByUserId: enteredBy,
            eventId: null,
            respondedOn: r.respondedOn,
            answers: r.answers,
          })
      })
      await ctx.sessions.flash(req, reply, 'success', req.t('engagement.import.done', { count: rows.length }))
      return reply.redirect(staff(ward), 303)
    },
  )

  async function eventsPage(
    req: FastifyRequest,
    reply: FastifyReply,
    extra: Record<string, unknown> = {},
    status = 200,
  ) {
    const ward = req.ward!
    return reply.page(
      `${V}/staff/events.njk`,
      { ward, base: staff(ward), events: await listEvents(db, ward.id), values: { heldOn: today() }, ...extra },
      { status, form: true },
    )
  }

  app.get('/wards/:wardCode/engagement/events', enter('engagement.events.read'), async (req, reply) =>
    eventsPage(req, reply),
  )

  app.post('/wards/:wardCode/engagement/events', enter('engagement.event.create'), async (req, reply) => {
    const ward = req.ward!
    const parsed = EventForm.safeParse(req.body)
    const values = fieldValues(req.body, EVENT_FIELDS)
    const byField: Record<string, string> = parsed.success
      ? {}
      : toGovukErrors(parsed.error, req.t, EVENT_FIELDS).byField
    const heldOn = parsed.success ? checkDate(parsed.data.heldOn, today()) : undefined
    if (parsed.success && !heldOn) byField.heldOn = req.t('engagement.errors.date')
    const postcode = parsed.success && parsed.data.postcode.trim() ? canonicalPostcode(parsed.data.postcode) : null
    if (postcode === undefined) byField.postcode = req.t('engagement.errors.postcode')
    if (!parsed.success || !heldOn || Object.keys(byField).length > 0)
      return eventsPage(req, reply, { values, errors: fromMessages(byField, EVENT_FIELDS) }, 400)
    const d = parsed.data
    await ctx.write((trx) =>
      insertEvent(trx, {
        wardId: ward.id,
        name: d.name,
        place: d.place,
        postcode: postcode ?? null,
        heldOn,
        runBy: d.runBy,
        peopleSpokenTo: d.peopleSpokenTo,
        createdBy: userId(req),
      }),
    )
    await ctx.sessions.flash(req, reply, 'success', req.t('engagement.events.saved'))
    return reply.redirect(`${staff(ward)}/events`, 303)
  })
}

/** A form field that may be sent once or repeated (checkboxes), as a list of strings. */
function bodyList(body: unknown, field: string, keepBlanks = false): string[] {
  if (typeof body !== 'object' || body === null) return []
  const v = (body as Record<string, unknown>)[field]
  // A ranking keeps its blank positions, so the re-shown form puts each choice back in its own place.
  return (Array.isArray(v) ? v : [v])
    .filter((x): x is string => typeof x === 'string' && (keepBlanks || x !== ''))
    .slice(0, 50)
}

function bodyValue(body: Record<string, unknown>, field: string): string | string[] | undefined {
  const v = body[field]
  if (typeof v === 'string') return v
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string')
  return undefined
}

export type { Theme }
