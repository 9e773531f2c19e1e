import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ANONYMOUS, type Actor } from '../../platform/access/index.js'
import type { PlatformContext } from '../../platform/module.js'
import type { Ward } from '../../platform/tenancy/index.js'
import { fieldValues, toGovukErrors, type GovukErrors } from '../../platform/views/index.js'
import { fromMessages } from '../../platform/views/forms.js'
import type { AccountsService } from '../accounts/index.js'
import { listWardAreas, listWardFigures } from '../geography/index.js'
import {
  checkFeasibility,
  compileProblem,
  loadSolver,
  randomSeed,
  type FeasibilityIssue,
  type FeasibilityReport,
  type Quota,
} from './selection/index.js'
import {
  DrawForm,
  ImportForm,
  InterestsForm,
  OfficerRespondForm,
  RespondForm,
  SettingsHead,
  VOLUNTEER_FIELDS,
  VolunteerForm,
} from './panel.forms.js'
import {
  AREA_UNKNOWN,
  buildInstance,
  completeQuotas,
  FEATURES,
  openQuotas,
  parsePoolCsv,
  quotasCsv,
  suggestQuotas,
  type Feature,
  type FeatureValues,
  type WardFigure,
} from './panel.rules.js'
import {
  countPool,
  findMemberByUser,
  findVolunteerByUser,
  getSettings,
  latestRun,
  listDrawnRuns,
  listMembers,
  listPool,
  saveSettings,
  setInterests,
  upsertVolunteer,
  withdrawVolunteer,
} from './panel.repository.js'
import { createPanelService } from './panel.service.js'

const V = 'panel/views'

export interface PanelDeps {
  accounts: AccountsService
  /** The ward's Census reference figures; defaults to the geography module's listWardFigures (tests pass their own). */
  wardFigures?: (wardId: number) => Promise<WardFigure[]>
  legacyRuns?: number
}

const manage = (audit: string) => ({
  config: { access: { permission: 'panel.manage', wardParam: 'wardCode' }, audit },
})
const volunteer = { config: { access: { permission: 'panel.volunteer' } } }

