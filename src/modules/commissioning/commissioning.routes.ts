import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { PlatformContext } from '../../platform/module.js'
import { notifyOutcome } from '../trace/index.js'
import type { Ward } from '../../platform/tenancy/index.js'
import { fieldValues, toGovukErrors, type GovukErrors } from '../../platform/views/index.js'
import { fromMessages } from '../../platform/views/forms.js'
import {
  commitFunds,
  createLedger,
  formatPence,
  listFunds,
  listPostings,
  payFunds,
  type Ledger,
} from '../ledger/index.js'
import { findOrganisationOfUser, listOrganisations, type Organisation } from '../directory/index.js'
import { findMemberByUser } from '../panel/index.js'
import {
  getFile,
  listFiles,
  readMultipart,
  saveFile,
  sendFile,
  toCsv,
  type UploadPolicy,
} from '../../platform/files/index.js'
import { wallTimeToUtc } from '../../platform/i18n/index.js'
import { listWinningOptions } from '../prioritisation/index.js'
import {
  AnswerForm,
  CommentForm,
  ConflictForm,
  CONTRACT_FIELDS,
  ContractForm,
  OPPORTUNITY_FIELDS,
  OpportunityForm,
  PaymentForm,
  PROCESS_FIELDS,
  ProcessForm,
  ProposeForm,
  QuestionForm,
  SPEC_FIELDS,
  SpecForm,
  bidForm,
  criteriaOf,
  kpisOf,
  lotsOf,
  parseSchedule,
  scoreFields,
  scoreForm,
} from './commissioning.forms.js'
import { exportSheets, toXlsx, type ProcessForExport, type Sheet } from './commissioning.export.js'
import { build360Package, buildOcdsPackage, type ProcessForOpenData } from './commissioning.open-data.js'
import {
  answerClarification,
  approveAward,
  conflictsOf,
  findBidOfOrganisation,
  findContract,
  findProcess,
  insertClarification,
  insertComment,
  insertConflict,
  insertBidDocument,
  insertContract,
  insertPayment,
  insertProcess,
  insertSpecVersion,
  listBidDocumentIds,
  listBids,
  listLots,
  listClarifications,
  listComments,
  listModeration,
  listPayments,
  listProcesses,
  listScores,
  listSpecVersions,
  proposeAward,
  publishOpportunity,
  removeBidDocument,
  saveBid,
  saveModeration,
  saveScores,
  type Bid,
  type Process,
} from './commissioning.repository.js'
import {
  checkCriteria,
  checkLots,
  formatTotal,
  isConflicted,
  isSealed,
  mayApproveAward,
  mayEvaluate,
  meanScores,
  rankBids,
  scheduleMatches,
  stageOf,
} from './commissioning.rules.js'

const V = 'commissioning/views'
/** stored_file.owner_kind of bid documents. */
const DOCUMENT_OWNER = 'commissioning_bid'
/** Supporting documents: office documents and images only, checked by their bytes, one at a time. */
export const BID_DOCUMENT_POLICY: UploadPolicy = {
  maxBytes: 10 * 1024 * 1024,
  maxFiles: 1,
  kinds: ['pdf', 'docx', 'xlsx', 'odt', 'png', 'jpeg'],
}
/** A bid carries at most this many documents, so one bidder cannot fill the store. */
export const MAX_BID_DOCUMENTS = 10
const access = (permission: string, audit?: string) => ({
  config: { access: { permission, wardParam: 'wardCode' }, ...(audit ? { audit } : {}) },
})

export interface CommissioningDeps {
  /** Tests move the clock past a deadline. */
  now?: () => Date
}

/** An allocation line of the fund a process may draw on: money already allocated to a theme and purpose. */
interface Envelope {
  key: string
  fundId: number
  fundName: string
  pledgeId: number
  theme: string
  purpose: string
  allocatedPence: number
}

/** A numeric route parameter, or 0 (never a row id) when it is not one, so nothing odd reaches the database. */
const paramId = (req: FastifyRequest, name: string): number => {
  const v = (req.params as Record<string, string | undefined>)[name] ?? ''
  return /^\d{1,12}$/.test(v) ? Number(v) : 0
}

const envelopeKey = (e: { fundId: number; pledgeId: number; theme: string; purpose: string }) =>
  Buffer.from(JSON.stringify([e.fundId, e.pledgeId, e.theme, e.purpose])).toString('base64url')

