import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { renderStatusPage } from '../../platform/http/web.js'
import type { PlatformContext } from '../../platform/module.js'
import { notifyOutcome } from '../trace/index.js'
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
import { PoolAllocationRefused, allocateFromPool, createLedger, poolAvailability } from '../ledger/index.js'
import { listNeeds } from '../understanding/index.js'
import {
  AcceptProposalForm,
  IdParams,
  OPTION_FIELDS,
  PROPOSAL_FIELDS,
  ProposalForm,
  RejectProposalForm,
  OptionForm,
  OptionParams,
  PAPER_FIELDS,
  PaperVoterForm,
  ROUND_FIELDS,
  RoundForm,
} from './prioritisation.forms.js'
import {
  countVoted,
  decideProposal,
  deleteDraftOption,
  insertProposal,
  markFundAllocated,
  listOwnProposals,
  listProposalRounds,
  listProposals,
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
import { RULES, isRuleId, ruleTextKeys, type RuleId } from './rules/index.js'

const V = 'prioritisation/views'
const SUGGESTIONS = '/priorities/suggestions'

// Explanation parameters that are amounts of money (exact decimal pounds in the stored result).
const MONEY_PARAMS = new Set(['cost', 'remaining', 'share', 'paid', 'money', 'load'])

// Results counted before explanations had translatable parts have none.
type StoredExplanation = Omit<StoredResult['explanations'][string], 'parts'> & {
  parts?: StoredResult['explanations'][string]['parts']
}

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
  // A stop during a count leaves a closed round with its ballots published but no result: count it now. A count
  // that fails opens its round again (see the service); the app still starts, and says so in its log.
  app.addHook('onReady', async () => {
    try {
      const counted = await service.countUncounted()
      if (counted > 0) app.log.info({ counted }, 'counted closed priority rounds left uncounted')
    } catch (error) {
      app.log.error({ err: error }, 'a closed priority round could not be counted; it is open again')
    }
  })
  const themes = ctx.tenant.startingThemes
  const themeName = (slug: string) => themes.find((t) => t.slug === slug)?.name ?? slug
  const base = (ward: Ward) => `/wards/${ward.code}/priorities`
  const manageBase = (ward: Ward) => `${base(ward)}/manage`

  async function loadRound(req: FastifyRequest): Promise<Round | undefined> {
    const p = IdParams.safeParse(req.params)
    if (!p.success) return undefined
    return findRound(db, req.ward!.id, p.data.roundId)
  }

  /** A counting rule's name and one-sentence description in the reader's language. */
  const ruleText = (req: FastifyRequest, id: RuleId) => {
    const keys = ruleTextKeys(id)
    return { title: req.t(keys.title), summary: req.t(keys.summary) }
  }
  const optionView = (o: RoundOption) => ({ ...o, cost: formatPence(o.costPence), themeName: themeName(o.theme) })
  const roundView = (req: FastifyRequest, r: Round) => ({
    ...r,
    budget: formatPence(r.rules.budgetPence),
    ruleTitle: ruleText(req, r.rules.ruleId).title,
    ruleSummary: ruleText(req, r.rules.ruleId).summary,
    ballotTypeName: req.t(`prioritisation.ballotTypes.${r.rules.ballotType}`),
  })

  // --- Public -----------------------------------------------------------------------------------

  app.get('/wards/:wardCode/priorities', read, async (req, reply) => {
    const ward = req.ward!
    const rounds = await listRounds(db, ward.id)
    const proposing = await listProposalRounds(db, ward.id)
    return reply.page(`${V}/rounds.njk`, {
      ward,
      base: base(ward),
      rounds: rounds.map((r) => roundView(req, r)),
      proposing: proposing.map((r) => roundView(req, r)),
      signedIn: req.actor.kind === 'user',
    })
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

  /**
   * An explanation in the reader's language. Parts name options by file id (P12) and give amounts as exact
   * pounds; readers see the option's title and £ amounts. Results counted before explanations had parts
   * fall back to the English message.
   */
  function explainer(req: FastifyRequest, options: RoundOption[]) {
    const titles = new Map(options.map((o) => [projectId(o.id), o.title]))
    const title = (id: string) => `“${titles.get(id) ?? id}”`
    const money = (v: string) => (/^\d+(\.\d+)?$/.test(v) ? formatPence(Math.round(Number(v) * 100)) : v)
    return (e: StoredExplanation): string => {
      if (!e.parts) return e.message.replace(/\bP(\d+)\b/g, (m) => title(m))
      return e.parts
        .map((part) => {
          const params: Record<string, string | number> = {}
          for (const [k, v] of Object.entries(part.params))
            params[k] =
              k === 'project' || k === 'blocker'
                ? title(String(v))
                : MONEY_PARAMS.has(k) && typeof v === 'string'
                  ? money(v)
                  : v
          return req.t(`prioritisation.explain.${part.key}`, params)
        })
        .join(' ')
    }
  }
  const withText = (e: StoredExplanation | undefined, explain: (e: StoredExplanation) => string) =>
    e === undefined ? undefined : { ...e, text: explain(e) }

  // A closed round whose count has not been stored yet (ADR 0011): the API says so, and when to ask again.
  function stillCounting(reply: FastifyReply): FastifyReply {
    return reply
      .code(409)
      .header('retry-after', '5')
      .send({ error: 'counting', message: 'The votes are being counted: ask again in a few seconds' })
  }

  async function resultOf(round: Round): Promise<StoredResult | undefined> {
    const published = await getPublished(db, round.id)
    return published?.resultJson ? (JSON.parse(published.resultJson) as StoredResult) : undefined
  }

  app.get('/wards/:wardCode/priorities/:roundId/results', read, async (req, reply) => {
    const ward = req.ward!
    const round = await loadRound(req)
    if (!round || round.status !== 'closed') return renderStatusPage(req, reply, 404)
    const result = await resultOf(round)
    // Closed, and its count still running on its worker (or about to be redone after a stop: ADR 0011).
    if (!result) return reply.page(`${V}/counting.njk`, { ward, base: base(ward), round: roundView(req, round) })
    const options = await listOptions(db, round.id)
    const explain = explainer(req, options)
    const order = [
      ...result.selected,
      ...options.map((o) => projectId(o.id)).filter((id) => !result.selected.includes(id)),
    ]
    const byId = new Map(options.map((o) => [projectId(o.id), o]))
    const rows = order.flatMap((pid) => {
      const o = byId.get(pid)
      const e = result.explanations[pid]
      if (!o || !e) return []
      return [{ ...optionView(o), funded: e.selected, message: explain(e), pid }]
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
      message: { type: 'string', description: 'in English, naming options by file id' },
      text: { type: 'string', description: "in the request's language, naming options by title" },
      parts: {
        type: 'array',
        description: 'the explanation as translation keys (prioritisation.explain.<key>) and parameters',
        items: {
          type: 'object',
          properties: { key: { type: 'string' }, params: { type: 'object', additionalProperties: true } },
        },
      },
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
        description:
          'While a closed round is still being counted the answer is 409 with `{"error": "counting"}` and a ' +
          'Retry-After header in seconds; rounds that are not closed, or not in the ward, answer 404.',
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
                  id: { type: 'string', description: 'stable rule id, as in `together tally --rule`' },
                  title: { type: 'string', description: "the rule's name in the request's language" },
                  summary: { type: 'string', description: "how the rule decides, in the request's language" },
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
      if (round?.status === 'closed' && !result) return stillCounting(reply)
      if (!round || !result) return renderStatusPage(req, reply, 404)
      const options = await listOptions(db, round.id)
      const explain = explainer(req, options)
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
        rule: { id: result.rule, ...ruleText(req, result.rule), parameters: result.parameters },
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
            explanation: withText(result.explanations[pid], explain),
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

  async function roundFormPage(
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
    const pool = await poolAvailability(db, ward.id)
    return reply.page(
      `${V}/round-form.njk`,
      {
        ward,
        manageBase: manageBase(ward),
        pool: pool ? { name: pool.fundName, available: formatPence(pool.availablePence) } : null,
        round: r,
        values,
        errors: extra.errors,
        rules: Object.values(RULES).map((d) => {
          const text = ruleText(req, d.id)
          return { value: d.id, text: text.title, hint: text.summary }
        }),
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
      ...(r.proposalsOpen ? { proposalsOpen: 'yes' } : {}),
    }
  }

  /**
   * The form's settings, with the budget checked against the ward's pooled fund when there is one: the
   * round's money comes from it (its winners are allocated from it at close), so the budget cannot exceed
   * what the fund has not yet allocated.
   */
  async function parseSettings(
    req: FastifyRequest,
  ): Promise<{ settings: RoundSettings } | { errors: GovukErrors; values: Record<string, string> }> {
    const parsed = RoundForm.safeParse(req.body)
    const values = fieldValues(req.body, ROUND_FIELDS)
    if (!parsed.success) return { errors: toGovukErrors(parsed.error, req.t, ROUND_FIELDS), values }
    const d = parsed.data
    if (!isRuleId(d.ruleId) || !rulesFor(d.ballotType).includes(d.ruleId))
      return { errors: fromMessages({ ruleId: req.t('prioritisation.errors.ruleNotForBallot') }), values }
    const pool = await poolAvailability(db, req.ward!.id)
    if (pool && d.budget > pool.availablePence)
      return {
        errors: fromMessages({
          budget: req.t('prioritisation.errors.budgetOverFund', { amount: formatPence(pool.availablePence) }),
        }),
        values,
      }
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
        proposalsOpen: d.proposalsOpen === 'yes',
        fundId: pool?.fundId ?? null,
      },
    }
  }

  app.get('/wards/:wardCode/priorities/manage/new', manage('prioritisation.round.form'), async (req, reply) =>
    roundFormPage(req, reply, {}),
  )

  app.post('/wards/:wardCode/priorities/manage/new', manage('prioritisation.round.create'), async (req, reply) => {
    const ward = req.ward!
    const p = await parseSettings(req)
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
    extra: {
      values?: Record<string, string>
      errors?: GovukErrors
      problem?: string
      /** Errors of one proposal's accept or reject form, shown beside that proposal. */
      proposalErrors?: { optionId: number; errors: GovukErrors; values: Record<string, string> }
    } = {},
    status = 200,
  ) {
    const ward = req.ward!
    const options = await listOptions(db, round.id)
    const voted = await countVoted(db, round.id)
    const needs = await listNeeds(db, ward.id)
    const needText = new Map(needs.map((n) => [n.id, n.statement]))
    const proposals = await listProposals(db, round.id)
    const pe = extra.proposalErrors
    return reply.page(
      `${V}/manage-round.njk`,
      {
        ward,
        base: base(ward),
        manageBase: manageBase(ward),
        round: roundView(req, round),
        options: options.map((o) => ({ ...optionView(o), need: o.needId === null ? null : needText.get(o.needId) })),
        proposals: proposals.map(optionView),
        needs,
        themes,
        voted,
        values: extra.values ?? {},
        // A proposal form's errors go to the summary, linked to that proposal's own fields (p<id>-cost…),
        // and not to the add-an-option form, which has fields of the same names.
        errors:
          extra.errors ??
          (pe
            ? { byField: {}, list: pe.errors.list.map((e) => ({ ...e, href: `#p${pe.optionId}-${e.href.slice(1)}` })) }
            : undefined),
        problem: extra.problem,
        proposalErrors: pe,
      },
      { status, form: true },
    )
  }

  /**
   * An option dearer than the whole budget could never be funded, and the round's published `.pb` file would
   * be refused by the parser (see `parsePabulib`), so it is refused here, where the officer can fix it.
   */
  const costOverBudget = (req: FastifyRequest, round: Round) =>
    fromMessages({
      cost: req.t('prioritisation.errors.costOverBudget', { budget: formatPence(round.rules.budgetPence) }),
    })

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
      const p = await parseSettings(req)
      if ('errors' in p) return roundFormPage(req, reply, { round, ...p }, 400)
      const dearest = Math.max(0, ...(await listOptions(db, round.id)).map((o) => o.costPence))
      if (p.settings.budgetPence < dearest)
        return roundFormPage(
          req,
          reply,
          {
            round,
            values: fieldValues(req.body, ROUND_FIELDS),
            errors: fromMessages({
              budget: req.t('prioritisation.errors.budgetBelowOption', { amount: formatPence(dearest) }),
            }),
          },
          400,
        )
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
      else if (
        parsed.data.needId !== null &&
        !(await listNeeds(db, req.ward!.id)).some((n) => n.id === parsed.data.needId)
      )
        // Only a need of this ward: the id comes from the form, so another ward's need is refused here.
        errors = fromMessages({ needId: req.t('prioritisation.errors.needInvalid') })
      else if (parsed.data.cost > round.rules.budgetPence) errors = costOverBudget(req, round)
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
      let outcome: Awaited<ReturnType<typeof service.close>>
      try {
        outcome = await service.close(round, ward)
      } catch (error) {
        // The count failed and the service opened the round again, ballots kept (ADR 0011).
        req.log.error({ err: error, roundId: round.id }, 'a priority round could not be counted; it is open again')
        const reopened = (await findRound(db, ward.id, round.id)) ?? round
        return manageRoundPage(req, reply, reopened, { problem: req.t('prioritisation.errors.countFailed') }, 500)
      }
      if (!outcome.ok)
        return manageRoundPage(req, reply, round, { problem: req.t(`prioritisation.errors.${outcome.reason}`) }, 409)
      // People who voted, or whose needs fed this round, and asked to hear are told it has been decided.
      await ctx.write((trx) => notifyOutcome(ctx, trx, { wardId: ward.id, kind: 'round_decided', ref: round.id }))
      await ctx.sessions.flash(req, reply, 'success', req.t('prioritisation.manage.closed'))
      const closed = await findRound(db, ward.id, round.id)
      if (closed !== undefined && closed.fundId !== null) {
        const refused = await allocateWinners(req, closed)
        if (refused?.status === 'refused') await ctx.sessions.flash(req, reply, 'info', refused.problem)
      }
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

  // --- Proposals: residents suggest options for a draft round; officers accept or reject them ----------

  /** A draft round of this ward that takes proposals, or undefined. */
  async function proposalRound(req: FastifyRequest): Promise<Round | undefined> {
    const round = await loadRound(req)
    return round && round.status === 'draft' && round.proposalsOpen ? round : undefined
  }

  function proposePage(
    req: FastifyRequest,
    reply: FastifyReply,
    round: Round,
    extra: { values?: Record<string, string>; errors?: GovukErrors } = {},
    status = 200,
  ) {
    const ward = req.ward!
    return reply.page(
      `${V}/propose.njk`,
      {
        ward,
        base: base(ward),
        round: roundView(req, round),
        values: extra.values ?? {},
        errors: extra.errors,
        action: `${base(ward)}/${round.id}/propose`,
      },
      { status, form: true },
    )
  }

  /** Only residents of the ward propose: the same eligibility as voting. */
  const isResident = (req: FastifyRequest) => req.actor.kind === 'user' && req.actor.homeWardId === req.ward!.id

  app.get('/wards/:wardCode/priorities/:roundId/propose', vote, async (req, reply) => {
    const round = await proposalRound(req)
    if (!round) return renderStatusPage(req, reply, 404)
    if (!isResident(req)) return renderStatusPage(req, reply, 403)
    return proposePage(req, reply, round)
  })

  app.post('/wards/:wardCode/priorities/:roundId/propose', vote, async (req, reply) => {
    const round = await proposalRound(req)
    if (!round) return renderStatusPage(req, reply, 404)
    if (!isResident(req) || req.actor.kind !== 'user') return renderStatusPage(req, reply, 403)
    const userId = req.actor.userId
    const values = fieldValues(req.body, PROPOSAL_FIELDS)
    const parsed = ProposalForm.safeParse(req.body)
    if (!parsed.success)
      return proposePage(
        req,
        reply,
        round,
        { values, errors: toGovukErrors(parsed.error, req.t, PROPOSAL_FIELDS) },
        400,
      )
    const ok = await ctx.write((trx) => insertProposal(trx, round.id, { ...parsed.data, userId }))
    if (!ok)
      return proposePage(
        req,
        reply,
        round,
        { values, errors: fromMessages({ form: req.t('prioritisation.errors.proposalsClosed') }) },
        409,
      )
    await ctx.sessions.flash(req, reply, 'success', req.t('prioritisation.propose.thanks'))
    return reply.redirect(SUGGESTIONS, 303)
  })

  // A person's own suggestions, whatever ward they were made in: nothing here belongs to a ward's staff.
  app.get(
    '/priorities/suggestions',
    { config: { access: { permission: 'prioritisation.vote' } } },
    async (req, reply) => {
      if (req.actor.kind !== 'user') return renderStatusPage(req, reply, 403)
      const mine = await listOwnProposals(db, req.actor.userId)
      return reply.page(`${V}/proposals.njk`, {
        proposals: mine.map((o) => ({ ...optionView(o), roundTitle: o.roundTitle })),
      })
    },
  )

  app.post(
    '/wards/:wardCode/priorities/manage/:roundId/proposals/:optionId/accept',
    manage('prioritisation.proposal.accept'),
    async (req, reply) => {
      const round = await officerRound(req, reply)
      if (!round) return reply
      const p = OptionParams.safeParse(req.params)
      if (!p.success) return renderStatusPage(req, reply, 404)
      const optionId = p.data.optionId
      const values = fieldValues(req.body, ['theme', 'place', 'cost'])
      const parsed = AcceptProposalForm.safeParse(req.body)
      let errors: GovukErrors | undefined
      if (!parsed.success) errors = toGovukErrors(parsed.error, req.t, ['cost', 'theme', 'place'])
      else if (!themes.some((t) => t.slug === parsed.data.theme))
        errors = fromMessages({ theme: req.t('prioritisation.errors.themeRequired') })
      else if (parsed.data.cost > round.rules.budgetPence) errors = costOverBudget(req, round)
      if (errors || !parsed.success)
        return manageRoundPage(req, reply, round, { proposalErrors: { optionId, errors: errors!, values } }, 400)
      const d = parsed.data
      const by = req.actor.kind === 'user' ? req.actor.userId : null
      const ok = await ctx.write((trx) =>
        decideProposal(trx, round.id, optionId, {
          accept: true,
          costPence: d.cost,
          theme: d.theme,
          place: d.place,
          byUserId: by,
        }),
      )
      if (!ok) return manageRoundPage(req, reply, round, { problem: req.t('prioritisation.errors.notDecidable') }, 409)
      await ctx.sessions.flash(req, reply, 'success', req.t('prioritisation.manage.proposalAccepted'))
      return reply.redirect(`${manageBase(req.ward!)}/${round.id}`, 303)
    },
  )

  app.post(
    '/wards/:wardCode/priorities/manage/:roundId/proposals/:optionId/reject',
    manage('prioritisation.proposal.reject'),
    async (req, reply) => {
      const round = await officerRound(req, reply)
      if (!round) return reply
      const p = OptionParams.safeParse(req.params)
      if (!p.success) return renderStatusPage(req, reply, 404)
      const optionId = p.data.optionId
      const values = fieldValues(req.body, ['reason'])
      const parsed = RejectProposalForm.safeParse(req.body)
      if (!parsed.success)
        return manageRoundPage(
          req,
          reply,
          round,
          { proposalErrors: { optionId, errors: toGovukErrors(parsed.error, req.t, ['reason']), values } },
          400,
        )
      const by = req.actor.kind === 'user' ? req.actor.userId : null
      const ok = await ctx.write((trx) =>
        decideProposal(trx, round.id, optionId, { accept: false, reason: parsed.data.reason, byUserId: by }),
      )
      if (!ok) return manageRoundPage(req, reply, round, { problem: req.t('prioritisation.errors.notDecidable') }, 409)
      await ctx.sessions.flash(req, reply, 'success', req.t('prioritisation.manage.proposalRejected'))
      return reply.redirect(`${manageBase(req.ward!)}/${round.id}`, 303)
    },
  )

  // --- Money: a round's winners are allocated from the ward's pooled fund -----------------------------

  const ledger = createLedger({ db, dialect: ctx.dialect, write: ctx.write })

  /**
   * Allocates each winning option's cost from the round's fund, under the option's theme (so ring-fenced
   * money only pays for its themes), through the ledger, as one unit of work with marking the round
   * allocated: a refusal part-way leaves nothing allocated and the round unmarked. The mark is written
   * first and only when the round is not yet marked, so of two requests at once one allocates and the
   * other (on PostgreSQL, after waiting on the round's row) finds it done. Returns `undefined` when
   * allocated, or why not for officers.
   */
  async function allocateWinners(
    req: FastifyRequest,
    round: Round,
  ): Promise<{ problem: string; status: 'refused' | 'done-already' } | undefined> {
    const already = { problem: req.t('prioritisation.errors.notAllocatable'), status: 'done-already' } as const
    if (round.fundId === null || round.fundAllocatedAt !== null) return already
    const fundId = round.fundId
    const result = await resultOf(round)
    if (!result) return already
    const byPid = new Map((await listOptions(db, round.id)).map((o) => [projectId(o.id), o]))
    const items = result.selected.flatMap((pid) => {
      const o = byPid.get(pid)
      return o && o.costPence > 0
        ? [{ theme: o.theme, purpose: `${round.title}: ${o.title}`.slice(0, 200), amountPence: o.costPence }]
        : []
    })
    try {
      const claimed = await ctx.write(async (trx) => {
        if (!(await markFundAllocated(trx, round.id))) return false
        if (items.length > 0)
          await allocateFromPool(
            ledger,
            trx,
            ctx.dialect,
            {
              wardId: round.wardId,
              fundId,
              keyPrefix: `prioritisation-round-${round.id}`,
              memo: `Winners of priority round ${round.id}`,
              items,
            },
            { userId: req.actor.kind === 'user' ? req.actor.userId : null },
          )
        return true
      })
      return claimed ? undefined : already
    } catch (e) {
      if (!(e instanceof PoolAllocationRefused)) throw e
      const reasons =
        e.unfunded.length > 0
          ? e.unfunded.map((i) => `${i.purpose} (${formatPence(i.amountPence)}, ${themeName(i.theme)})`).join('; ')
          : e.error === 'no_fund' || e.error === 'fund_unknown' || e.error === 'not_enough'
            ? req.t('prioritisation.errors.noFund')
            : req.t(`ledger.errors.${e.error}`)
      return { problem: req.t('prioritisation.manage.fundNotAllocated', { reasons }), status: 'refused' }
    }
  }

  app.post(
    '/wards/:wardCode/priorities/manage/:roundId/allocate',
    manage('prioritisation.round.allocate'),
    async (req, reply) => {
      const round = await officerRound(req, reply)
      if (!round) return reply
      if (round.status !== 'closed' || round.fundId === null || round.fundAllocatedAt !== null)
        return manageRoundPage(req, reply, round, { problem: req.t('prioritisation.errors.notAllocatable') }, 409)
      const refused = await allocateWinners(req, round)
      // Read again: another officer's request may have allocated it meanwhile, and the page should say so.
      if (refused)
        return manageRoundPage(
          req,
          reply,
          (await findRound(db, round.wardId, round.id)) ?? round,
          { problem: refused.problem },
          409,
        )
      await ctx.sessions.flash(req, reply, 'success', req.t('prioritisation.manage.fundAllocated'))
      return reply.redirect(`${manageBase(req.ward!)}/${round.id}`, 303)
    },
  )
}