export function registerPanelRoutes(app: FastifyInstance, ctx: PlatformContext, deps: PanelDeps): void {
  const { db } = ctx
  const wardFigures = deps.wardFigures ?? ((wardId: number) => listWardFigures(db, wardId))
  const service = createPanelService({
    db,
    write: ctx.write,
    audit: ctx.audit,
    legacyRuns: deps.legacyRuns ?? 2000,
    async grantPanelRole(userId, wardId) {
      // Granted by the panel process itself (audited as "system" by the accounts module); a repeat is harmless.
      await deps.accounts.grantRole(ANONYMOUS, userId, { councilId: ctx.councilId, wardId, role: 'panel_member' })
    },
  })

  async function areasOf(wardId: number) {
    return listWardAreas(db, wardId, 'lsoa')
  }

  function valueLabel(req: FastifyRequest, areaNames: Map<string, string>, category: string, value: string): string {
    if (category === 'area')
      return value === AREA_UNKNOWN ? req.t('panel.values.area.unknown') : (areaNames.get(value) ?? value)
    return req.t(`panel.values.${category}.${value}`)
  }

  /** Why no panel can be drawn, in the reader's language, with features and values named as officers see them. */
  function issueText(req: FastifyRequest, areaNames: Map<string, string>, i: FeasibilityIssue): string {
    const feature = (category: string) => req.t(`panel.features.${category}`)
    switch (i.kind) {
      case 'pool-too-small':
        return req.t('panel.feasibility.poolTooSmall', { k: i.k, available: i.available })
      case 'category-sum':
        return i.sumMin > i.k
          ? req.t('panel.feasibility.minimumsTooHigh', { feature: feature(i.category), sum: i.sumMin, k: i.k })
          : req.t('panel.feasibility.maximumsTooLow', { feature: feature(i.category), sum: i.sumMax, k: i.k })
      case 'quota-above-pool':
        return req.t('panel.feasibility.quotaAbovePool', {
          min: i.min,
          feature: feature(i.category),
          value: valueLabel(req, areaNames, i.category, i.value),
          available: i.available,
        })
      case 'unknown-value':
        return req.t('panel.feasibility.unknownValue', {
          id: i.respondentId,
          feature: feature(i.category),
          value: i.value,
        })
      case 'no-feasible-panel':
        return req.t(i.households ? 'panel.feasibility.noPanelHouseholds' : 'panel.feasibility.noPanel')
    }
  }

  async function homeWard(actor: Actor): Promise<Ward | undefined> {
    if (actor.kind !== 'user' || actor.homeWardId === null) return undefined
    const ward = (await ctx.wards.list({ activeOnly: true })).find((w) => w.id === actor.homeWardId)
    return ward
  }

  // --- Residents ---------------------------------------------------------------------------------

  async function residentPage(
    req: FastifyRequest,
    reply: FastifyReply,
    extra: Record<string, unknown> = {},
    status = 200,
  ) {
    const actor = req.actor
    const ward = await homeWard(actor)
    if (!ward || actor.kind !== 'user') return reply.page(`${V}/resident.njk`, { ward: undefined }, { status })
    const areas = await areasOf(ward.id)
    const [own, member] = await Promise.all([
      findVolunteerByUser(db, ward.id, actor.userId),
      findMemberByUser(db, ward.id, actor.userId),
    ])
    return reply.page(
      `${V}/resident.njk`,
      {
        ward,
        areas,
        volunteered: own?.status === 'active',
        member,
        values: {},
        ...extra,
      },
      { status, form: true },
    )
  }

  app.get('/account/panel', volunteer, async (req, reply) => residentPage(req, reply))

  app.post('/account/panel/volunteer', volunteer, async (req, reply) => {
    const actor = req.actor
    const ward = await homeWard(actor)
    if (!ward || actor.kind !== 'user') return residentPage(req, reply, {}, 400)
    const parsed = VolunteerForm.safeParse(req.body)
    const areas = await areasOf(ward.id)
    let errors: GovukErrors | undefined
    if (!parsed.success) errors = toGovukErrors(parsed.error, req.t, VOLUNTEER_FIELDS)
    else if (parsed.data.area !== AREA_UNKNOWN && !areas.some((a) => a.code === parsed.data.area))
      errors = fromMessages({ area: req.t('panel.errors.areaRequired') })
    if (errors || !parsed.success)
      return residentPage(req, reply, { values: fieldValues(req.body, VOLUNTEER_FIELDS), errors }, 400)
    if (await findMemberByUser(db, ward.id, actor.userId)) return reply.redirect('/account/panel', 303)
    const d = parsed.data
    const user = await deps.accounts.getUser(actor.userId)
    const values: FeatureValues = {
      age_band: d.age_band,
      sex: d.sex,
      ethnic_group: d.ethnic_group,
      disability: d.disability === 'yes' ? 'disabled' : d.disability === 'no' ? 'not-disabled' : d.disability,
      tenure: d.tenure,
      area: d.area,
    }
    await ctx.write((trx) =>
      upsertVolunteer(trx, {
        wardId: ward.id,
        userId: actor.userId,
        source: 'self',
        externalRef: null,
        values,
        // The postcode stands in for the household; it is used only if the officer asks for one per household.
        household: user?.postcode ? user.postcode.toUpperCase().replace(/\s+/g, '') : null,
      }),
    )
    await ctx.sessions.flash(req, reply, 'success', req.t('panel.resident.thanks'))
    return reply.redirect('/account/panel', 303)
  })

  app.post('/account/panel/withdraw', volunteer, async (req, reply) => {
    const actor = req.actor
    const ward = await homeWard(actor)
    if (!ward || actor.kind !== 'user') return residentPage(req, reply, {}, 400)
    const own = await findVolunteerByUser(db, ward.id, actor.userId)
    const member = await findMemberByUser(db, ward.id, actor.userId)
    // Someone already drawn answers the invitation instead (a decline is what frees the seat for a replacement).
    if (!own || own.status !== 'active' || member) return reply.redirect('/account/panel', 303)
    await ctx.write((trx) => withdrawVolunteer(trx, own.id))
    await ctx.sessions.flash(req, reply, 'success', req.t('panel.resident.withdrawn'))
    return reply.redirect('/account/panel', 303)
  })

  app.post('/account/panel/respond', volunteer, async (req, reply) => {
    const actor = req.actor
    const ward = await homeWard(actor)
    if (!ward || actor.kind !== 'user') return residentPage(req, reply, {}, 400)
    const parsed = RespondForm.safeParse(req.body)
    if (!parsed.success)
      return residentPage(req, reply, { errors: toGovukErrors(parsed.error, req.t, ['answer']) }, 400)
    const member = await findMemberByUser(db, ward.id, actor.userId)
    if (!member || member.status !== 'invited') return reply.redirect('/account/panel', 303)
    await service.respond(ward.id, member, parsed.data.answer === 'accept' ? 'accepted' : 'declined', actor)
    await ctx.sessions.flash(
      req,
      reply,
      'success',
      req.t(parsed.data.answer === 'accept' ? 'panel.resident.accepted' : 'panel.resident.declined'),
    )
    return reply.redirect('/account/panel', 303)
  })

  app.post('/account/panel/interests', volunteer, async (req, reply) => {
    const actor = req.actor
    const ward = await homeWard(actor)
    if (!ward || actor.kind !== 'user') return residentPage(req, reply, {}, 400)
    const member = await findMemberByUser(db, ward.id, actor.userId)
    if (!member || member.status !== 'accepted') return reply.redirect('/account/panel', 303)
    const parsed = InterestsForm.safeParse(req.body)
    if (!parsed.success)
      return residentPage(
        req,
        reply,
        { values: fieldValues(req.body, ['interests']), errors: toGovukErrors(parsed.error, req.t, ['interests']) },
        400,
      )
    await ctx.write((trx) => setInterests(trx, member.id, parsed.data.interests))
    await ctx.sessions.flash(req, reply, 'success', req.t('panel.resident.interestsSaved'))
    return reply.redirect('/account/panel', 303)
  })

  // --- Public -----------------------------------------------------------------------------------

  app.get(
    '/wards/:wardCode/panel',
    { config: { access: { permission: 'public', wardParam: 'wardCode' } } },
    async (req, reply) => {
      const ward = req.ward!
      const runs = await listDrawnRuns(db, ward.id)
      const members = await listMembers(db, ward.id)
      const initial = runs.find((r) => r.kind === 'initial')
      return reply.page(`${V}/public.njk`, {
        ward,
        runs: runs.map((r) => ({
          kind: r.kind,
          k: r.k,
          n: r.n,
          seed: r.seed,
          minProbability: r.minProbability,
          ratio: r.n > 0 ? r.k / r.n : 0,
          hash: r.probabilitiesHash,
          drawnAt: r.drawnAt,
        })),
        size: initial?.k,
        accepted: members.filter((m) => m.status === 'accepted').length,
      })
    },
  )

  // --- Officers ----------------------------------------------------------------------------------

  const base = (ward: Ward) => `/wards/${ward.code}/panel/manage`

  async function dashboard(
    req: FastifyRequest,
    reply: FastifyReply,
    extra: Record<string, unknown> = {},
    status = 200,
  ) {
    const ward = req.ward!
    const [settings, poolSize, run, members, runs] = await Promise.all([
      getSettings(db, ward.id),
      countPool(db, ward.id),
      latestRun(db, ward.id),
      listMembers(db, ward.id),
      listDrawnRuns(db, ward.id),
    ])
    const names = new Map<number, string>()
    for (const m of members)
      if (m.userId !== null) names.set(m.userId, (await deps.accounts.getUser(m.userId))?.name ?? '')
    const live = members.filter((m) => m.status !== 'declined').length
    return reply.page(
      `${V}/dashboard.njk`,
      {
        ward,
        base: base(ward),
        settings,
        poolSize,
        run,
        runs,
        members: members.map((m) => ({ ...m, name: m.userId !== null ? names.get(m.userId) : undefined })),
        openSeats: run?.drawnAt ? Math.max(0, run.k - live) : 0,
        seed: randomSeed(),
        ...extra,
      },
      { status, form: true },
    )
  }

  app.get('/wards/:wardCode/panel/manage', manage('panel.dashboard.read'), async (req, reply) => dashboard(req, reply))

  app.get('/wards/:wardCode/panel/manage/pool', manage('panel.pool.read'), async (req, reply) => {
    const ward = req.ward!
    const areas = await areasOf(ward.id)
    const names = new Map(areas.map((a) => [a.code, a.name]))
    const pool = await listPool(db, ward.id)
    return reply.page(`${V}/pool.njk`, {
      ward,
      base: base(ward),
      features: FEATURES,
      pool: pool.map((v) => ({
        pseudonym: v.pseudonym,
        source: v.source,
        externalRef: v.externalRef,
        cells: FEATURES.map((f) => valueLabel(req, names, f, v.values[f])),
      })),
    })
  })

  const importPage = (req: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown>, status = 200) =>
    reply.page(
      `${V}/import.njk`,
      { ward: req.ward, base: base(req.ward!), values: {}, columns: FEATURES, ...extra },
      { status, form: true },
    )

  app.get('/wards/:wardCode/panel/manage/import', manage('panel.import.read'), async (req, reply) =>
    importPage(req, reply, {}),
  )

  app.post('/wards/:wardCode/panel/manage/import', manage('panel.pool.import'), async (req, reply) => {
    const ward = req.ward!
    const parsed = ImportForm.safeParse(req.body)
    const values = fieldValues(req.body, ['csv', 'consent'])
    if (!parsed.success)
      return importPage(req, reply, { values, errors: toGovukErrors(parsed.error, req.t, ['csv', 'consent']) }, 400)
    const areas = await areasOf(ward.id)
    const { rows, errors } = parsePoolCsv(
      parsed.data.csv,
      areas.map((a) => a.code),
    )
    if (errors.length > 0)
      return importPage(
        req,
        reply,
        {
          values,
          rowErrors: errors.slice(0, 200),
          moreErrors: Math.max(0, errors.length - 200),
          errors: fromMessages({ csv: req.t('panel.errors.csvRows', { count: errors.length }) }),
        },
        400,
      )
    // All rows in one unit of work: either the whole file is in the pool or none of it is.
    await ctx.write(async (trx) => {
      for (const r of rows)
        await upsertVolunteer(trx, {
          wardId: ward.id,
          userId: null,
          source: 'import',
          externalRef: r.externalRef,
          values: r.values,
          household: r.household,
        })
    })
    await ctx.sessions.flash(req, reply, 'success', req.t('panel.import.done', { count: rows.length }))
    return reply.redirect(base(ward), 303)
  })

  async function quotasPage(
    req: FastifyRequest,
    reply: FastifyReply,
    state: {
      k: number
      onePerHousehold: boolean
      tolerance: number
      quotas: Quota[]
      values?: Record<string, string>
      errors?: GovukErrors
      feasibility?: FeasibilityReport
      notice?: string
    },
    status = 200,
  ) {
    const ward = req.ward!
    const areas = await areasOf(ward.id)
    const names = new Map(areas.map((a) => [a.code, a.name]))
    const pool = await listPool(db, ward.id)
    const inPool = (q: Quota) => pool.filter((v) => v.values[q.category as Feature] === q.value).length
    const label = (category: string, value: string) => valueLabel(req, names, category, value)
    const relaxation = state.feasibility?.relaxation
    return reply.page(
      `${V}/quotas.njk`,
      {
        ward,
        base: base(ward),
        ...state,
        poolSize: pool.length,
        rows: state.quotas.map((q, i) => ({
          ...q,
          i,
          label: label(q.category, q.value),
          // Each input's own name: several features have a "Prefer not to say" row.
          fullLabel: `${req.t(`panel.features.${q.category}`)}: ${label(q.category, q.value)}`,
          inPool: inPool(q),
          minValue: state.values?.[`min_${i}`] ?? String(q.min),
          maxValue: state.values?.[`max_${i}`] ?? String(q.max),
        })),
        issues: (state.feasibility?.issues ?? []).map((i) => issueText(req, names, i)),
        relaxation: relaxation
          ? {
              changes: relaxation.changes.map((c) => ({
                ...c,
                label: `${req.t(`panel.features.${c.category}`)}: ${label(c.category, c.value)}`,
              })),
              quotas: relaxation.quotas,
            }
          : undefined,
      },
      { status, form: true },
    )
  }

  app.get('/wards/:wardCode/panel/manage/quotas', manage('panel.quotas.read'), async (req, reply) => {
    const ward = req.ward!
    const codes = (await areasOf(ward.id)).map((a) => a.code)
    const settings = await getSettings(db, ward.id)
    const k = settings?.k ?? 12
    return quotasPage(req, reply, {
      k,
      onePerHousehold: settings?.onePerHousehold ?? false,
      tolerance: 1,
      quotas: settings ? completeQuotas(settings.quotas, codes, k) : openQuotas(codes, k),
    })
  })

  app.post('/wards/:wardCode/panel/manage/quotas', manage('panel.quotas.update'), async (req, reply) => {
    const ward = req.ward!
    const areas = await areasOf(ward.id)
    const codes = areas.map((a) => a.code)
    const head = SettingsHead.safeParse(req.body)
    const template = openQuotas(codes, 0)
    const fieldNames = template.flatMap((_, i) => [`min_${i}`, `max_${i}`])
    const values = fieldValues(req.body, ['k', 'tolerance', ...fieldNames])
    if (!head.success) {
      const settings = await getSettings(db, ward.id)
      return quotasPage(
        req,
        reply,
        {
          k: settings?.k ?? 12,
          onePerHousehold: settings?.onePerHousehold ?? false,
          tolerance: 1,
          quotas: settings ? completeQuotas(settings.quotas, codes, settings.k) : openQuotas(codes, 12),
          values,
          errors: toGovukErrors(head.error, req.t, ['k', 'tolerance']),
        },
        400,
      )
    }
    const { k, tolerance, action } = head.data
    const onePerHousehold = head.data.onePerHousehold === 'yes'
    if (action === 'suggest') {
      const figures = await wardFigures(ward.id)
      if (figures.length === 0)
        return quotasPage(req, reply, {
          k,
          onePerHousehold,
          tolerance,
          quotas: openQuotas(codes, k),
          notice: req.t('panel.quotas.noFigures'),
        })
      const quotas = suggestQuotas({ k, tolerance, figures, areas })
      return quotasPage(req, reply, { k, onePerHousehold, tolerance, quotas, notice: req.t('panel.quotas.suggested') })
    }
    // Read the table: every bound a whole number in 0..k, min ≤ max. An error names the row as the table shows it
    // ("Sex: Prefer not to say"), since several features share a value such as prefer-not-to-say.
    const names = new Map(areas.map((a) => [a.code, a.name]))
    const byField: Record<string, string> = {}
    const quotas = template.map((q, i) => {
      const value = `${req.t(`panel.features.${q.category}`)}: ${valueLabel(req, names, q.category, q.value)}`
      const read = (bound: 'min' | 'max'): number => {
        const name = `${bound}_${i}`
        const raw = (values[name] ?? '').trim()
        if (!/^\d{1,4}$/.test(raw) || Number(raw) > k) {
          byField[name] = req.t(bound === 'min' ? 'panel.errors.minInvalid' : 'panel.errors.maxInvalid', { k, value })
          return 0
        }
        return Number(raw)
      }
      const min = read('min')
      const max = read('max')
      if (!byField[`min_${i}`] && !byField[`max_${i}`] && min > max)
        byField[`min_${i}`] = req.t('panel.errors.minAboveMax', { value })
      return { ...q, min, max }
    })
    if (Object.keys(byField).length > 0)
      return quotasPage(
        req,
        reply,
        { k, onePerHousehold, tolerance, quotas, values, errors: fromMessages(byField, fieldNames) },
        400,
      )
    if (action === 'check') {
      const pool = await listPool(db, ward.id)
      const solver = await loadSolver()
      const problem = compileProblem(buildInstance(pool, quotas, k), { households: onePerHousehold })
      const feasibility = checkFeasibility(solver, problem)
      return quotasPage(req, reply, {
        k,
        onePerHousehold,
        tolerance,
        quotas,
        feasibility,
        notice: req.t(feasibility.feasible ? 'panel.quotas.feasible' : 'panel.quotas.infeasible'),
      })
    }
    await ctx.write((trx) =>
      saveSettings(trx, ward.id, { k, onePerHousehold, quotas }, req.actor.kind === 'user' ? req.actor.userId : null),
    )
    await ctx.sessions.flash(req, reply, 'success', req.t('panel.quotas.saved'))
    return reply.redirect(base(ward), 303)
  })

  app.post('/wards/:wardCode/panel/manage/select', manage('panel.selection.run'), async (req, reply) => {
    const ward = req.ward!
    const outcome = await service.runSelection(ward.id, req.actor)
    if (outcome.ok) return reply.redirect(`${base(ward)}/selection`, 303)
    if (outcome.reason === 'infeasible') {
      const settings = (await getSettings(db, ward.id))!
      return quotasPage(
        req,
        reply,
        {
          k: settings.k,
          onePerHousehold: settings.onePerHousehold,
          tolerance: 1,
          quotas: settings.quotas,
          feasibility: outcome.feasibility,
          notice: req.t('panel.quotas.infeasible'),
        },
        409,
      )
    }
    return dashboard(req, reply, { problem: req.t(`panel.errors.${outcome.reason}`) }, 409)
  })

  async function selectionPage(
    req: FastifyRequest,
    reply: FastifyReply,
    extra: Record<string, unknown> = {},
    status = 200,
  ) {
    const ward = req.ward!
    const run = await latestRun(db, ward.id)
    if (!run) return reply.redirect(base(ward), 303)
    const legacy = new Map(run.legacyProbabilities ?? [])
    const rows = run.probabilities
      .map(([id, p]) => ({ id, p, legacy: legacy.get(id) }))
      .sort((a, b) => a.p - b.p || a.id.localeCompare(b.id))
    return reply.page(
      `${V}/selection.njk`,
      {
        ward,
        base: base(ward),
        run,
        rows,
        ratio: run.n > 0 ? run.k / run.n : 0,
        seed: randomSeed(),
        quotasCsv: quotasCsv((JSON.parse(run.instanceJson) as { quotas: Quota[] }).quotas),
        ...extra,
      },
      { status, form: true },
    )
  }

  app.get('/wards/:wardCode/panel/manage/selection', manage('panel.selection.read'), async (req, reply) =>
    selectionPage(req, reply),
  )

  app.post('/wards/:wardCode/panel/manage/draw', manage('panel.draw'), async (req, reply) => {
    const ward = req.ward!
    const parsed = DrawForm.safeParse(req.body)
    if (!parsed.success) {
      if (!(await latestRun(db, ward.id))) return dashboard(req, reply, { problem: req.t('panel.errors.no-run') }, 409)
      return selectionPage(req, reply, { errors: toGovukErrors(parsed.error, req.t, ['seed']) }, 400)
    }
    const outcome = await service.draw(ward.id, req.actor, parsed.data.seed)
    if (!outcome.ok) return dashboard(req, reply, { problem: req.t(`panel.errors.${outcome.reason}`) }, 409)
    await ctx.sessions.flash(req, reply, 'success', req.t('panel.draw.done', { count: outcome.panel.length }))
    return reply.redirect(base(ward), 303)
  })

  app.post('/wards/:wardCode/panel/manage/respond', manage('panel.invitation.record'), async (req, reply) => {
    const ward = req.ward!
    const parsed = OfficerRespondForm.safeParse(req.body)
    if (!parsed.success) return dashboard(req, reply, { errors: toGovukErrors(parsed.error, req.t, ['memberId']) }, 400)
    const member = (await listMembers(db, ward.id)).find((m) => m.id === parsed.data.memberId)
    // Officers answer only for people without an account here (imported pools); residents answer for themselves.
    if (!member || member.userId !== null || member.status !== 'invited')
      return dashboard(req, reply, { errors: fromMessages({ memberId: req.t('panel.errors.memberInvalid') }) }, 400)
    await service.respond(ward.id, member, parsed.data.answer === 'accept' ? 'accepted' : 'declined', req.actor)
    await ctx.sessions.flash(req, reply, 'success', req.t('panel.manage.recorded'))
    return reply.redirect(base(ward), 303)
  })

  app.post('/wards/:wardCode/panel/manage/replace', manage('panel.replacement.run'), async (req, reply) => {
    const ward = req.ward!
    const parsed = DrawForm.safeParse(req.body)
    if (!parsed.success) return dashboard(req, reply, { errors: toGovukErrors(parsed.error, req.t, ['seed']) }, 400)
    const outcome = await service.replace(ward.id, req.actor, parsed.data.seed)
    const names = new Map((await areasOf(ward.id)).map((a) => [a.code, a.name]))
    if (!outcome.ok)
      return dashboard(
        req,
        reply,
        {
          problem: req.t(`panel.errors.${outcome.reason}`),
          issues:
            outcome.reason === 'infeasible' ? outcome.feasibility.issues.map((i) => issueText(req, names, i)) : [],
        },
        409,
      )
    await ctx.sessions.flash(req, reply, 'success', req.t('panel.draw.replaced', { count: outcome.drawn.length }))
    return reply.redirect(base(ward), 303)
  })
}