export function registerCommissioningRoutes(app: FastifyInstance, ctx: PlatformContext, deps: CommissioningDeps = {}) {
  const { db } = ctx
  const now = deps.now ?? (() => new Date())
  const ledger: Ledger = createLedger({ db, dialect: ctx.dialect, write: ctx.write })
  const userId = (req: FastifyRequest) => (req.actor.kind === 'user' ? req.actor.userId : 0)
  const manageBase = (ward: Ward) => `/wards/${ward.code}/commissioning/manage`
  const publicBase = (ward: Ward) => `/wards/${ward.code}/commissioning`
  const isOfficer = (req: FastifyRequest, ward: Ward) =>
    req.actor.kind === 'user' && req.actor.grants.some((g) => g.role === 'officer' && g.wardId === ward.id)
  const notFound = (reply: FastifyReply) => reply.page('errors/not-found.njk', {}, { status: 404 })
  const criteriaTitles = (req: FastifyRequest) => ({
    social: req.t('commissioning.criteria.socialValue'),
    local: req.t('commissioning.criteria.localBenefit'),
  })

  async function envelopes(ward: Ward): Promise<Envelope[]> {
    const out: Envelope[] = []
    for (const fund of await listFunds(db, ward.id)) {
      const postings = await listPostings(db, fund.id)
      const lines = new Map<string, Envelope>()
      for (const p of postings) {
        if (p.account !== 'allocated' || p.theme === null || p.purpose === null) continue
        const e = { fundId: fund.id, pledgeId: p.pledgeId, theme: p.theme, purpose: p.purpose }
        const key = envelopeKey(e)
        const line = lines.get(key) ?? { ...e, key, fundName: fund.name, allocatedPence: 0 }
        line.allocatedPence += p.amountPence
        lines.set(key, line)
      }
      out.push(...[...lines.values()].filter((l) => l.allocatedPence > 0))
    }
    return out
  }

  async function organisationsById(ward: Ward): Promise<Map<number, Organisation>> {
    return new Map((await listOrganisations(db, [ward.id])).map((o) => [o.id, o]))
  }

  /** A bid's current documents (the platform's file records), for whoever the caller has already allowed. */
  async function bidDocuments(bidId: number) {
    const ids = new Set(await listBidDocumentIds(db, bidId))
    return (await listFiles(db, DOCUMENT_OWNER, bidId))
      .filter((f) => ids.has(f.id))
      .map((f) => ({
        ...f,
        sizeText: f.size >= 1_048_576 ? `${(f.size / 1_048_576).toFixed(1)} MB` : `${Math.ceil(f.size / 1024)} KB`,
      }))
  }

  /** Sends one document of this bid, or a 404 when it is not one of the bid's current documents. */
  async function sendBidDocument(reply: FastifyReply, bidId: number, fileId: number) {
    if (!(await listBidDocumentIds(db, bidId)).includes(fileId)) return notFound(reply)
    const file = await getFile(db, fileId)
    if (!file || file.ownerKind !== DOCUMENT_OWNER || file.ownerId !== bidId) return notFound(reply)
    return sendFile(reply, file)
  }

  /** The bids this evaluator may see: none while sealed, and none from an organisation they are conflicted with. */
  async function visibleBids(
    req: FastifyRequest,
    ward: Ward,
    p: Process,
    bids: Bid[],
    orgs: Map<number, Organisation>,
  ) {
    if (isSealed(p.deadline, now())) return []
    const member = await findMemberByUser(db, ward.id, userId(req))
    if (!mayEvaluate(isOfficer(req, ward), member?.status)) return []
    // A conflict declared on an opportunity covers each of its lots.
    const declared = [
      ...(await conflictsOf(db, p.id, userId(req))),
      ...(p.parentId !== null ? await conflictsOf(db, p.parentId, userId(req)) : []),
    ]
    return bids.filter((b) => {
      const org = orgs.get(b.organisationId)
      return org !== undefined && !isConflicted(org, declared, member?.interests ?? '')
    })
  }

  function ranking(p: Process, bids: Bid[], moderation: { bidId: number; criterion: string; score: number }[]) {
    const ranked = rankBids(
      p.criteria,
      bids.map((b) => ({
        bidId: b.id,
        pricePence: b.pricePence,
        scores: Object.fromEntries(moderation.filter((m) => m.bidId === b.id).map((m) => [m.criterion, m.score])),
      })),
    )
    return ranked.map((r) => ({ ...r, total: formatTotal(r.totalTenths) }))
  }

  // --- Public --------------------------------------------------------------------------------------

  app.get('/wards/:wardCode/commissioning', access('public'), async (req, reply) => {
    const ward = req.ward!
    // Lots are listed on their opportunity's page, not as opportunities of their own.
    const processes = (await listProcesses(db, ward.id)).filter((p) => p.publishedAt !== null && p.parentId === null)
    const rows = await Promise.all(
      processes.map(async (p) => ({
        ...p,
        stage: stageOf(p, (await findContract(db, p.id)) !== undefined, now()),
        spec: (await listSpecVersions(db, p.id))[0],
      })),
    )
    return reply.page(`${V}/public-list.njk`, { ward, base: publicBase(ward), rows })
  })

  app.get('/wards/:wardCode/commissioning/:processId', access('public'), async (req, reply) => {
    const ward = req.ward!
    const p = await findProcess(db, ward.id, paramId(req, 'processId'))
    if (!p || !p.publishedAt) return notFound(reply)
    const spec = (await listSpecVersions(db, p.id))[0]
    const clarifications = (await listClarifications(db, p.id)).filter((c) => c.answer !== null)
    const contract = await findContract(db, p.id)
    const parent = p.parentId !== null ? await findProcess(db, ward.id, p.parentId) : undefined
    const lots = await Promise.all(
      (await listLots(db, p.id)).map(async (l) => ({
        ...l,
        stage: stageOf(l, (await findContract(db, l.id)) !== undefined, now()),
        budget: formatPence((await listSpecVersions(db, l.id))[0]?.budgetPence ?? 0),
      })),
    )
    return reply.page(`${V}/public-opportunity.njk`, {
      ward,
      base: publicBase(ward),
      p,
      parent,
      lots,
      spec,
      budget: spec ? formatPence(spec.budgetPence) : '',
      stage: stageOf(p, contract !== undefined, now()),
      open: isSealed(p.deadline, now()),
      clarifications,
    })
  })

  // --- Team: officers and panel members --------------------------------------------------------------

  async function listPage(
    req: FastifyRequest,
    reply: FastifyReply,
    extra: { values?: Record<string, string>; errors?: GovukErrors } = {},
    status = 200,
  ) {
    const ward = req.ward!
    const processes = await listProcesses(db, ward.id)
    const rows = await Promise.all(
      processes.map(async (p) => ({ ...p, stage: stageOf(p, (await findContract(db, p.id)) !== undefined, now()) })),
    )
    return reply.page(
      `${V}/manage-list.njk`,
      {
        ward,
        base: manageBase(ward),
        rows,
        officer: isOfficer(req, ward),
        envelopes: (await envelopes(ward)).map((e) => ({ ...e, allocated: formatPence(e.allocatedPence) })),
        winners: await listWinningOptions(db, ward.id),
        values: {},
        ...extra,
      },
      { status, form: true },
    )
  }

  app.get(
    '/wards/:wardCode/commissioning/manage',
    access('commissioning.team', 'commissioning.list.read'),
    (req, reply) => listPage(req, reply),
  )

  // --- Officers' downloads ------------------------------------------------------------------------

  /** Every process of the ward, with only the bids this officer may read (sealed and conflicted ones left out). */
  async function exportData(req: FastifyRequest): Promise<Sheet[]> {
    const ward = req.ward!
    const orgs = await organisationsById(ward)
    const items: ProcessForExport[] = []
    for (const p of await listProcesses(db, ward.id)) {
      const all = await listBids(db, p.id)
      const bids = await visibleBids(req, ward, p, all, orgs)
      const ids = bids.map((b) => b.id)
      const contract = await findContract(db, p.id)
      const winner = all.find((b) => b.id === contract?.bidId)
      items.push({
        process: p,
        bids,
        organisationName: (id) => orgs.get(id)?.name ?? '',
        scores: await listScores(db, ids),
        moderation: await listModeration(db, ids),
        contract,
        supplier: winner ? (orgs.get(winner.organisationId)?.name ?? null) : null,
        payments: await listPayments(db, p.id),
      })
    }
    return exportSheets(items)
  }
  const SHEETS = ['bids', 'answers', 'scores', 'contracts'] as const

  app.get(
    '/wards/:wardCode/commissioning/manage/export.csv',
    access('commissioning.officer', 'commissioning.export.csv'),
    async (req, reply) => {
      const asked = (req.query as Record<string, unknown>).sheet ?? 'bids'
      const name = SHEETS.find((s) => s === asked)
      if (!name)
        return reply
          .code(400)
          .type('text/plain; charset=utf-8')
          .send('sheet must be bids, answers, scores or contracts')
      const sheet = (await exportData(req)).find((s) => s.name === name)!
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="commissioning-${req.ward!.code}-${name}.csv"`)
        .send(toCsv(sheet.rows))
    },
  )

  app.get(
    '/wards/:wardCode/commissioning/manage/export.xlsx',
    access('commissioning.officer', 'commissioning.export.xlsx'),
    async (req, reply) => {
      const titles = Object.fromEntries(SHEETS.map((s) => [s, req.t(`commissioning.export.${s}`)])) as Record<
        (typeof SHEETS)[number],
        string
      >
      const buffer = await toXlsx(await exportData(req), ctx.tenant.serviceName, titles)
      return reply
        .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', `attachment; filename="commissioning-${req.ward!.code}.xlsx"`)
        .send(buffer)
    },
  )

  app.post(
    '/wards/:wardCode/commissioning/manage',
    access('commissioning.officer', 'commissioning.process.create'),
    async (req, reply) => {
      const ward = req.ward!
      const values = fieldValues(req.body, PROCESS_FIELDS)
      const parsed = ProcessForm.safeParse(req.body)
      if (!parsed.success)
        return listPage(req, reply, { values, errors: toGovukErrors(parsed.error, req.t, PROCESS_FIELDS) }, 400)
      const d = parsed.data
      const envelope = (await envelopes(ward)).find((e) => e.key === d.envelope)
      const option =
        d.sourceKind === 'priority'
          ? (await listWinningOptions(db, ward.id)).find((o) => o.optionId === Number(d.priorityOptionId))
          : undefined
      const problems: Record<string, string> = {}
      if (!envelope) problems.envelope = req.t('commissioning.errors.envelopeRequired')
      if (d.sourceKind === 'priority' && !option)
        problems.priorityOptionId = req.t('commissioning.errors.priorityRequired')
      if (!envelope || Object.keys(problems).length > 0)
        return listPage(req, reply, { values, errors: fromMessages(problems, PROCESS_FIELDS) }, 400)
      const id = await ctx.write((trx) =>
        insertProcess(trx, {
          wardId: ward.id,
          title: d.title,
          sourceKind: d.sourceKind,
          sourceText: option ? `${option.roundTitle}: ${option.title}` : d.need,
          priorityOptionId: option?.optionId ?? null,
          fundId: envelope.fundId,
          pledgeId: envelope.pledgeId,
          theme: envelope.theme,
          purpose: envelope.purpose,
          createdBy: userId(req),
        }),
      )
      await ctx.sessions.flash(req, reply, 'success', req.t('commissioning.process.created'))
      return reply.redirect(`${manageBase(ward)}/${id}`, 303)
    },
  )

  async function processPage(
    req: FastifyRequest,
    reply: FastifyReply,
    extra: { values?: Record<string, string>; errors?: GovukErrors; form?: string } = {},
    status = 200,
  ) {
    const ward = req.ward!
    const p = await findProcess(db, ward.id, paramId(req, 'processId'))
    if (!p) return notFound(reply)
    const [versions, comments, clarifications, bids, orgs, contract, payments] = await Promise.all([
      listSpecVersions(db, p.id),
      listComments(db, p.id),
      listClarifications(db, p.id),
      listBids(db, p.id),
      organisationsById(ward),
      findContract(db, p.id),
      listPayments(db, p.id),
    ])
    const officer = isOfficer(req, ward)
    const visible = await visibleBids(req, ward, p, bids, orgs)
    const parent = p.parentId !== null ? await findProcess(db, ward.id, p.parentId) : undefined
    const lots = await Promise.all(
      (await listLots(db, p.id)).map(async (l) => ({
        ...l,
        stage: stageOf(l, (await findContract(db, l.id)) !== undefined, now()),
      })),
    )
    const moderation = await listModeration(
      db,
      visible.map((b) => b.id),
    )
    const ranked = ranking(p, visible, moderation)
    const latest = versions[0]
    const specValues: Record<string, string> = latest
      ? {
          title: latest.title,
          outcomes: latest.outcomes,
          budget: (latest.budgetPence / 100).toFixed(2),
          durationMonths: String(latest.durationMonths),
          equalityImpact: latest.equalityImpact,
          ...Object.fromEntries(
            latest.kpis.flatMap((k, n) => [
              [`kpi${n + 1}Name`, k.name],
              [`kpi${n + 1}Target`, k.target],
            ]),
          ),
        }
      : { title: p.title }
    const winner = bids.find((b) => b.id === p.awardBidId)
    return reply.page(
      `${V}/process.njk`,
      {
        ward,
        base: manageBase(ward),
        p,
        stage: stageOf(p, contract !== undefined, now()),
        sealed: isSealed(p.deadline, now()),
        officer,
        evaluator: mayEvaluate(officer, (await findMemberByUser(db, ward.id, userId(req)))?.status),
        parent,
        lots,
        me: userId(req),
        versions: versions.map((v) => ({ ...v, budget: formatPence(v.budgetPence) })),
        comments,
        clarifications,
        bidCount: bids.length,
        organisations: [...orgs.values()],
        bids: visible.map((b) => ({
          ...b,
          organisation: orgs.get(b.organisationId)?.name ?? '',
          price: formatPence(b.pricePence),
          rank: ranked.find((r) => r.bidId === b.id),
        })),
        winner: winner
          ? {
              ...winner,
              organisation: orgs.get(winner.organisationId)?.name ?? '',
              price: formatPence(winner.pricePence),
            }
          : undefined,
        contract: contract
          ? {
              ...contract,
              value: formatPence(contract.valuePence),
              schedule: contract.schedule.map((s, n) => ({
                ...s,
                n: n + 1,
                amount: formatPence(s.amountPence),
                paid: payments.some((x) => x.instalment === n + 1),
              })),
            }
          : undefined,
        values: extra.form === undefined || extra.form === 'spec' ? { ...specValues, ...extra.values } : extra.values,
        ...extra,
      },
      { status, form: true },
    )
  }

  const P = '/wards/:wardCode/commissioning/manage/:processId'

  app.get(P, access('commissioning.team', 'commissioning.process.read'), (req, reply) => processPage(req, reply))

  /** The process, when it exists in this ward; otherwise the reply has been sent. */
  async function processOr404(req: FastifyRequest, reply: FastifyReply): Promise<Process | undefined> {
    const p = await findProcess(db, req.ward!.id, paramId(req, 'processId'))
    if (!p) await notFound(reply)
    return p
  }

  app.post(`${P}/spec`, access('commissioning.team', 'commissioning.spec.save'), async (req, reply) => {
    const p = await processOr404(req, reply)
    if (!p) return reply
    const values = fieldValues(req.body, SPEC_FIELDS)
    const parsed = SpecForm.safeParse(req.body)
    if (!parsed.success)
      return processPage(
        req,
        reply,
        { form: 'spec', values, errors: toGovukErrors(parsed.error, req.t, SPEC_FIELDS) },
        400,
      )
    // The specification is fixed once the opportunity is published: bidders answer what they were shown.
    if (p.publishedAt)
      return processPage(
        req,
        reply,
        { form: 'spec', values, errors: fromMessages({ title: req.t('commissioning.errors.specFrozen') }) },
        409,
      )
    const d = parsed.data
    await ctx.write((trx) =>
      insertSpecVersion(trx, p.id, {
        title: d.title,
        outcomes: d.outcomes,
        kpis: kpisOf(d),
        budgetPence: d.budget,
        durationMonths: d.durationMonths,
        equalityImpact: d.equalityImpact,
        authorUserId: userId(req),
      }),
    )
    await ctx.sessions.flash(req, reply, 'success', req.t('commissioning.spec.saved'))
    return reply.redirect(`${manageBase(req.ward!)}/${p.id}`, 303)
  })

  app.post(`${P}/comments`, access('commissioning.team', 'commissioning.comment.create'), async (req, reply) => {
    const p = await processOr404(req, reply)
    if (!p) return reply
    const parsed = CommentForm.safeParse(req.body)
    if (!parsed.success)
      return processPage(
        req,
        reply,
        {
          form: 'comment',
          values: fieldValues(req.body, ['body']),
          errors: toGovukErrors(parsed.error, req.t, ['body']),
        },
        400,
      )
    const version = (await listSpecVersions(db, p.id))[0]?.version ?? 0
    await ctx.write((trx) => insertComment(trx, p.id, version, userId(req), parsed.data.body))
    return reply.redirect(`${manageBase(req.ward!)}/${p.id}#comments`, 303)
  })

  app.post(`${P}/conflicts`, access('commissioning.team', 'commissioning.conflict.declare'), async (req, reply) => {
    const p = await processOr404(req, reply)
    if (!p) return reply
    const fields = ['organisationId', 'reason']
    const parsed = ConflictForm.safeParse(req.body)
    const orgs = await organisationsById(req.ward!)
    if (!parsed.success || !orgs.has(parsed.data.organisationId))
      return processPage(
        req,
        reply,
        {
          form: 'conflict',
          values: fieldValues(req.body, fields),
          errors: parsed.success
            ? fromMessages({ organisationId: req.t('commissioning.errors.organisationRequired') })
            : toGovukErrors(parsed.error, req.t, fields),
        },
        400,
      )
    await ctx.write((trx) => insertConflict(trx, p.id, userId(req), parsed.data.organisationId, parsed.data.reason))
    await ctx.sessions.flash(req, reply, 'success', req.t('commissioning.conflict.saved'))
    return reply.redirect(`${manageBase(req.ward!)}/${p.id}`, 303)
  })

  app.post(
    `${P}/opportunity`,
    access('commissioning.officer', 'commissioning.opportunity.publish'),
    async (req, reply) => {
      const p = await processOr404(req, reply)
      if (!p) return reply
      const values = fieldValues(req.body, OPPORTUNITY_FIELDS)
      const parsed = OpportunityForm.safeParse(req.body)
      if (!parsed.success)
        return processPage(
          req,
          reply,
          { form: 'opportunity', values, errors: toGovukErrors(parsed.error, req.t, OPPORTUNITY_FIELDS) },
          400,
        )
      const d = parsed.data
      const criteria = criteriaOf(d, criteriaTitles(req))
      const problem = checkCriteria(criteria)
      // Officers write the deadline in UK time; it is kept in UTC.
      const deadline = wallTimeToUtc(d.deadlineDate, d.deadlineTime) ?? new Date(Number.NaN)
      const orgs = await organisationsById(req.ward!)
      const invited = d.invited.map(Number).filter((n) => orgs.has(n))
      const errors: Record<string, string> = {}
      if (problem) errors.weightSocialValue = req.t(`commissioning.errors.criteria.${problem}`)
      if (Number.isNaN(deadline.getTime()) || deadline.getTime() <= now().getTime())
        errors.deadlineDate = req.t('commissioning.errors.deadlineInvalid')
      if (d.procedure === 'invited' && invited.length === 0)
        errors.invited = req.t('commissioning.errors.invitedRequired')
      const spec = (await listSpecVersions(db, p.id))[0]
      if (!spec) errors.kind = req.t('commissioning.errors.specFirst')
      const lots = lotsOf(d)
      const untitled = lots.find((l) => l.title === '')
      const lotProblem = checkLots(lots, spec?.budgetPence ?? 0)
      if (untitled) errors[`lot${untitled.row}Title`] = req.t('commissioning.errors.lotTitleRequired')
      else if (lotProblem) errors.lot1Title = req.t(`commissioning.errors.lots.${lotProblem}`)
      // A lot is itself never divided again.
      if (lots.length > 0 && p.parentId !== null) errors.lot1Title = req.t('commissioning.errors.lots.nested')
      if (Object.keys(errors).length > 0 || !spec)
        return processPage(
          req,
          reply,
          { form: 'opportunity', values, errors: fromMessages(errors, OPPORTUNITY_FIELDS) },
          400,
        )
      const terms = { kind: d.kind, procedure: d.procedure, invited, deadline: deadline.toISOString(), criteria }
      const ok = await ctx.write(async (trx) => {
        if (!(await publishOpportunity(trx, p.id, terms))) return false
        // Each lot becomes a process of its own under this one, published on the same terms, with the
        // specification copied at the lot's share of the budget; bids, scores, award and contract are per lot.
        for (const [n, lot] of lots.entries()) {
          const lotId = await insertProcess(trx, {
            wardId: p.wardId,
            title: `${p.title} – ${req.t('commissioning.lots.lot', { n: n + 1 })}: ${lot.title}`,
            sourceKind: p.sourceKind,
            sourceText: p.sourceText,
            priorityOptionId: p.priorityOptionId,
            fundId: p.fundId,
            pledgeId: p.pledgeId,
            theme: p.theme,
            purpose: p.purpose,
            isDemo: p.isDemo,
            createdBy: userId(req),
            parentId: p.id,
            lotNumber: n + 1,
          })
          await insertSpecVersion(trx, lotId, {
            ...spec,
            title: `${spec.title} – ${lot.title}`,
            budgetPence: lot.budgetPence!,
            authorUserId: userId(req),
          })
          await publishOpportunity(trx, lotId, terms)
        }
        return true
      })
      if (ok) await ctx.sessions.flash(req, reply, 'success', req.t('commissioning.opportunity.published'))
      return reply.redirect(`${manageBase(req.ward!)}/${p.id}`, 303)
    },
  )

  app.post(
    `${P}/answers`,
    access('commissioning.officer', 'commissioning.clarification.answer'),
    async (req, reply) => {
      const p = await processOr404(req, reply)
      if (!p) return reply
      const parsed = AnswerForm.safeParse(req.body)
      if (!parsed.success)
        return processPage(
          req,
          reply,
          {
            form: 'answer',
            values: fieldValues(req.body, ['clarificationId', 'answer']),
            errors: toGovukErrors(parsed.error, req.t, ['answer']),
          },
          400,
        )
      const ok = await ctx.write((trx) =>
        answerClarification(trx, p.id, parsed.data.clarificationId, parsed.data.answer),
      )
      if (!ok) return notFound(reply)
      await ctx.sessions.flash(req, reply, 'success', req.t('commissioning.clarification.answered'))
      return reply.redirect(`${manageBase(req.ward!)}/${p.id}`, 303)
    },
  )

  /** One bid, for an evaluator who may see it; scoring form for them and moderation for officers. */
  async function bidPage(
    req: FastifyRequest,
    reply: FastifyReply,
    extra: { values?: Record<string, string>; errors?: GovukErrors; form?: string } = {},
    status = 200,
  ) {
    const ward = req.ward!
    const p = await processOr404(req, reply)
    if (!p) return reply
    const bidId = paramId(req, 'bidId')
    const orgs = await organisationsById(ward)
    const bid = (await visibleBids(req, ward, p, await listBids(db, p.id), orgs)).find((b) => b.id === bidId)
    // Sealed, conflicted or unknown are answered alike, so the page says nothing about which.
    if (!bid) return notFound(reply)
    const scores = await listScores(db, [bid.id])
    const mine = Object.fromEntries(
      scores
        .filter((s) => s.scorerUserId === userId(req))
        .flatMap((s) => [
          [`score-${s.criterion}`, String(s.score)],
          [`reason-${s.criterion}`, s.reason],
        ]),
    )
    const officer = isOfficer(req, ward)
    const moderation = await listModeration(db, [bid.id])
    return reply.page(
      `${V}/bid.njk`,
      {
        ward,
        base: `${manageBase(ward)}/${p.id}`,
        p,
        bid: { ...bid, organisation: orgs.get(bid.organisationId)?.name ?? '', price: formatPence(bid.pricePence) },
        documents: await bidDocuments(bid.id),
        officer,
        // Evaluators score independently: only officers moderating see everyone's scores.
        allScores: officer ? scores : [],
        means: officer ? meanScores(scores) : {},
        scoreValues: extra.form === 'score' ? extra.values : mine,
        moderationValues:
          extra.form === 'moderation'
            ? extra.values
            : Object.fromEntries(
                moderation.flatMap((m) => [
                  [`score-${m.criterion}`, String(m.score)],
                  [`reason-${m.criterion}`, m.reason],
                ]),
              ),
        errors: extra.errors,
        form: extra.form,
      },
      { status, form: true },
    )
  }

  const B = `${P}/bids/:bidId`
  app.get(B, access('commissioning.team', 'commissioning.bid.read'), (req, reply) => bidPage(req, reply))

  // Evaluators read a document only where they may read the bid: after the deadline, with a panel seat, no conflict.
  app.get(
    `${B}/documents/:fileId`,
    access('commissioning.team', 'commissioning.bid.document.read'),
    async (req, reply) => {
      const ward = req.ward!
      const p = await processOr404(req, reply)
      if (!p) return reply
      const bidId = paramId(req, 'bidId')
      const bid = (await visibleBids(req, ward, p, await listBids(db, p.id), await organisationsById(ward))).find(
        (b) => b.id === bidId,
      )
      if (!bid) return notFound(reply)
      return sendBidDocument(reply, bid.id, paramId(req, 'fileId'))
    },
  )

  async function scoringPost(req: FastifyRequest, reply: FastifyReply, kind: 'score' | 'moderation') {
    const ward = req.ward!
    const p = await processOr404(req, reply)
    if (!p) return reply
    const bidId = paramId(req, 'bidId')
    const bid = (await visibleBids(req, ward, p, await listBids(db, p.id), await organisationsById(ward))).find(
      (b) => b.id === bidId,
    )
    if (!bid) return notFound(reply)
    const fields = scoreFields(p.criteria)
    const parsed = scoreForm(p.criteria).safeParse(req.body)
    if (!parsed.success)
      return bidPage(
        req,
        reply,
        { form: kind, values: fieldValues(req.body, fields), errors: toGovukErrors(parsed.error, req.t, fields) },
        400,
      )
    const d = parsed.data as Record<string, string | number>
    const rows = p.criteria.map((c) => ({
      bidId: bid.id,
      criterion: c.key,
      score: Number(d[`score-${c.key}`]),
      reason: String(d[`reason-${c.key}`]),
    }))
    if (kind === 'score')
      await ctx.write((trx) =>
        saveScores(
          trx,
          rows.map((r) => ({ ...r, scorerUserId: userId(req) })),
        ),
      )
    else await ctx.write((trx) => saveModeration(trx, rows, userId(req)))
    await ctx.sessions.flash(req, reply, 'success', req.t(`commissioning.${kind}.saved`))
    return reply.redirect(`${manageBase(ward)}/${p.id}/bids/${bid.id}`, 303)
  }

  app.post(`${B}/scores`, access('commissioning.team', 'commissioning.score.save'), (req, reply) =>
    scoringPost(req, reply, 'score'),
  )
  app.post(`${B}/moderation`, access('commissioning.officer', 'commissioning.moderation.save'), (req, reply) =>
    scoringPost(req, reply, 'moderation'),
  )

  app.post(`${P}/award/propose`, access('commissioning.officer', 'commissioning.award.propose'), async (req, reply) => {
    const p = await processOr404(req, reply)
    if (!p) return reply
    const parsed = ProposeForm.safeParse(req.body)
    const bids = await listBids(db, p.id)
    if (!parsed.success || isSealed(p.deadline, now()) || !bids.some((b) => b.id === parsed.data.bidId))
      return processPage(
        req,
        reply,
        {
          form: 'award',
          values: fieldValues(req.body, ['bidId', 'reason']),
          errors: parsed.success
            ? fromMessages({ bidId: req.t('commissioning.errors.bidRequired') })
            : toGovukErrors(parsed.error, req.t, ['bidId', 'reason']),
        },
        400,
      )
    await ctx.write((trx) => proposeAward(trx, p.id, parsed.data.bidId, parsed.data.reason, userId(req)))
    await ctx.sessions.flash(req, reply, 'success', req.t('commissioning.award.proposed'))
    return reply.redirect(`${manageBase(req.ward!)}/${p.id}`, 303)
  })

  app.post(`${P}/award/approve`, access('commissioning.officer', 'commissioning.award.approve'), async (req, reply) => {
    const p = await processOr404(req, reply)
    if (!p) return reply
    if (!mayApproveAward(p.awardProposedBy, userId(req)))
      return processPage(
        req,
        reply,
        { form: 'approve', errors: fromMessages({ approve: req.t('commissioning.errors.samePerson') }) },
        409,
      )
    const ok = await ctx.write(async (trx) => {
      const approved = await approveAward(trx, p.id, userId(req))
      // Those whose chain leads here (and chose outcome emails) hear it was commissioned, in the same unit of work.
      if (approved) await notifyOutcome(ctx, trx, { wardId: req.ward!.id, kind: 'process_awarded', ref: p.id })
      return approved
    })
    if (ok) await ctx.sessions.flash(req, reply, 'success', req.t('commissioning.award.approved'))
    return reply.redirect(`${manageBase(req.ward!)}/${p.id}`, 303)
  })

  const commitmentRef = (p: Process) => `WT-${p.id}`

  app.post(`${P}/contract`, access('commissioning.officer', 'commissioning.contract.create'), async (req, reply) => {
    const p = await processOr404(req, reply)
    if (!p) return reply
    const values = fieldValues(req.body, CONTRACT_FIELDS)
    const parsed = ContractForm.safeParse(req.body)
    if (!parsed.success)
      return processPage(
        req,
        reply,
        { form: 'contract', values, errors: toGovukErrors(parsed.error, req.t, CONTRACT_FIELDS) },
        400,
      )
    const winner = (await listBids(db, p.id)).find((b) => b.id === p.awardBidId)
    const schedule = parseSchedule(parsed.data.schedule)
    const errors: Record<string, string> = {}
    if (!p.awardApprovedAt || !winner) errors.startDate = req.t('commissioning.errors.notAwarded')
    else if (!schedule || !scheduleMatches(schedule, winner.pricePence))
      errors.schedule = req.t('commissioning.errors.scheduleInvalid')
    if (await findContract(db, p.id)) errors.startDate = req.t('commissioning.errors.contractExists')
    if (Object.keys(errors).length > 0 || !winner || !schedule)
      return processPage(req, reply, { form: 'contract', values, errors: fromMessages(errors, CONTRACT_FIELDS) }, 400)
    const spec = (await listSpecVersions(db, p.id))[0]
    // A fixed key per process: two officers recording the contract at once commit the money once.
    const result = await commitFunds(
      ledger,
      `wt-commission-${p.id}-commitment`,
      {
        wardId: req.ward!.id,
        fundId: p.fundId,
        pledgeId: p.pledgeId,
        amountPence: winner.pricePence,
        theme: p.theme,
        purpose: p.purpose,
        commitmentRef: commitmentRef(p),
        memo: `Contract for ${p.title}`,
      },
      { userId: userId(req) },
    )
    if (!result.ok)
      return processPage(
        req,
        reply,
        {
          form: 'contract',
          values,
          errors: fromMessages({ schedule: req.t(`commissioning.errors.ledger.${result.error}`) }),
        },
        409,
      )
    await ctx.write((trx) =>
      insertContract(trx, {
        processId: p.id,
        bidId: winner.id,
        valuePence: winner.pricePence,
        startDate: parsed.data.startDate,
        endDate: parsed.data.endDate,
        milestones: parsed.data.milestones
          .split(/\r?\n/)
          .map((m) => m.trim())
          .filter(Boolean),
        kpis: spec?.kpis ?? [],
        schedule,
        commitmentRef: commitmentRef(p),
        ledgerTransactionId: result.transactionId,
        userId: userId(req),
      }),
    )
    await ctx.sessions.flash(req, reply, 'success', req.t('commissioning.contract.created'))
    return reply.redirect(`${manageBase(req.ward!)}/${p.id}`, 303)
  })

  app.post(`${P}/payments`, access('commissioning.officer', 'commissioning.payment.record'), async (req, reply) => {
    const p = await processOr404(req, reply)
    if (!p) return reply
    const contract = await findContract(db, p.id)
    const parsed = PaymentForm.safeParse(req.body)
    const instalment = parsed.success ? contract?.schedule[parsed.data.instalment - 1] : undefined
    if (!parsed.success || !contract || !instalment)
      return processPage(
        req,
        reply,
        { form: 'payment', errors: fromMessages({ instalment: req.t('commissioning.errors.instalmentRequired') }) },
        400,
      )
    const n = parsed.data.instalment
    // The key names the instalment, so it is paid once however many times or people ask.
    const result = await payFunds(
      ledger,
      `wt-commission-${p.id}-payment-${n}`,
      {
        wardId: req.ward!.id,
        fundId: p.fundId,
        pledgeId: p.pledgeId,
        amountPence: instalment.amountPence,
        theme: p.theme,
        purpose: p.purpose,
        commitmentRef: contract.commitmentRef,
        memo: `${p.title}: ${instalment.label}`,
      },
      { userId: userId(req) },
    )
    if (!result.ok)
      return processPage(
        req,
        reply,
        { form: 'payment', errors: fromMessages({ instalment: req.t(`commissioning.errors.ledger.${result.error}`) }) },
        409,
      )
    await ctx.write((trx) =>
      insertPayment(trx, {
        processId: p.id,
        instalment: n,
        amountPence: instalment.amountPence,
        ledgerTransactionId: result.transactionId,
        userId: userId(req),
      }),
    )
    if (!result.replayed) await ctx.sessions.flash(req, reply, 'success', req.t('commissioning.payment.recorded'))
    return reply.redirect(`${manageBase(req.ward!)}/${p.id}`, 303)
  })

  // --- Providers -----------------------------------------------------------------------------------

  const Q = '/wards/:wardCode/commissioning/:processId/bid'

  async function providerPage(
    req: FastifyRequest,
    reply: FastifyReply,
    extra: { values?: Record<string, string>; errors?: GovukErrors; form?: string } = {},
    status = 200,
  ) {
    const ward = req.ward!
    const p = await processOr404(req, reply)
    if (!p) return reply
    if (!p.publishedAt) return notFound(reply)
    const org = await findOrganisationOfUser(db, ward.id, userId(req))
    const bid = org ? await findBidOfOrganisation(db, p.id, org.id) : undefined
    const allowed = org !== undefined && (p.procedure === 'open' || p.invited.includes(org.id))
    const lots = await listLots(db, p.id)
    let feedback: Record<string, unknown> | undefined
    if (bid && p.awardApprovedAt) {
      // After the award each bidder sees its own agreed scores and reasons, and its place; never a rival's bid.
      const bids = await listBids(db, p.id)
      const moderation = await listModeration(
        db,
        bids.map((b) => b.id),
      )
      const ranked = ranking(p, bids, moderation)
      const own = ranked.find((r) => r.bidId === bid.id)
      feedback = {
        successful: p.awardBidId === bid.id,
        rank: own?.rank,
        total: own?.total,
        of: bids.length,
        scores: p.criteria.map((c) => ({
          ...c,
          ...moderation.find((m) => m.bidId === bid.id && m.criterion === c.key),
        })),
      }
    }
    const current = bid
      ? {
          price: (bid.pricePence / 100).toFixed(2),
          ...Object.fromEntries(Object.entries(bid.answers).map(([k, v]) => [`answer-${k}`, v])),
        }
      : {}
    return reply.page(
      `${V}/provider.njk`,
      {
        ward,
        base: `${publicBase(ward)}/${p.id}`,
        p,
        org,
        allowed,
        open: isSealed(p.deadline, now()),
        bid,
        feedback,
        documents: bid ? await bidDocuments(bid.id) : [],
        lots,
        maxDocuments: MAX_BID_DOCUMENTS,
        values: extra.form === 'bid' ? extra.values : current,
        questionValues: extra.form === 'question' ? extra.values : {},
        errors: extra.errors,
        form: extra.form,
      },
      { status, form: true },
    )
  }

  app.get(Q, access('commissioning.provider', 'commissioning.provider.read'), (req, reply) => providerPage(req, reply))

  app.post(Q, access('commissioning.provider', 'commissioning.bid.save'), async (req, reply) => {
    const ward = req.ward!
    const p = await processOr404(req, reply)
    if (!p) return reply
    const org = await findOrganisationOfUser(db, ward.id, userId(req))
    if (!p.publishedAt || !org || (p.procedure === 'invited' && !p.invited.includes(org.id))) return notFound(reply)
    // An opportunity divided into lots is bid for lot by lot, never as a whole.
    if ((await listLots(db, p.id)).length > 0) return notFound(reply)
    const fields = ['price', ...p.criteria.map((c) => `answer-${c.key}`)]
    const values = fieldValues(req.body, fields)
    if (!isSealed(p.deadline, now()))
      return providerPage(
        req,
        reply,
        { form: 'bid', values, errors: fromMessages({ price: req.t('commissioning.errors.deadlinePassed') }) },
        409,
      )
    const parsed = bidForm(p.criteria).safeParse(req.body)
    if (!parsed.success)
      return providerPage(req, reply, { form: 'bid', values, errors: toGovukErrors(parsed.error, req.t, fields) }, 400)
    const d = parsed.data as Record<string, string | number>
    const answers = Object.fromEntries(p.criteria.map((c) => [c.key, String(d[`answer-${c.key}`])]))
    const deadline = p.deadline!
    const saved = await ctx.write(async (trx) => {
      // Checked again inside the unit of work, so a bid cannot slip in after the deadline.
      if (now().getTime() >= Date.parse(deadline)) return false
      await saveBid(trx, {
        processId: p.id,
        organisationId: org.id,
        answers,
        pricePence: Number(d.price),
        userId: userId(req),
      })
      return true
    })
    if (!saved)
      return providerPage(
        req,
        reply,
        { form: 'bid', values, errors: fromMessages({ price: req.t('commissioning.errors.deadlinePassed') }) },
        409,
      )
    await ctx.sessions.flash(req, reply, 'success', req.t('commissioning.bid.saved'))
    return reply.redirect(`${publicBase(ward)}/${p.id}/bid`, 303)
  })

  /** The signed-in provider's own bid on this process, if the process is published and the bid exists. */
  async function ownBid(req: FastifyRequest, reply: FastifyReply) {
    const p = await processOr404(req, reply)
    if (!p) return undefined
    const org = await findOrganisationOfUser(db, req.ward!.id, userId(req))
    const bid = p.publishedAt && org ? await findBidOfOrganisation(db, p.id, org.id) : undefined
    if (!bid) {
      await notFound(reply)
      return undefined
    }
    return { p, bid }
  }

  app.post(
    `${Q}/documents`,
    access('commissioning.provider', 'commissioning.bid.document.upload'),
    async (req, reply) => {
      const own = await ownBid(req, reply)
      if (!own) return reply
      const { p, bid } = own
      const form = await readMultipart(req, BID_DOCUMENT_POLICY)
      const problem = (message: string, status: number) =>
        providerPage(req, reply, { form: 'document', errors: fromMessages({ document: message }) }, status)
      if (!isSealed(p.deadline, now())) return problem(req.t('commissioning.errors.deadlinePassed'), 409)
      if (form.errors.length > 0) return problem(form.errors[0]!.message, 400)
      const file = form.files.find((f) => f.field === 'document')
      if (!file) return problem(req.t('commissioning.errors.documentRequired'), 400)
      const deadline = p.deadline!
      const saved = await ctx.write(async (trx) => {
        // Checked again inside the unit of work: nothing is added to a bid once the deadline has passed.
        if (now().getTime() >= Date.parse(deadline)) return 'deadline' as const
        if ((await listBidDocumentIds(trx, bid.id)).length >= MAX_BID_DOCUMENTS) return 'full' as const
        const fileId = await saveFile(trx, file, {
          ownerKind: DOCUMENT_OWNER,
          ownerId: bid.id,
          wardId: req.ward!.id,
          uploadedBy: userId(req),
        })
        await insertBidDocument(trx, bid.id, fileId)
        return 'saved' as const
      })
      if (saved === 'deadline') return problem(req.t('commissioning.errors.deadlinePassed'), 409)
      if (saved === 'full')
        return problem(req.t('commissioning.errors.tooManyDocuments', { count: MAX_BID_DOCUMENTS }), 409)
      await ctx.sessions.flash(req, reply, 'success', req.t('commissioning.bid.documentSaved'))
      return reply.redirect(`${publicBase(req.ward!)}/${p.id}/bid#documents`, 303)
    },
  )

  app.get(
    `${Q}/documents/:fileId`,
    access('commissioning.provider', 'commissioning.bid.document.own'),
    async (req, reply) => {
      const own = await ownBid(req, reply)
      if (!own) return reply
      return sendBidDocument(reply, own.bid.id, paramId(req, 'fileId'))
    },
  )

  app.post(
    `${Q}/documents/:fileId/remove`,
    access('commissioning.provider', 'commissioning.bid.document.remove'),
    async (req, reply) => {
      const own = await ownBid(req, reply)
      if (!own) return reply
      const { p, bid } = own
      if (!isSealed(p.deadline, now()))
        return providerPage(
          req,
          reply,
          { form: 'document', errors: fromMessages({ document: req.t('commissioning.errors.deadlinePassed') }) },
          409,
        )
      const deadline = p.deadline!
      const removed = await ctx.write(async (trx) =>
        now().getTime() < Date.parse(deadline) ? removeBidDocument(trx, bid.id, paramId(req, 'fileId')) : false,
      )
      if (!removed) return notFound(reply)
      await ctx.sessions.flash(req, reply, 'success', req.t('commissioning.bid.documentRemoved'))
      return reply.redirect(`${publicBase(req.ward!)}/${p.id}/bid#documents`, 303)
    },
  )

  app.post(
    '/wards/:wardCode/commissioning/:processId/questions',
    access('commissioning.provider', 'commissioning.clarification.ask'),
    async (req, reply) => {
      const ward = req.ward!
      const p = await processOr404(req, reply)
      if (!p) return reply
      const org = await findOrganisationOfUser(db, ward.id, userId(req))
      if (!p.publishedAt || !org) return notFound(reply)
      const parsed = QuestionForm.safeParse(req.body)
      if (!parsed.success || !isSealed(p.deadline, now()))
        return providerPage(
          req,
          reply,
          {
            form: 'question',
            values: fieldValues(req.body, ['question']),
            errors: parsed.success
              ? fromMessages({ question: req.t('commissioning.errors.deadlinePassed') })
              : toGovukErrors(parsed.error, req.t, ['question']),
          },
          400,
        )
      await ctx.write((trx) => insertClarification(trx, p.id, org.id, parsed.data.question))
      await ctx.sessions.flash(req, reply, 'success', req.t('commissioning.clarification.asked'))
      return reply.redirect(`${publicBase(ward)}/${p.id}/bid`, 303)
    },
  )

  // --- Open data -----------------------------------------------------------------------------------

  async function openDataItems(): Promise<ProcessForOpenData[]> {
    const wards = await ctx.wards.list()
    const out: ProcessForOpenData[] = []
    for (const p of await listProcesses(db)) {
      const ward = wards.find((w) => w.id === p.wardId)
      if (!ward || !p.publishedAt) continue
      const funds = await listFunds(db, ward.id)
      out.push({
        process: p,
        wardCode: ward.code,
        wardName: ward.name,
        spec: (await listSpecVersions(db, p.id))[0],
        fundName: funds.find((f) => f.id === p.fundId)?.name ?? '',
        bids: await listBids(db, p.id),
        organisations: await organisationsById(ward),
        contract: await findContract(db, p.id),
        payments: await listPayments(db, p.id),
        clarifications: (await listClarifications(db, p.id)).filter((c) => c.answer !== null),
      })
    }
    return out
  }
  // Identifiers come from the council's tenant.json; without them nothing is published under made-up ids.
  const ids = ctx.tenant.openData
  const buyer = ids ? { id: ids.councilOrgId, name: ctx.tenant.council.name } : undefined
  const notConfigured = (reply: FastifyReply) =>
    reply.code(404).send({
      error: 'not_configured',
      message: 'This council has not set its open-data identifiers (openData in tenant.json).',
    })

  app.get(
    '/api/v1/open-data/ocds/release-package.json',
    {
      config: { access: { permission: 'public' } },
      schema: { tags: ['open data'], summary: 'OCDS 1.1 release package' },
    },
    async (_req, reply) => {
      if (!ids || !buyer) return notConfigured(reply)
      const pkg = buildOcdsPackage(await openDataItems(), {
        publicUrl: ctx.config.publicUrl,
        publisher: ctx.tenant.serviceName,
        buyer,
        ids,
        now: now().toISOString(),
      })
      // The OCDS package schema requires at least one release (`minItems: 1`), as 360Giving does one grant.
      if (pkg.releases.length === 0)
        return reply.code(404).send({
          error: 'no_releases',
          message: 'No contracting process has been published yet; an OCDS package must hold at least one release.',
        })
      return reply.type('application/json').send(pkg)
    },
  )

  app.get(
    '/api/v1/open-data/360giving.json',
    { config: { access: { permission: 'public' } }, schema: { tags: ['open data'], summary: '360Giving 1.4 grants' } },
    async (_req, reply) => {
      if (!ids || !buyer) return notConfigured(reply)
      const pkg = build360Package(await openDataItems(), {
        funder: buyer,
        publisher: ctx.tenant.serviceName,
        ids,
        now: now().toISOString(),
      })
      // The 360Giving package schema requires at least one grant (`minItems: 1`): an empty file would be invalid
      // 360Giving data, so until a grant is awarded the answer is a 404 that says why.
      if (pkg.grants.length === 0)
        return reply.code(404).send({
          error: 'no_grants',
          message: 'No grants have been awarded yet; a 360Giving package must hold at least one grant.',
        })
      return reply.type('application/json').send(pkg)
    },
  )
}
