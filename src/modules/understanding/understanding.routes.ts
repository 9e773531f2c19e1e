import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { PlatformContext } from '../../platform/module.js'
import { fieldValues, toGovukErrors, type GovukErrors } from '../../platform/views/index.js'
import { listWardThemes } from '../engagement/index.js'
import { listOptionsForNeeds } from '../prioritisation/index.js'
import { disclose } from '../reach/index.js'
import { proposeThemes } from './analysis.js'
import { groupViews, sentiment, type GroupView } from './sentiment.js'
import { needGroupTables, summariseNeedGroups } from './understanding.groups.js'
import { registerOpinionRoutes } from './understanding.opinions.routes.js'
import {
  CodingForm,
  DecisionForm,
  EvidenceForm,
  MergeForm,
  NEED_FIELDS,
  NeedForm,
  SPLIT_FIELDS,
  SplitForm,
  THEME_FIELDS,
  ThemeForm,
} from './understanding.forms.js'
import {
  addEvidence,
  addThemeEvent,
  decideCandidate,
  ensureFrame,
  insertNeed,
  insertTheme,
  listCandidates,
  listEvidence,
  listNeeds,
  listThemeEvents,
  remapCodings,
  replaceOpenCandidates,
  retireTheme,
  saveCoding,
  saveModel,
  updateTheme,
} from './understanding.repository.js'
import {
  agreedCodes,
  agreement,
  isCoded,
  loadModel,
  loadWorkspace,
  modelIsStale,
  needsTranslator,
  nextToCode,
  suggestionsFor,
  summariseEvidence,
  themeCounts,
  trainFromWorkspace,
  type Item,
  type StoredModel,
  type Workspace,
} from './understanding.service.js'

const V = 'understanding/views'
const officer = (audit: string) => ({
  config: { access: { permission: 'understanding.code', wardParam: 'wardCode' }, audit },
})
const oneError = (byField: Record<string, string>): GovukErrors => ({
  byField,
  list: Object.entries(byField).map(([f, text]) => ({ text, href: `#${f}` })),
})
const pct = (v: number | null) => (v === null ? null : `${(v * 100).toFixed(1)}%`)
/** Clustering uses a fixed seed so the same answers always give the same candidates. */
export const CLUSTER_SEED = 20261126

