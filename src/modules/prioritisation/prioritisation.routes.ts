import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { renderStatusPage } from '../../platform/http/web.js'
import type { PlatformContext } from '../../platform/module.js'
import type { Ward } from '../../platform/tenancy/index.js'
import { fieldValues, toGovukErrors, type GovukErrors } from '../../platform/views/index.js'
import { fromMessages } from '../../platform/views/forms.js'
import { findUserByEmail, searchUsers, type AccountsService } from '../accounts/index.js'
import {
  basketTotal,
  checkBallot,
  discloseCount,
  nameKey,
  projectId,
  rulesFor,
  type BallotProblem,
  type Choices,
  type StoredResult,
} from './ballot.rules.js'
import {
  IdParams,
  OPTION_FIELDS,
  OptionForm,
  OptionParams,
  PAPER_FIELDS,
  PaperVoterForm,
  ROUND_FIELDS,
  RoundForm,
} from './prioritisation.forms.js'
import {
  countVoted,
  deleteDraftOption,
  findRound,
  findVoted,
  getPublished,
  insertOption,
  insertRound,
  listOptions,
  listRounds,
  updateDraftRound,
  type Round,
  type RoundOption,
  type RoundSettings,
} from './prioritisation.repository.js'
import { createPrioritisationService } from './prioritisation.service.js'
import { RULES, isRuleId } from './rules/index.js'

const V = 'prioritisation/views'

export interface PrioritisationDeps {
  accounts: AccountsService
}

const read = { config: { access: { permission: 'public', wardParam: 'wardCode' } } }
const vote = { config: { access: { permission: 'prioritisation.vote', wardParam: 'wardCode' } } }
const manage = (audit: string) => ({
  config: { access: { permission: 'prioritisation.manage', wardParam: 'wardCode' }, audit },
})

/** £1,234.50 (or £1,234 for whole pounds), from integer pence. */
export function formatPence(pence: number): string {
  const pounds = Math.floor(pence / 100)
  const rest = pence % 100
  return `£${pounds.toLocaleString('en-GB')}${rest === 0 ? '' : `.${String(rest).padStart(2, '0')}`}`
}

const asArray = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x) => typeof x === 'string') : typeof v === 'string' ? [v] : []

/** Reads the ballot fields of the vote (or paper entry) form; the shape follows the round's ballot type. */
function readChoices(round: Round, options: RoundOption[], body: unknown): Choices {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
  const known = new Map(options.map((o) => [String(o.id), o.id]))
  const idOf = (s: string) => known.get(s) ?? -1
  switch (round.rules.ballotType) {
    case 'ranking': {
      const ids: number[] = []
      for (let i = 1; i <= round.rules.rankK; i++) {
        const v = b[`rank_${i}`]
        if (typeof v === 'string' && v !== '') ids.push(idOf(v))
      }
      return { kind: 'ranking', ids }
    }
    case 'cumulative': {
      const points: [number, number][] = []
      for (const o of options) {
        const v = b[`points_${o.id}`]
        const s = typeof v === 'string' ? v.trim() : ''
        if (s === '') continue
        points.push([o.id, /^\d{1,6}$/.test(s) ? Number(s) : -1])
      }
      return { kind: 'points', points }
    }
    default:
      return { kind: 'set', ids: asArray(b.options).map(idOf) }
  }
}

function ballotValues(round: Round, options: RoundOption[], body: unknown): Record<string, string | string[]> {
  const names = [
    'declaration',
    ...Array.from({ length: round.rules.rankK }, (_, i) => `rank_${i + 1}`),
    ...options.map((o) => `points_${o.id}`),
    ...PAPER_FIELDS,
  ]
  const values: Record<string, string | string[]> = fieldValues(body, names)
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
  values.options = asArray(b.options)
  return values
}

function problemMessage(req: FastifyRequest, p: BallotProblem): string {
  switch (p.code) {
    case 'tooFew':
      return req.t('prioritisation.errors.ballot.tooFew', { count: p.min })
    case 'tooMany':
      return req.t('prioritisation.errors.ballot.tooMany', { count: p.max })
    case 'overBudget':
      return req.t('prioritisation.errors.ballot.overBudget', {
        total: formatPence(p.totalPence),
        budget: formatPence(p.budgetPence),
      })
    case 'tooManyPoints':
      return req.t('prioritisation.errors.ballot.tooManyPoints', { total: p.total, max: p.max })
    default:
      return req.t(`prioritisation.errors.ballot.${p.code}`)
  }
}