export function registerUnderstandingRoutes(app: FastifyInstance, ctx: PlatformContext): void {
  const { db } = ctx
  const base = (code: string) => `/wards/${code}/understanding`
  const me = (req: FastifyRequest) => (req.actor.kind === 'user' ? req.actor.userId : -1)
  const notFound = (reply: FastifyReply) => reply.page('errors/not-found.njk', {}, { status: 404 })
  const numParam = (req: FastifyRequest, name: string) => {
    const v = (req.params as Record<string, string>)[name] ?? ''
    return /^\d{1,12}$/.test(v) ? Number(v) : null
  }
  const ensure = async (wardId: number) => {
    const themes = await listWardThemes(db, wardId)
    await ctx.write((trx) => ensureFrame(trx, wardId, themes))
  }
  const names = (w: Workspace) => new Map(w.frame.map((t) => [t.id, t.name]))

  registerOpinionRoutes(app, ctx)

  // Bring engagement themes into every ward's frame at start, so pages never need to write on GET.
  app.addHook('onReady', async () => {
    for (const ward of await ctx.wards.list()) await ensure(ward.id)
  })

  /** Retrains and stores the model; the training runs outside the unit of work (it only awaits the database). */
  async function retrain(wardId: number): Promise<boolean> {
    const w = await loadWorkspace(db, wardId)
    const trained = trainFromWorkspace(w)
    if (!trained) return false
    const payload = {
      trainedOn: trained.trainedOn,
      heldOut: trained.heldOut,
      modelJson: JSON.stringify(trained.model),
      evaluationJson: JSON.stringify(trained.evaluation),
    }
    await ctx.write((trx) => saveModel(trx, wardId, payload))
    return true
  }

  // --- Overview -------------------------------------------------------------------------------------------

  app.get('/wards/:wardCode/understanding', officer('understanding.overview.read'), async (req, reply) => {
    const ward = req.ward!
    const [w, model] = await Promise.all([loadWorkspace(db, ward.id), loadModel(db, ward.id)])
    const themeName = names(w)
    const agreed = agreedCodes(w)
    return reply.page(`${V}/overview.njk`, {
      ward,
      base: base(ward.code),
      counts: {
        texts: w.items.length,
        coded: w.items.filter((i) => isCoded(w, i.ref)).length,
        translator: w.items.filter((i) => needsTranslator(i) && !isCoded(w, i.ref)).length,
        other: [...agreed.values()].filter((a) => a.isOther).length,
      },
      agreement: agreement(w),
      model: model && {
        ...model,
        stale: modelIsStale(w, model),
        perTheme: (model.evaluation?.perClass ?? []).map((s, c) => ({
          name: themeName.get(model.model.themeIds[c]!) ?? '',
          ...s,
        })),
      },
      canTrain: modelIsStale(w, model) || !model,
    })
  })

  // --- Coding frame ----------------------------------------------------------------------------------------

  async function framePage(
    req: FastifyRequest,
    reply: FastifyReply,
    extra: { values?: Record<string, string>; errors?: GovukErrors } = {},
    status = 200,
  ) {
    const ward = req.ward!
    const w = await loadWorkspace(db, ward.id)
    const codes = [...agreedCodes(w).values()]
    const tops = w.frame.filter((t) => t.parentId === null)
    const describe = (t: (typeof w.frame)[number]) => ({
      ...t,
      coded: codes.filter((c) => c.themeIds.includes(t.id)).length,
      replacedByNames: t.replacedBy.map((id) => w.frame.find((x) => x.id === id)?.name ?? ''),
    })
    return reply.page(
      `${V}/frame.njk`,
      {
        ward,
        base: base(ward.code),
        themes: tops.map((t) => ({
          ...describe(t),
          children: w.frame.filter((c) => c.parentId === t.id).map(describe),
        })),
        parents: w.active.filter((t) => t.parentId === null),
        values: extra.values ?? {},
        errors: extra.errors,
      },
      { status, form: true },
    )
  }

  app.get('/wards/:wardCode/understanding/frame', officer('understanding.frame.read'), async (req, reply) =>
    framePage(req, reply),
  )

  app.post('/wards/:wardCode/understanding/frame', officer('understanding.theme.create'), async (req, reply) => {
    const ward = req.ward!
    const parsed = ThemeForm.safeParse(req.body)
    if (parsed.success) await ensure(ward.id)
    const w = await loadWorkspace(db, ward.id)
    const parentOk =
      parsed.success && (parsed.data.parentId === null || w.active.some((t) => t.id === parsed.data.parentId))
    if (!parsed.success || !parentOk)
      return framePage(
        req,
        reply,
        {
          values: fieldValues(req.body, THEME_FIELDS),
          errors: parsed.success
            ? oneError({ parentId: req.t('understanding.errors.themeInvalid') })
            : toGovukErrors(parsed.error, req.t, THEME_FIELDS),
        },
        400,
      )
    const by = me(req)
    await ctx.write(async (trx) => {
      const id = await insertTheme(trx, ward.id, parsed.data)
      await addThemeEvent(trx, ward.id, id, 'created', { name: parsed.data.name }, by)
    })
    await ctx.sessions.flash(req, reply, 'success', req.t('understanding.frame.added'))
    return reply.redirect(`${base(ward.code)}/frame`, 303)
  })

  async function themePage(
    req: FastifyRequest,
    reply: FastifyReply,
    extra: { values?: Record<string, string>; errors?: GovukErrors } = {},
    status = 200,
  ) {
    const ward = req.ward!
    const id = numParam(req, 'themeId')
    const w = await loadWorkspace(db, ward.id)
    const theme = w.frame.find((t) => t.id === id)
    if (!theme) return notFound(reply)
    const history = await listThemeEvents(db, ward.id, theme.id)
    return reply.page(
      `${V}/theme.njk`,
      {
        ward,
        base: base(ward.code),
        theme,
        history,
        targets: w.active.filter((t) => t.id !== theme.id),
        values: extra.values ?? { name: theme.name, definition: theme.definition, examples: theme.examples },
        errors: extra.errors,
      },
      { status, form: true },
    )
  }

  app.get('/wards/:wardCode/understanding/frame/:themeId', officer('understanding.theme.read'), async (req, reply) =>
    themePage(req, reply),
  )

  /** Finds an active theme of this ward for a change; anything else (another ward's, retired) is not found. */
  async function activeTheme(req: FastifyRequest) {
    const id = numParam(req, 'themeId')
    const w = await loadWorkspace(db, req.ward!.id)
    return { w, theme: w.active.find((t) => t.id === id) }
  }

  app.post('/wards/:wardCode/understanding/frame/:themeId', officer('understanding.theme.edit'), async (req, reply) => {
    const ward = req.ward!
    const { theme } = await activeTheme(req)
    if (!theme) return notFound(reply)
    const parsed = ThemeForm.safeParse(req.body)
    if (!parsed.success)
      return themePage(
        req,
        reply,
        { values: fieldValues(req.body, THEME_FIELDS), errors: toGovukErrors(parsed.error, req.t, THEME_FIELDS) },
        400,
      )
    const by = me(req)
    const before = { name: theme.name, definition: theme.definition, examples: theme.examples }
    await ctx.write(async (trx) => {
      await updateTheme(trx, ward.id, theme.id, parsed.data)
      await addThemeEvent(trx, ward.id, theme.id, 'edited', { before }, by)
    })
    await ctx.sessions.flash(req, reply, 'success', req.t('understanding.frame.saved'))
    return reply.redirect(`${base(ward.code)}/frame/${theme.id}`, 303)
  })

  app.post(
    '/wards/:wardCode/understanding/frame/:themeId/merge',
    officer('understanding.theme.merge'),
    async (req, reply) => {
      const ward = req.ward!
      const { w, theme } = await activeTheme(req)
      if (!theme) return notFound(reply)
      const parsed = MergeForm.safeParse(req.body)
      const target = parsed.success
        ? w.active.find((t) => t.id === parsed.data.targetId && t.id !== theme.id)
        : undefined
      if (!target)
        return themePage(
          req,
          reply,
          {
            errors: oneError({ targetId: req.t('understanding.errors.targetRequired') }),
          },
          400,
        )
      const by = me(req)
      await ctx.write(async (trx) => {
        const moved = await remapCodings(trx, ward.id, theme.id, target.id)
        await retireTheme(trx, ward.id, theme.id, 'merged', [target.id])
        await addThemeEvent(trx, ward.id, theme.id, 'merged', { into: target.id, intoName: target.name, moved }, by)
        await addThemeEvent(trx, ward.id, target.id, 'merged', { from: theme.id, fromName: theme.name, moved }, by)
      })
      await ctx.sessions.flash(req, reply, 'success', req.t('understanding.frame.merged', { name: target.name }))
      return reply.redirect(`${base(ward.code)}/frame`, 303)
    },
  )

  app.post(
    '/wards/:wardCode/understanding/frame/:themeId/split',
    officer('understanding.theme.split'),
    async (req, reply) => {
      const ward = req.ward!
      const { theme } = await activeTheme(req)
      if (!theme) return notFound(reply)
      const parsed = SplitForm.safeParse(req.body)
      if (!parsed.success)
        return themePage(
          req,
          reply,
          { values: fieldValues(req.body, SPLIT_FIELDS), errors: toGovukErrors(parsed.error, req.t, SPLIT_FIELDS) },
          400,
        )
      const by = me(req)
      await ctx.write(async (trx) => {
        const made: number[] = []
        for (const name of [parsed.data.nameA, parsed.data.nameB]) {
          const id = await insertTheme(trx, ward.id, {
            parentId: theme.parentId,
            name,
            definition: theme.definition,
            examples: '',
          })
          await addThemeEvent(trx, ward.id, id, 'created', { splitFrom: theme.id, splitFromName: theme.name }, by)
          made.push(id)
        }
        // Codes to the old theme stay as history; those texts return to the queue to be coded afresh.
        await retireTheme(trx, ward.id, theme.id, 'split', made)
        await addThemeEvent(
          trx,
          ward.id,
          theme.id,
          'split',
          { into: made, names: [parsed.data.nameA, parsed.data.nameB] },
          by,
        )
      })
      await ctx.sessions.flash(req, reply, 'success', req.t('understanding.frame.split'))
      return reply.redirect(`${base(ward.code)}/frame`, 303)
    },
  )

  // --- Coding queue ------------------------------------------------------------------------------------------

  async function queuePage(
    req: FastifyRequest,
    reply: FastifyReply,
    extra: { chosen?: string[]; errors?: GovukErrors; itemRef?: string } = {},
    status = 200,
  ) {
    const ward = req.ward!
    const mode = (req.query as Record<string, string> | undefined)?.mode === 'second' ? 'second' : 'first'
    const [w, model] = await Promise.all([loadWorkspace(db, ward.id), loadModel(db, ward.id)])
    const next = extra.itemRef
      ? { item: w.items.find((i) => i.ref === extra.itemRef)!, remaining: 0 }
      : nextToCode(w, me(req), mode)
    const themeName = names(w)
    const suggestions = next
      ? suggestionsFor(model, next.item.text)
          .filter((s) => s.suggested)
          .slice(0, 3)
          .map((s) => ({ ...s, name: themeName.get(s.themeId) ?? '', percent: Math.round(s.confidence * 100) }))
      : []
    const tops = w.active.filter((t) => t.parentId === null || !w.active.some((p) => p.id === t.parentId))
    return reply.page(
      `${V}/queue.njk`,
      {
        ward,
        base: base(ward.code),
        mode,
        next,
        suggestions,
        themes: tops.map((t) => ({ ...t, children: w.active.filter((c) => c.parentId === t.id) })),
        chosen: extra.chosen ?? [],
        errors: extra.errors,
      },
      { status, form: true },
    )
  }

  app.get('/wards/:wardCode/understanding/queue', officer('understanding.queue.read'), async (req, reply) =>
    queuePage(req, reply),
  )

  app.post('/wards/:wardCode/understanding/queue', officer('understanding.coding.save'), async (req, reply) => {
    const ward = req.ward!
    const parsed = CodingForm.safeParse(req.body)
    const w = await loadWorkspace(db, ward.id)
    const body = (req.body ?? {}) as Record<string, unknown>
    const ref = typeof body.itemRef === 'string' ? body.itemRef : ''
    const item = w.items.find((i) => i.ref === ref)
    if (!item) return notFound(reply)
    const themeIds = parsed.success ? parsed.data.themes.filter((x) => x !== 'other').map(Number) : []
    if (!parsed.success || !themeIds.every((id) => w.active.some((t) => t.id === id))) {
      const raw = body.themes
      const chosen =
        typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw.filter((x) => typeof x === 'string') : []
      const errors = parsed.success
        ? oneError({ themes: req.t('understanding.errors.themeInvalid') })
        : toGovukErrors(parsed.error, req.t, ['themes'])
      return queuePage(req, reply, { chosen, errors, itemRef: item.ref }, 400)
    }
    const coder = me(req)
    await ctx.write((trx) =>
      saveCoding(trx, ward.id, {
        itemRef: item.ref,
        coderUserId: coder,
        themeIds,
        isOther: parsed.data.themes.includes('other'),
      }),
    )
    // Retrain as coding grows: cheap at ward scale, and officers then see suggestions that learnt from today's work.
    if (modelIsStale(await loadWorkspace(db, ward.id), await loadModel(db, ward.id))) await retrain(ward.id)
    const q = parsed.data.mode === 'second' ? '?mode=second' : ''
    return reply.redirect(`${base(ward.code)}/queue${q}`, 303)
  })

  // --- Suggestions and the model --------------------------------------------------------------------------

  app.get(
    '/wards/:wardCode/understanding/suggestions',
    officer('understanding.suggestions.read'),
    async (req, reply) => {
      const ward = req.ward!
      const [w, model] = await Promise.all([loadWorkspace(db, ward.id), loadModel(db, ward.id)])
      const themeName = names(w)
      const rows = w.items
        .filter((i) => !isCoded(w, i.ref) && !needsTranslator(i))
        .slice(0, 200)
        .map((i) => ({
          item: i,
          suggestions: suggestionsFor(model, i.text)
            .slice(0, 3)
            .map((s) => ({ ...s, name: themeName.get(s.themeId) ?? '', percent: Math.round(s.confidence * 100) })),
        }))
      return reply.page(`${V}/suggestions.njk`, { ward, base: base(ward.code), model, rows }, { form: true })
    },
  )

  app.post('/wards/:wardCode/understanding/model', officer('understanding.model.train'), async (req, reply) => {
    const ward = req.ward!
    const ok = await retrain(ward.id)
    await ctx.sessions.flash(
      req,
      reply,
      ok ? 'success' : 'info',
      req.t(ok ? 'understanding.model.trained' : 'understanding.model.notEnough'),
    )
    return reply.redirect(`${base(ward.code)}`, 303)
  })

  // --- Emerging themes -----------------------------------------------------------------------------------------

  /**
   * What the frame does not yet explain: English answers coded "none of these", and uncoded ones for which the
   * model (when there is one) suggests no existing theme.
   */
  const clusterPool = (w: Workspace, model: StoredModel | null) => {
    const agreed = agreedCodes(w)
    return w.items.filter((i) => {
      if (needsTranslator(i)) return false
      const a = agreed.get(i.ref)
      if (a) return a.isOther
      return !suggestionsFor(model, i.text).some((s) => s.suggested)
    })
  }

  async function emergingPage(
    req: FastifyRequest,
    reply: FastifyReply,
    extra: { errors?: GovukErrors; candidateId?: number } = {},
    status = 200,
  ) {
    const ward = req.ward!
    const [w, candidates, model] = await Promise.all([
      loadWorkspace(db, ward.id),
      listCandidates(db, ward.id),
      loadModel(db, ward.id),
    ])
    const text = new Map(w.items.map((i) => [i.ref, i.text]))
    return reply.page(
      `${V}/emerging.njk`,
      {
        ward,
        base: base(ward.code),
        pool: clusterPool(w, model).length,
        open: candidates
          .filter((c) => c.status === 'open')
          .map((c) => ({ ...c, quotes: c.quoteRefs.map((r) => text.get(r) ?? '') })),
        decided: candidates.filter((c) => c.status !== 'open'),
        translator: w.items.filter((i) => needsTranslator(i) && !isCoded(w, i.ref)),
        targets: w.active,
        errors: extra.errors,
        errorFor: extra.candidateId,
      },
      { status, form: true },
    )
  }

  app.get('/wards/:wardCode/understanding/emerging', officer('understanding.emerging.read'), async (req, reply) =>
    emergingPage(req, reply),
  )

  app.post('/wards/:wardCode/understanding/emerging', officer('understanding.emerging.run'), async (req, reply) => {
    const ward = req.ward!
    const [w, model] = await Promise.all([loadWorkspace(db, ward.id), loadModel(db, ward.id)])
    const { candidates } = proposeThemes(clusterPool(w, model), CLUSTER_SEED)
    await ctx.write((trx) => replaceOpenCandidates(trx, ward.id, CLUSTER_SEED, candidates))
    await ctx.sessions.flash(req, reply, 'success', req.t('understanding.emerging.ran', { count: candidates.length }))
    return reply.redirect(`${base(ward.code)}/emerging`, 303)
  })

  app.post(
    '/wards/:wardCode/understanding/emerging/:candidateId',
    officer('understanding.emerging.decide'),
    async (req, reply) => {
      const ward = req.ward!
      const id = numParam(req, 'candidateId')
      const [w, candidates] = await Promise.all([loadWorkspace(db, ward.id), listCandidates(db, ward.id)])
      const cand = candidates.find((c) => c.id === id && c.status === 'open')
      if (!cand) return notFound(reply)
      const parsed = DecisionForm.safeParse(req.body)
      const targetOk =
        !parsed.success || parsed.data.decision !== 'merge' || w.active.some((t) => t.id === parsed.data.targetId)
      if (!parsed.success || !targetOk)
        return emergingPage(
          req,
          reply,
          {
            errors: parsed.success
              ? {
                  list: [{ text: req.t('understanding.errors.targetRequired'), href: `#targetId-${cand.id}` }],
                  byField: { targetId: req.t('understanding.errors.targetRequired') },
                }
              : toGovukErrors(parsed.error, req.t, ['decision', 'name', 'targetId']),
            candidateId: cand.id,
          },
          400,
        )
      const by = me(req)
      const d = parsed.data
      await ctx.write(async (trx) => {
        if (d.decision === 'accept') {
          const themeId = await insertTheme(trx, ward.id, {
            parentId: null,
            name: d.name,
            definition: `Proposed from answers about: ${cand.keyPhrases.join(', ')}.`,
            examples: '',
          })
          await addThemeEvent(
            trx,
            ward.id,
            themeId,
            'accepted',
            { candidate: cand.id, keyPhrases: cand.keyPhrases },
            by,
          )
          await decideCandidate(trx, ward.id, cand.id, 'accepted', themeId, by)
        } else if (d.decision === 'merge') {
          await addThemeEvent(
            trx,
            ward.id,
            d.targetId!,
            'edited',
            { mergedCandidate: cand.id, keyPhrases: cand.keyPhrases },
            by,
          )
          await decideCandidate(trx, ward.id, cand.id, 'merged', d.targetId, by)
        } else await decideCandidate(trx, ward.id, cand.id, 'dismissed', null, by)
      })
      await ctx.sessions.flash(req, reply, 'success', req.t(`understanding.emerging.decided.${d.decision}`))
      return reply.redirect(`${base(ward.code)}/emerging`, 303)
    },
  )

  // --- Needs with evidence ---------------------------------------------------------------------------------

  async function needsPage(
    req: FastifyRequest,
    reply: FastifyReply,
    extra: { values?: Record<string, string>; errors?: GovukErrors } = {},
    status = 200,
  ) {
    const ward = req.ward!
    const [w, needs, evidence] = await Promise.all([
      loadWorkspace(db, ward.id),
      listNeeds(db, ward.id),
      listEvidence(db, ward.id),
    ])
    const themeName = names(w)
    return reply.page(
      `${V}/needs.njk`,
      {
        ward,
        base: base(ward.code),
        needs: needs.map((n) => ({
          ...n,
          themeName: n.themeId === null ? '' : themeName.get(n.themeId),
          evidence: evidence.filter((e) => e.needId === n.id).length,
        })),
        themes: w.active,
        values: extra.values ?? {},
        errors: extra.errors,
      },
      { status, form: true },
    )
  }

  app.get('/wards/:wardCode/understanding/needs', officer('understanding.needs.read'), async (req, reply) =>
    needsPage(req, reply),
  )

  app.post('/wards/:wardCode/understanding/needs', officer('understanding.need.create'), async (req, reply) => {
    const ward = req.ward!
    const parsed = NeedForm.safeParse(req.body)
    const w = await loadWorkspace(db, ward.id)
    if (!parsed.success || (parsed.data.themeId !== null && !w.active.some((t) => t.id === parsed.data.themeId)))
      return needsPage(
        req,
        reply,
        {
          values: fieldValues(req.body, NEED_FIELDS),
          errors: parsed.success
            ? oneError({ themeId: req.t('understanding.errors.themeInvalid') })
            : toGovukErrors(parsed.error, req.t, NEED_FIELDS),
        },
        400,
      )
    const by = me(req)
    const id = await ctx.write((trx) => insertNeed(trx, ward.id, { ...parsed.data, byUserId: by }))
    return reply.redirect(`${base(ward.code)}/needs/${id}`, 303)
  })

  async function needPage(
    req: FastifyRequest,
    reply: FastifyReply,
    extra: { errors?: GovukErrors } = {},
    status = 200,
  ) {
    const ward = req.ward!
    const id = numParam(req, 'needId')
    const [w, needs, evidence] = await Promise.all([
      loadWorkspace(db, ward.id),
      listNeeds(db, ward.id),
      listEvidence(db, ward.id),
    ])
    const need = needs.find((n) => n.id === id)
    if (!need) return notFound(reply)
    const linked = new Set(evidence.filter((e) => e.needId === need.id).map((e) => e.itemRef))
    const items = w.items.filter((i) => linked.has(i.ref))
    const agreed = agreedCodes(w)
    // Candidates to link: coded to the need's theme (or any coded text when it has none), not yet linked.
    const candidates = w.items
      .filter((i) => !linked.has(i.ref) && agreed.has(i.ref))
      .filter((i) => need.themeId === null || agreed.get(i.ref)!.themeIds.includes(need.themeId))
      .slice(0, 50)
    // Needs are the inputs of priority rounds: the ballot options made from this one, and how they stand.
    const [options, groups] = await Promise.all([
      listOptionsForNeeds(db, [need.id]),
      summariseNeedGroups(db, ward.id, items),
    ])
    return reply.page(
      `${V}/need.njk`,
      {
        ward,
        base: base(ward.code),
        need: { ...need, themeName: need.themeId === null ? '' : names(w).get(need.themeId) },
        evidence: summariseEvidence(items),
        groups: groups && {
          consultations: groups.consultations,
          total: groups.total,
          tables: needGroupTables(groups).map((tb) => ({
            ...tb,
            rows: tb.rows.map((r) => ({
              ...r,
              participantShareText: pct(r.participantShare),
              residentShareText: pct(r.residentShare),
            })),
          })),
        },
        quotes: [...items]
          .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))
          .slice(0, 5)
          .map((i) => i.text),
        options,
        candidates,
        errors: extra.errors,
      },
      { status, form: true },
    )
  }

  app.get('/wards/:wardCode/understanding/needs/:needId', officer('understanding.need.read'), async (req, reply) =>
    needPage(req, reply),
  )

  app.post(
    '/wards/:wardCode/understanding/needs/:needId/evidence',
    officer('understanding.evidence.add'),
    async (req, reply) => {
      const ward = req.ward!
      const id = numParam(req, 'needId')
      const [w, needs] = await Promise.all([loadWorkspace(db, ward.id), listNeeds(db, ward.id)])
      const need = needs.find((n) => n.id === id)
      if (!need) return notFound(reply)
      const parsed = EvidenceForm.safeParse(req.body)
      const agreed = agreedCodes(w)
      if (!parsed.success || !parsed.data.refs.every((r) => agreed.has(r)))
        return needPage(
          req,
          reply,
          {
            errors: oneError({ refs: req.t('understanding.errors.evidenceRequired') }),
          },
          400,
        )
      const by = me(req)
      await ctx.write((trx) => addEvidence(trx, ward.id, need.id, parsed.data.refs, by))
      await ctx.sessions.flash(req, reply, 'success', req.t('understanding.needs.linked'))
      return reply.redirect(`${base(ward.code)}/needs/${need.id}`, 303)
    },
  )

  // --- Open data: themes and needs ------------------------------------------------------------------------

  const count = {
    type: ['integer', 'null'],
    description: 'Disclosure-controlled: under 10 is null, others rounded to 5',
  }
  const evidenceSchema = {
    type: 'object',
    required: ['responses', 'people', 'areas', 'byQuarter', 'trend'],
    properties: {
      responses: count,
      people: count,
      areas: {
        type: 'array',
        items: {
          type: 'object',
          required: ['code', 'responses'],
          properties: { code: { type: ['string', 'null'] }, responses: count },
        },
      },
      byQuarter: {
        type: 'array',
        items: {
          type: 'object',
          required: ['quarter', 'responses'],
          properties: { quarter: { type: 'string', examples: ['2026-Q3'] }, responses: count },
        },
      },
      trend: { type: ['string', 'null'], enum: ['rising', 'falling', 'steady', null] },
      firstAt: { type: ['string', 'null'] },
      lastAt: { type: ['string', 'null'] },
    },
  }

  // A need's group profile is NOT published here. Each need draws on its own set of consultations, so two public
  // profiles whose sets differ by one consultation could be subtracted to recover that consultation's counts to
  // within the rounding; it stays on the officers' need page, where exact figures are allowed anyway.
  app.get(
    '/api/v1/wards/:wardCode/themes',
    {
      config: { access: { permission: 'public', wardParam: 'wardCode' } },
      schema: {
        tags: ['understanding'],
        summary:
          "The ward's coding frame (themes and sub-themes) with how many answers officers coded to each, and its " +
          'needs with their evidence summary. Every count is disclosure-controlled (under 10 null, others rounded ' +
          'to 5); quotes and group profiles are not published here.',
        params: { type: 'object', properties: { wardCode: { type: 'string' } }, required: ['wardCode'] },
        response: {
          200: {
            type: 'object',
            required: ['ward', 'themes', 'needs'],
            properties: {
              ward: {
                type: 'object',
                required: ['code', 'name'],
                properties: { code: { type: 'string' }, name: { type: 'string' } },
              },
              themes: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['id', 'name', 'parent', 'definition', 'responses'],
                  properties: {
                    id: { type: 'integer' },
                    name: { type: 'string' },
                    parent: { type: ['string', 'null'], description: "The parent theme's name, or null at top level" },
                    parentId: { type: ['integer', 'null'] },
                    definition: { type: 'string' },
                    responses: count,
                  },
                },
              },
              needs: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['id', 'statement', 'theme', 'evidence'],
                  properties: {
                    id: { type: 'integer' },
                    statement: { type: 'string' },
                    theme: { type: ['string', 'null'] },
                    evidence: evidenceSchema,
                  },
                },
              },
            },
          },
        },
      },
    },
    async (req) => {
      const ward = req.ward!
      const [w, needs, evidence] = await Promise.all([
        loadWorkspace(db, ward.id),
        listNeeds(db, ward.id),
        listEvidence(db, ward.id),
      ])
      const counts = themeCounts(w)
      const themeName = names(w)
      const byRef = new Map(w.items.map((i) => [i.ref, i]))
      return {
        ward: { code: ward.code, name: ward.name },
        themes: w.active.map((t) => ({
          id: t.id,
          name: t.name,
          parent: t.parentId === null ? null : (themeName.get(t.parentId) ?? null),
          parentId: t.parentId,
          definition: t.definition,
          // Each theme's count is published on its own (themes overlap: an answer can have several), so
          // secondary suppression across them would not protect anything; primary control applies to each.
          responses: disclose([counts.get(t.id) ?? 0])[0] ?? null,
        })),
        needs: await Promise.all(
          needs.map(async (n) => {
            const items = evidence
              .filter((e) => e.needId === n.id)
              .map((e) => byRef.get(e.itemRef))
              .filter((i): i is Item => i !== undefined)
            const summary = summariseEvidence(items)
            return {
              id: n.id,
              statement: n.statement,
              theme: n.themeId === null ? null : (themeName.get(n.themeId) ?? null),
              evidence: { ...summary, areas: summary.areas.map((a) => ({ ...a, code: a.code || null })) },
            }
          }),
        ),
      }
    },
  )

  // --- Supporting views: sentiment and key phrases -----------------------------------------------------------

  app.get('/wards/:wardCode/understanding/views', officer('understanding.views.read'), async (req, reply) => {
    const ward = req.ward!
    const w = await loadWorkspace(db, ward.id)
    const agreed = agreedCodes(w)
    // English answers only: the lexicon is English, and scoring other languages with it would mislead.
    const english = w.items.filter((i) => i.language.language !== 'other')
    const byTheme = w.active.map((t) => ({
      key: t.name,
      texts: english.filter((i) => agreed.get(i.ref)?.themeIds.includes(t.id)).map((i) => i.text),
    }))
    const areaKeys = [...new Set(english.map((i) => i.areaCode ?? ''))].sort()
    const byArea = areaKeys.map((code) => ({
      key: code,
      texts: english.filter((i) => (i.areaCode ?? '') === code).map((i) => i.text),
    }))
    const publish = (v: GroupView) => {
      const [negative = null, neutral = null, positive = null] = disclose([v.negative, v.neutral, v.positive])
      return { ...v, texts: disclose([v.texts])[0] ?? null, negative, neutral, positive }
    }
    return reply.page(`${V}/views.njk`, {
      ward,
      base: base(ward.code),
      themes: groupViews(byTheme.filter((g) => g.texts.length > 0)).map(publish),
      areas: groupViews(byArea).map(publish),
      english: english.length,
      sample: english.slice(0, 3).map((i) => ({ text: i.text, ...sentiment(i.text) })),
    })
  })
}