export function registerPrioritisationRoutes(app: FastifyInstance, ctx: PlatformContext, deps: PrioritisationDeps) {
  const { db } = ctx
  const service = createPrioritisationService({ db, write: ctx.write, secretKey: ctx.config.secretKey })
  const themes = ctx.tenant.startingThemes
  const themeName = (slug: string) => themes.find((t) => t.slug === slug)?.name ?? slug
  const base = (ward: Ward) => `/wards/${ward.code}/priorities`
  const manageBase = (ward: Ward) => `${base(ward)}/manage`

  async function loadRound(req: FastifyRequest): Promise<Round | undefined> {
    const p = IdParams.safeParse(req.params)
    if (!p.success) return undefined
    return findRound(db, req.ward!.id, p.data.roundId)
  }

  const optionView = (o: RoundOption) => ({ ...o, cost: formatPence(o.costPence), themeName: themeName(o.theme) })
  const roundView = (req: FastifyRequest, r: Round) => ({
    ...r,
    budget: formatPence(r.rules.budgetPence),
    ruleTitle: RULES[r.rules.ruleId].title,
    ruleSummary: RULES[r.rules.ruleId].summary,
    ballotTypeName: req.t(`prioritisation.ballotTypes.${r.rules.ballotType}`),
  })

  // --- Public -----------------------------------------------------------------------------------

  app.get('/wards/:wardCode/priorities', read, async (req, reply) => {
    const ward = req.ward!
    const rounds = await listRounds(db, ward.id)
    return reply.page(`${V}/rounds.njk`, { ward, base: base(ward), rounds: rounds.map((r) => roundView(req, r)) })
  })

  app.get('/wards/:wardCode/priorities/:roundId', read, async (req, reply) => {
    const ward = req.ward!
    const round = await loadRound(req)
    if (!round || round.status === 'draft') return renderStatusPage(req, reply, 404)
    const options = await listOptions(db, round.id)
    const actor = req.actor
    const eligible = actor.kind === 'user' && actor.homeWardId === ward.id
    const voted = actor.kind === 'user' ? await findVoted(db, round.id, `user:${actor.userId}`) : undefined
    return reply.page(`${V}/round.njk`, {
      ward,
      base: base(ward),
      round: roundView(req, round),
      options: options.map(optionView),
      signedIn: actor.kind === 'user',
      eligible,
      voted: voted !== undefined,
    })
  })

  async function resultOf(round: Round): Promise<StoredResult | undefined> {
    const published = await getPublished(db, round.id)
    return published?.resultJson ? (JSON.parse(published.resultJson) as StoredResult) : undefined
  }

  app.get('/wards/:wardCode/priorities/:roundId/results', read, async (req, reply) => {
    const ward = req.ward!
    const round = await loadRound(req)
    if (!round || round.status !== 'closed') return renderStatusPage(req, reply, 404)
    const result = await resultOf(round)
    if (!result) return renderStatusPage(req, reply, 404)
    const options = await listOptions(db, round.id)
    const titles = new Map(options.map((o) => [projectId(o.id), o.title]))
    // Explanations name options by their file id (P12); residents read the option's title instead.
    const plain = (message: string) => message.replace(/\bP(\d+)\b/g, (m) => `“${titles.get(m) ?? m}”`)
    const order = [
      ...result.selected,
      ...options.map((o) => projectId(o.id)).filter((id) => !result.selected.includes(id)),
    ]
    const byId = new Map(options.map((o) => [projectId(o.id), o]))
    const rows = order.flatMap((pid) => {
      const o = byId.get(pid)
      const e = result.explanations[pid]
      if (!o || !e) return []
      return [{ ...optionView(o), funded: e.selected, message: plain(e.message), pid }]
    })
    return reply.page(`${V}/results.njk`, {
      ward,
      base: base(ward),
      round: roundView(req, round),
      rows,
      spent: formatPence(Math.round(Number(result.spent) * 100)),
      turnout: discloseCount(result.ballots),
      canDownload: discloseCount(result.ballots) !== null,
      pbSha256: result.pbSha256,
    })
  })

  app.get('/wards/:wardCode/priorities/:roundId/ballots.pb', read, async (req, reply) => {
    const ward = req.ward!
    const round = await loadRound(req)
    if (!round || round.status !== 'closed') return renderStatusPage(req, reply, 404)
    const published = await getPublished(db, round.id)
    const result = await resultOf(round)
    // With fewer than 10 ballots the file would give away the exact turnout that the results page hides.
    if (!published?.pb || !result || discloseCount(result.ballots) === null) return renderStatusPage(req, reply, 404)
    return reply
      .header('content-type', 'text/plain; charset=utf-8')
      .header('content-disposition', `attachment; filename="${ward.code}-round-${round.id}.pb"`)
      .send(published.pb)
  })

  const explanationSchema = {
    type: 'object',
    required: ['selected', 'reason', 'message'],
    properties: {
      selected: { type: 'boolean' },
      reason: { type: 'string' },
      stage: { type: 'string' },
      message: { type: 'string' },
      details: { type: 'object', additionalProperties: true },
    },
  }

  app.get(
    '/api/v1/wards/:wardCode/rounds/:roundId/results',
    {
      ...read,
      schema: {
        tags: ['priorities'],
        summary: "A closed priority round's outcome, the rule used, explanations and turnout (disclosure-controlled)",
        params: {
          type: 'object',
          properties: { wardCode: { type: 'string' }, roundId: { type: 'string' } },
          required: ['wardCode', 'roundId'],
        },
        response: {
          200: {
            type: 'object',
            required: ['ward', 'round', 'rule', 'selected', 'options'],
            properties: {
              ward: { type: 'string' },
              round: {
                type: 'object',
                properties: {
                  id: { type: 'integer' },
                  title: { type: 'string' },
                  ballotType: { type: 'string' },
                  budgetPence: { type: 'integer' },
                  closedAt: { type: ['string', 'null'] },
                  demo: { type: 'boolean' },
                },
              },
              rule: {
                type: 'object',
                properties: {
                  id: { type: 'string' },
                  title: { type: 'string' },
                  parameters: { type: 'object', additionalProperties: true },
                },
              },
              selected: { type: 'array', items: { type: 'string' } },
              spent: { type: 'string', description: 'pounds, exact decimal' },
              turnout: {
                type: ['integer', 'null'],
                description: 'ballots counted, rounded to 5; null when under 10',
              },
              ballotsFile: { type: ['string', 'null'] },
              ballotsSha256: { type: 'string' },
              options: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    id: { type: 'string' },
                    title: { type: 'string' },
                    theme: { type: 'string' },
                    place: { type: 'string' },
                    costPence: { type: 'integer' },
                    funded: { type: 'boolean' },
                    explanation: explanationSchema,
                  },
                },
              },
            },
          },
        },
      },
    },
    async (req, reply) => {
      const ward = req.ward!
      const round = await loadRound(req)
      const result = round?.status === 'closed' ? await resultOf(round) : undefined
      if (!round || !result) return renderStatusPage(req, reply, 404)
      const options = await listOptions(db, round.id)
      const turnout = discloseCount(result.ballots)
      return {
        ward: ward.code,
        round: {
          id: round.id,
          title: round.title,
          ballotType: round.rules.ballotType,
          budgetPence: round.rules.budgetPence,
          closedAt: round.closedAt,
          demo: round.isDemo,
        },
        rule: { id: result.rule, title: RULES[result.rule].title, parameters: result.parameters },
        selected: result.selected,
        spent: result.spent,
        turnout,
        ballotsFile: turnout === null ? null : `${ctx.config.publicUrl}${base(ward)}/${round.id}/ballots.pb`,
        ballotsSha256: result.pbSha256,
        options: options.map((o) => {
          const pid = projectId(o.id)
          return {
            id: pid,
            title: o.title,
            theme: o.theme,
            place: o.place,
            costPence: o.costPence,
            funded: result.selected.includes(pid),
            explanation: result.explanations[pid],
          }
        }),
      }
    },
  )

  // --- Voting -----------------------------------------------------------------------------------

  async function votePage(
    req: FastifyRequest,
    reply: FastifyReply,
    round: Round,
    extra: { values?: Record<string, string | string[]>; errors?: GovukErrors } = {},
    status = 200,
    paper = false,
  ) {
    const ward = req.ward!
    const options = await listOptions(db, round.id)
    const values = extra.values ?? {}
    const chosen = asArray(values.options)
    const total = basketTotal(
      chosen.map(Number),
      options.map((o) => ({ id: o.id, costPence: o.costPence })),
    )
    return reply.page(
      `${V}/vote.njk`,
      {
        ward,
        base: base(ward),
        manageBase: manageBase(ward),
        round: roundView(req, round),
        options: options.map((o) => ({ ...optionView(o), checked: chosen.includes(String(o.id)) })),
        ranks: Array.from({ length: round.rules.rankK }, (_, i) => i + 1),
        values,
        errors: extra.errors,
        total: formatPence(total),
        remaining: formatPence(round.rules.budgetPence - total),
        overBudget: total > round.rules.budgetPence,
        paper,
        action: paper ? `${manageBase(ward)}/${round.id}/paper` : `${base(ward)}/${round.id}/vote`,
      },
      { status, form: true },
    )
  }

  /** The resident may vote here: the round is open and its ward is their home ward. */
  function mayVote(req: FastifyRequest, round: Round | undefined): round is Round {
    const actor = req.actor
    return !!round && round.status === 'open' && actor.kind === 'user' && actor.homeWardId === req.ward!.id
  }

  app.get('/wards/:wardCode/priorities/:roundId/vote', vote, async (req, reply) => {
    const round = await loadRound(req)
    if (!round || round.status === 'draft') return renderStatusPage(req, reply, 404)
    if (!mayVote(req, round))
      return reply.page(`${V}/cannot-vote.njk`, { ward: req.ward, base: base(req.ward!), round }, { status: 403 })
    return votePage(req, reply, round)
  })

  app.post('/wards/:wardCode/priorities/:roundId/vote', vote, async (req, reply) => {
    const ward = req.ward!
    const round = await loadRound(req)
    if (!round || round.status === 'draft') return renderStatusPage(req, reply, 404)
    if (!mayVote(req, round) || req.actor.kind !== 'user')
      return reply.page(`${V}/cannot-vote.njk`, { ward, base: base(ward), round }, { status: 403 })
    const body = (req.body ?? {}) as Record<string, unknown>
    const values = ballotValues(round, await listOptions(db, round.id), body)
    // Without JavaScript the basket's running total is worked out by the server: "Update total" re-shows the page.
    if (body.action === 'check') return votePage(req, reply, round, { values })
    const outcome = await submit(req, round, body, {
      userId: req.actor.userId,
      personKey: `user:${req.actor.userId}`,
      nameKey: await ownNameKey(req.actor.userId),
      channel: 'online',
      enteredBy: null,
    })
    if ('errors' in outcome) return votePage(req, reply, round, { values, errors: outcome.errors }, outcome.status)
    await ctx.sessions.flash(
      req,
      reply,
      'success',
      req.t(outcome.replaced ? 'prioritisation.vote.replaced' : 'prioritisation.vote.thanks'),
    )
    return reply.redirect(`${base(ward)}/${round.id}`, 303)
  })

  async function ownNameKey(userId: number): Promise<string> {
    const user = await deps.accounts.getUser(userId)
    return nameKey(user?.name ?? `user ${userId}`, user?.postcode ?? '')
  }

  async function submit(
    req: FastifyRequest,
    round: Round,
    body: Record<string, unknown>,
    voter: Parameters<typeof service.castBallot>[1],
  ): Promise<{ replaced: boolean } | { errors: GovukErrors; status: number }> {
    const byField: Record<string, string> = {}
    if (round.minAge > 0 && body.declaration !== 'yes')
      byField.declaration = req.t('prioritisation.errors.declarationRequired', { age: round.minAge })
    const options = await listOptions(db, round.id)
    const choices = readChoices(round, options, body)
    const field =
      round.rules.ballotType === 'ranking'
        ? 'rank_1'
        : round.rules.ballotType === 'cumulative'
          ? `points_${options[0]?.id ?? 0}`
          : 'options'
    if (Object.keys(byField).length > 0) {
      // Report the ballot's own problems too, so one submission shows everything to fix.
      const p = checkBallot(round.rules, options, choices)
      if (p) byField[field] = problemMessage(req, p)
      return { errors: fromMessages(byField, [field, 'declaration']), status: 400 }
    }
    const outcome = await service.castBallot(round, voter, choices)
    if (outcome.ok) return { replaced: outcome.replaced }
    if (outcome.reason === 'invalid')
      return { errors: fromMessages({ [field]: problemMessage(req, outcome.problem) }), status: 400 }
    return { errors: fromMessages({ form: req.t(`prioritisation.errors.${outcome.reason}`) }), status: 409 }
  }

  // --- Officers ---------------------------------------------------------------------------------

  app.get('/wards/:wardCode/priorities/manage', manage('prioritisation.rounds.read'), async (req, reply) => {
    const ward = req.ward!
    const rounds = await listRounds(db, ward.id, { includeDrafts: true })
    return reply.page(`${V}/manage.njk`, {
      ward,
      base: base(ward),
      manageBase: manageBase(ward),
      rounds: rounds.map((r) => roundView(req, r)),
    })
  })

  function roundFormPage(
    req: FastifyRequest,
    reply: FastifyReply,
    extra: { round?: Round; values?: Record<string, string>; errors?: GovukErrors },
    status = 200,
  ) {
    const ward = req.ward!
    const r = extra.round
    const values =
      extra.values ??
      (r
        ? settingsValues(r)
        : {
            ballotType: 'approval',
            ruleId: 'greedy',
            minChoices: '1',
            maxChoices: '3',
            rankK: '3',
            pointsTotal: '10',
            minAge: '16',
          })
    return reply.page(
      `${V}/round-form.njk`,
      {
        ward,
        manageBase: manageBase(ward),
        round: r,
        values,
        errors: extra.errors,
        rules: Object.values(RULES).map((d) => ({ value: d.id, text: d.title, hint: d.summary })),
        action: r ? `${manageBase(ward)}/${r.id}/settings` : `${manageBase(ward)}/new`,
      },
      { status, form: true },
    )
  }

  function settingsValues(r: Round): Record<string, string> {
    return {
      title: r.title,
      description: r.description,
      budget: (r.rules.budgetPence / 100).toFixed(2),
      ballotType: r.rules.ballotType,
      ruleId: r.rules.ruleId,
      minChoices: String(r.rules.minChoices),
      maxChoices: String(r.rules.maxChoices),
      rankK: String(r.rules.rankK),
      pointsTotal: String(r.rules.pointsTotal),
      minVotes: r.rules.minVotes === null ? '' : String(r.rules.minVotes),
      minAge: String(r.minAge),
      ...(r.allowChange ? { allowChange: 'yes' } : {}),
    }
  }

  function parseSettings(
    req: FastifyRequest,
  ): { settings: RoundSettings } | { errors: GovukErrors; values: Record<string, string> } {
    const parsed = RoundForm.safeParse(req.body)
    const values = fieldValues(req.body, ROUND_FIELDS)
    if (!parsed.success) return { errors: toGovukErrors(parsed.error, req.t, ROUND_FIELDS), values }
    const d = parsed.data
    if (!isRuleId(d.ruleId) || !rulesFor(d.ballotType).includes(d.ruleId))
      return { errors: fromMessages({ ruleId: req.t('prioritisation.errors.ruleNotForBallot') }), values }
    return {
      settings: {
        title: d.title,
        description: d.description,
        ballotType: d.ballotType,
        ruleId: d.ruleId,
        budgetPence: d.budget,
        minChoices: d.minChoices,
        maxChoices: d.maxChoices,
        rankK: d.ballotType === 'ranking' ? d.rankK : 0,
        pointsTotal: d.ballotType === 'cumulative' ? d.pointsTotal : 0,
        minVotes: d.ruleId === 'greedy-threshold' ? d.minVotes : null,
        allowChange: d.allowChange === 'yes',
        minAge: d.minAge,
      },
    }
  }

  app.get('/wards/:wardCode/priorities/manage/new', manage('prioritisation.round.form'), async (req, reply) =>
    roundFormPage(req, reply, {}),
  )

  app.post('/wards/:wardCode/priorities/manage/new', manage('prioritisation.round.create'), async (req, reply) => {
    const ward = req.ward!
    const p = parseSettings(req)
    if ('errors' in p) return roundFormPage(req, reply, p, 400)
    const by = req.actor.kind === 'user' ? req.actor.userId : null
    const id = await ctx.write((trx) => insertRound(trx, ward.id, p.settings, by))
    await ctx.sessions.flash(req, reply, 'success', req.t('prioritisation.manage.created'))
    return reply.redirect(`${manageBase(ward)}/${id}`, 303)
  })

  async function manageRoundPage(
    req: FastifyRequest,
    reply: FastifyReply,
    round: Round,
    extra: { values?: Record<string, string>; errors?: GovukErrors; problem?: string } = {},
    status = 200,
  ) {
    const ward = req.ward!
    const options = await listOptions(db, round.id)
    const voted = await countVoted(db, round.id)
    return reply.page(
      `${V}/manage-round.njk`,
      {
        ward,
        base: base(ward),
        manageBase: manageBase(ward),
        round: roundView(req, round),
        options: options.map(optionView),
        themes,
        voted,
        values: extra.values ?? {},
        errors: extra.errors,
        problem: extra.problem,
      },
      { status, form: true },
    )
  }

  const officerRound = async (req: FastifyRequest, reply: FastifyReply) => {
    const round = await loadRound(req)
    if (!round) await renderStatusPage(req, reply, 404)
    return round
  }

  app.get('/wards/:wardCode/priorities/manage/:roundId', manage('prioritisation.round.read'), async (req, reply) => {
    const round = await officerRound(req, reply)
    if (!round) return reply
    return manageRoundPage(req, reply, round)
  })

  app.get(
    '/wards/:wardCode/priorities/manage/:roundId/settings',
    manage('prioritisation.round.form'),
    async (req, reply) => {
      const round = await officerRound(req, reply)
      if (!round) return reply
      if (round.status !== 'draft') return reply.redirect(`${manageBase(req.ward!)}/${round.id}`, 303)
      return roundFormPage(req, reply, { round })
    },
  )

  app.post(
    '/wards/:wardCode/priorities/manage/:roundId/settings',
    manage('prioritisation.round.update'),
    async (req, reply) => {
      const round = await officerRound(req, reply)
      if (!round) return reply
      if (round.status !== 'draft')
        return manageRoundPage(req, reply, round, { problem: req.t('prioritisation.errors.frozen') }, 409)
      const p = parseSettings(req)
      if ('errors' in p) return roundFormPage(req, reply, { round, ...p }, 400)
      const ok = await ctx.write((trx) => updateDraftRound(trx, round.id, p.settings))
      if (!ok) return manageRoundPage(req, reply, round, { problem: req.t('prioritisation.errors.frozen') }, 409)
      await ctx.sessions.flash(req, reply, 'success', req.t('prioritisation.manage.saved'))
      return reply.redirect(`${manageBase(req.ward!)}/${round.id}`, 303)
    },
  )

  app.post(
    '/wards/:wardCode/priorities/manage/:roundId/options',
    manage('prioritisation.option.create'),
    async (req, reply) => {
      const round = await officerRound(req, reply)
      if (!round) return reply
      if (round.status !== 'draft')
        return manageRoundPage(req, reply, round, { problem: req.t('prioritisation.errors.frozen') }, 409)
      const parsed = OptionForm.safeParse(req.body)
      const values = fieldValues(req.body, OPTION_FIELDS)
      let errors: GovukErrors | undefined
      if (!parsed.success) errors = toGovukErrors(parsed.error, req.t, OPTION_FIELDS)
      else if (!themes.some((t) => t.slug === parsed.data.theme))
        errors = fromMessages({ theme: req.t('prioritisation.errors.themeRequired') })
      if (errors || !parsed.success) return manageRoundPage(req, reply, round, { values, errors }, 400)
      const data = parsed.data
      const ok = await ctx.write((trx) => insertOption(trx, round.id, { ...data, costPence: data.cost }))
      if (!ok) return manageRoundPage(req, reply, round, { problem: req.t('prioritisation.errors.frozen') }, 409)
      await ctx.sessions.flash(req, reply, 'success', req.t('prioritisation.manage.optionAdded'))
      return reply.redirect(`${manageBase(req.ward!)}/${round.id}`, 303)
    },
  )

  app.post(
    '/wards/:wardCode/priorities/manage/:roundId/options/:optionId/delete',
    manage('prioritisation.option.delete'),
    async (req, reply) => {
      const round = await officerRound(req, reply)
      if (!round) return reply
      const p = OptionParams.safeParse(req.params)
      if (!p.success) return renderStatusPage(req, reply, 404)
      const ok = await ctx.write((trx) => deleteDraftOption(trx, round.id, p.data.optionId))
      if (!ok) return manageRoundPage(req, reply, round, { problem: req.t('prioritisation.errors.frozen') }, 409)
      await ctx.sessions.flash(req, reply, 'success', req.t('prioritisation.manage.optionDeleted'))
      return reply.redirect(`${manageBase(req.ward!)}/${round.id}`, 303)
    },
  )

  app.post(
    '/wards/:wardCode/priorities/manage/:roundId/open',
    manage('prioritisation.round.open'),
    async (req, reply) => {
      const round = await officerRound(req, reply)
      if (!round) return reply
      const outcome = await service.open(round)
      if (!outcome.ok)
        return manageRoundPage(req, reply, round, { problem: req.t(`prioritisation.errors.${outcome.reason}`) }, 409)
      await ctx.sessions.flash(req, reply, 'success', req.t('prioritisation.manage.opened'))
      return reply.redirect(`${manageBase(req.ward!)}/${round.id}`, 303)
    },
  )

  app.post(
    '/wards/:wardCode/priorities/manage/:roundId/close',
    manage('prioritisation.round.close'),
    async (req, reply) => {
      const ward = req.ward!
      const round = await officerRound(req, reply)
      if (!round) return reply
      const outcome = await service.close(round, ward)
      if (!outcome.ok)
        return manageRoundPage(req, reply, round, { problem: req.t('prioritisation.errors.notOpen') }, 409)
      await ctx.sessions.flash(req, reply, 'success', req.t('prioritisation.manage.closed'))
      return reply.redirect(`${base(ward)}/${round.id}/results`, 303)
    },
  )

  app.get(
    '/wards/:wardCode/priorities/manage/:roundId/paper',
    manage('prioritisation.paper.form'),
    async (req, reply) => {
      const round = await officerRound(req, reply)
      if (!round) return reply
      if (round.status !== 'open') return reply.redirect(`${manageBase(req.ward!)}/${round.id}`, 303)
      return votePage(req, reply, round, {}, 200, true)
    },
  )

  app.post(
    '/wards/:wardCode/priorities/manage/:roundId/paper',
    manage('prioritisation.paper.enter'),
    async (req, reply) => {
      const ward = req.ward!
      const round = await officerRound(req, reply)
      if (!round) return reply
      const body = (req.body ?? {}) as Record<string, unknown>
      const values = ballotValues(round, await listOptions(db, round.id), body)
      if (round.status !== 'open')
        return manageRoundPage(req, reply, round, { problem: req.t('prioritisation.errors.notOpen') }, 409)
      if (body.action === 'check') return votePage(req, reply, round, { values }, 200, true)
      const who = PaperVoterForm.safeParse(body)
      if (!who.success)
        return votePage(req, reply, round, { values, errors: toGovukErrors(who.error, req.t, PAPER_FIELDS) }, 400, true)
      // Find the person's account (by email, or by name and postcode) so an online vote is found on the register.
      let userId: number | null = null
      let key: string
      if (who.data.voterEmail !== '') {
        const user = await findUserByEmail(db, who.data.voterEmail)
        if (!user)
          return votePage(
            req,
            reply,
            round,
            { values, errors: fromMessages({ voterEmail: req.t('prioritisation.errors.noSuchAccount') }) },
            400,
            true,
          )
        userId = Number(user.id)
        key = nameKey(user.name, user.postcode ?? '')
      } else {
        key = nameKey(who.data.voterName, who.data.voterPostcode)
        const pc = who.data.voterPostcode.toUpperCase().replace(/\s+/g, '')
        const match = (await searchUsers(db, who.data.voterName, 20)).find(
          (u) =>
            u.name.trim().toLowerCase() === who.data.voterName.trim().toLowerCase() &&
            (u.postcode ?? '').toUpperCase().replace(/\s+/g, '') === pc,
        )
        if (match) userId = match.id
      }
      const outcome = await submit(req, round, body, {
        userId,
        personKey: userId === null ? `paper:${key}` : `user:${userId}`,
        nameKey: key,
        channel: 'paper',
        enteredBy: req.actor.kind === 'user' ? req.actor.userId : null,
      })
      if ('errors' in outcome)
        return votePage(req, reply, round, { values, errors: outcome.errors }, outcome.status, true)
      await ctx.sessions.flash(req, reply, 'success', req.t('prioritisation.paper.recorded'))
      return reply.redirect(`${manageBase(ward)}/${round.id}/paper`, 303)
    },
  )
}
