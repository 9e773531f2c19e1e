import { randomBytes } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { PlatformContext } from '../../platform/module.js'
import type { Ward } from '../../platform/tenancy/index.js'
import { fieldValues, toGovukErrors, type GovukErrors } from '../../platform/views/index.js'
import { fromMessages } from '../../platform/views/forms.js'
import { findUserByEmail } from '../accounts/index.js'
import {
  ApproveForm,
  FUND_FIELDS,
  FundForm,
  LINK_FIELDS,
  LinkForm,
  MOVEMENT_FIELDS,
  MOVEMENT_KINDS,
  MovementForm,
  PARTNER_FIELDS,
  PLEDGE_FIELDS,
  PartnerForm,
  PledgeForm,
  ReversalForm,
} from './ledger.forms.js'
import {
  insertApproval,
  insertFund,
  insertPartner,
  linkPartnerUser,
  listFunds,
  listPartners,
  listPledges,
  listPostings,
  listTransactions,
  partnersOfUser,
  type Fund,
} from './ledger.repository.js'
import { formatPence, PARTNER_KINDS, spendByPurpose, totals, type Posting } from './ledger.rules.js'
import { createLedger, type LedgerResult } from './ledger.service.js'

const V = 'ledger/views'

const manage = (audit: string) => ({
  config: { access: { permission: 'ledger.manage', wardParam: 'wardCode' }, audit },
})
const partner = (audit: string) => ({
  config: { access: { permission: 'ledger.partner', wardParam: 'wardCode' }, audit },
})

/** A one-time key for a money-moving form: a double click or a resubmitted page then records once. */
const newKey = () => randomBytes(24).toString('base64url')

export function registerLedgerRoutes(app: FastifyInstance, ctx: PlatformContext): void {
  const { db } = ctx
  const ledger = createLedger({ db, dialect: ctx.dialect, write: ctx.write })
  const themes = ctx.tenant.startingThemes.map((t) => ({ slug: t.slug, name: t.name }))
  const themeName = (slug: string) => themes.find((t) => t.slug === slug)?.name ?? slug
  const base = (ward: Ward) => `/wards/${ward.code}/fund/manage`
  const userId = (req: FastifyRequest) => (req.actor.kind === 'user' ? req.actor.userId : null)

  async function currentFund(ward: Ward, query: unknown): Promise<{ funds: Fund[]; fund: Fund | undefined }> {
    const funds = await listFunds(db, ward.id)
    const wanted = Number((query as { fund?: string } | undefined)?.fund)
    return { funds, fund: funds.find((f) => f.id === wanted) ?? funds[0] }
  }

  /** Everything the fund's pages show, from the postings (the ledger's only source of truth). */
  async function fundView(ward: Ward, fund: Fund, onlyPartnerIds?: number[]) {
    const [partners, pledges, postings] = await Promise.all([
      listPartners(db, ward.id),
      listPledges(db, fund.id),
      listPostings(db, fund.id),
    ])
    const partnerOf = new Map(pledges.map((p) => [p.id, p.partnerId]))
    const mine = (p: Posting) => onlyPartnerIds === undefined || onlyPartnerIds.includes(partnerOf.get(p.pledgeId)!)
    const money = (t: ReturnType<typeof totals>) =>
      Object.fromEntries(Object.entries(t).map(([k, v]) => [k, formatPence(v)])) as Record<keyof typeof t, string>
    const byPartner = partners
      .filter((pa) => onlyPartnerIds === undefined || onlyPartnerIds.includes(pa.id))
      .map((pa) => ({
        ...pa,
        kindLabel: pa.kind,
        totals: money(totals(postings, (p) => partnerOf.get(p.pledgeId) === pa.id)),
      }))
    const pledgeRows = pledges
      .filter((p) => onlyPartnerIds === undefined || onlyPartnerIds.includes(p.partnerId))
      .map((p) => {
        const t = totals(postings, (x) => x.pledgeId === p.id)
        return {
          ...p,
          partnerName: partners.find((pa) => pa.id === p.partnerId)?.name ?? '',
          amount: formatPence(p.amountPence),
          themeNames: p.themes.map(themeName),
          totals: money(t),
          availablePence: t.available,
        }
      })
    return {
      fund,
      partners: byPartner,
      pledges: pledgeRows,
      totals: money(totals(postings, mine)),
      spend: spendByPurpose(postings, mine).map((r) => ({
        ...r,
        themeName: themeName(r.theme),
        allocated: formatPence(r.allocated),
        committed: formatPence(r.committed),
        paid: formatPence(r.paid),
      })),
    }
  }

  // --- Public -----------------------------------------------------------------------------------

  app.get(
    '/wards/:wardCode/fund',
    { config: { access: { permission: 'public', wardParam: 'wardCode' } } },
    async (req, reply) => {
      const ward = req.ward!
      const { funds, fund } = await currentFund(ward, req.query)
      return reply.page(`${V}/public.njk`, { ward, funds, ...(fund ? await fundView(ward, fund) : {}) })
    },
  )

  // --- Officers ----------------------------------------------------------------------------------

  async function dashboard(
    req: FastifyRequest,
    reply: FastifyReply,
    extra: { problem?: string; fundId?: number } = {},
    status = 200,
  ) {
    const ward = req.ward!
    const { funds, fund } = await currentFund(ward, extra.fundId ? { fund: String(extra.fundId) } : req.query)
    const transactions = fund ? await listTransactions(db, fund.id) : []
    const reversed = new Set(transactions.map((t) => t.reversesTransactionId).filter((x) => x !== null))
    return reply.page(
      `${V}/manage.njk`,
      {
        ward,
        base: base(ward),
        funds,
        ...(fund ? await fundView(ward, fund) : {}),
        transactions: transactions.slice(0, 100).map((t) => ({
          ...t,
          reversible: t.reversesTransactionId === null && !reversed.has(t.id),
          idempotencyKey: newKey(),
        })),
        problem: extra.problem,
      },
      { status, form: true },
    )
  }

  app.get('/wards/:wardCode/fund/manage', manage('ledger.dashboard.read'), async (req, reply) => dashboard(req, reply))

  async function setupPage(
    req: FastifyRequest,
    reply: FastifyReply,
    extra: { values?: Record<string, string>; errors?: GovukErrors; form?: string } = {},
    status = 200,
  ) {
    const ward = req.ward!
    return reply.page(
      `${V}/setup.njk`,
      {
        ward,
        base: base(ward),
        partners: await listPartners(db, ward.id),
        funds: await listFunds(db, ward.id),
        kinds: PARTNER_KINDS,
        values: {},
        ...extra,
      },
      { status, form: true },
    )
  }

  app.get('/wards/:wardCode/fund/manage/setup', manage('ledger.setup.read'), async (req, reply) =>
    setupPage(req, reply),
  )

  app.post('/wards/:wardCode/fund/manage/partners', manage('ledger.partner.create'), async (req, reply) => {
    const ward = req.ward!
    const parsed = PartnerForm.safeParse(req.body)
    const values = fieldValues(req.body, PARTNER_FIELDS)
    if (!parsed.success)
      return setupPage(
        req,
        reply,
        { values, form: 'partner', errors: toGovukErrors(parsed.error, req.t, PARTNER_FIELDS) },
        400,
      )
    if ((await listPartners(db, ward.id)).some((p) => p.name.toLowerCase() === parsed.data.name.toLowerCase()))
      return setupPage(
        req,
        reply,
        { values, form: 'partner', errors: fromMessages({ name: req.t('ledger.errors.partnerExists') }) },
        400,
      )
    await ctx.write((trx) => insertPartner(trx, { wardId: ward.id, ...parsed.data }))
    await ctx.sessions.flash(req, reply, 'success', req.t('ledger.setup.partnerAdded'))
    return reply.redirect(`${base(ward)}/setup`, 303)
  })

  app.post('/wards/:wardCode/fund/manage/partners/link', manage('ledger.partner.link'), async (req, reply) => {
    const ward = req.ward!
    const parsed = LinkForm.safeParse(req.body)
    const values = fieldValues(req.body, LINK_FIELDS)
    if (!parsed.success)
      return setupPage(
        req,
        reply,
        { values, form: 'link', errors: toGovukErrors(parsed.error, req.t, LINK_FIELDS) },
        400,
      )
    const partners = await listPartners(db, ward.id)
    const target = partners.find((p) => p.id === parsed.data.partnerId)
    const user = await findUserByEmail(db, parsed.data.email)
    const errors: Record<string, string> = {}
    if (!target) errors.partnerId = req.t('ledger.errors.partnerRequired')
    if (!user) errors.email = req.t('ledger.errors.userUnknown')
    if (!target || !user)
      return setupPage(req, reply, { values, form: 'link', errors: fromMessages(errors, LINK_FIELDS) }, 400)
    await ctx.write((trx) => linkPartnerUser(trx, target.id, user.id))
    await ctx.sessions.flash(req, reply, 'success', req.t('ledger.setup.linked', { partner: target.name }))
    return reply.redirect(`${base(ward)}/setup`, 303)
  })

  app.post('/wards/:wardCode/fund/manage/funds', manage('ledger.fund.create'), async (req, reply) => {
    const ward = req.ward!
    const parsed = FundForm.safeParse(req.body)
    const values = fieldValues(req.body, FUND_FIELDS)
    if (!parsed.success)
      return setupPage(
        req,
        reply,
        { values, form: 'fund', errors: toGovukErrors(parsed.error, req.t, FUND_FIELDS) },
        400,
      )
    if ((await listFunds(db, ward.id)).some((f) => f.financialYear === parsed.data.financialYear))
      return setupPage(
        req,
        reply,
        { values, form: 'fund', errors: fromMessages({ financialYear: req.t('ledger.errors.fundExists') }) },
        400,
      )
    await ctx.write((trx) => insertFund(trx, { wardId: ward.id, ...parsed.data }))
    await ctx.sessions.flash(req, reply, 'success', req.t('ledger.setup.fundAdded'))
    return reply.redirect(`${base(ward)}/setup`, 303)
  })

  async function moneyPage(
    template: 'pledge' | 'movement',
    req: FastifyRequest,
    reply: FastifyReply,
    extra: { values?: Record<string, string>; errors?: GovukErrors; problem?: string } = {},
    status = 200,
  ) {
    const ward = req.ward!
    const { fund } = await currentFund(ward, extra.values?.fundId ? { fund: extra.values.fundId } : req.query)
    if (!fund) return reply.redirect(`${base(ward)}/setup`, 303)
    const view = await fundView(ward, fund)
    const values = { idempotencyKey: newKey(), ...extra.values, fundId: String(fund.id) }
    return reply.page(
      `${V}/${template}.njk`,
      {
        ward,
        base: base(ward),
        ...view,
        themes,
        kinds: MOVEMENT_KINDS,
        selectedThemes: fieldValuesList(req.body, 'themes'),
        ...extra,
        values,
      },
      { status, form: true },
    )
  }

  const refusal = (req: FastifyRequest, r: Extract<LedgerResult, { ok: false }>, field: string) =>
    fromMessages({ [field]: req.t(`ledger.errors.${r.error}`) })

  app.get('/wards/:wardCode/fund/manage/pledges', manage('ledger.pledge.read'), async (req, reply) =>
    moneyPage('pledge', req, reply),
  )

  app.post('/wards/:wardCode/fund/manage/pledges', manage('ledger.pledge.record'), async (req, reply) => {
    const ward = req.ward!
    const parsed = PledgeForm.safeParse(req.body)
    const values = fieldValues(req.body, PLEDGE_FIELDS)
    if (!parsed.success)
      return moneyPage('pledge', req, reply, { values, errors: toGovukErrors(parsed.error, req.t, PLEDGE_FIELDS) }, 400)
    const d = parsed.data
    const unknownTheme = d.themes.find((s) => !themes.some((t) => t.slug === s))
    if (unknownTheme !== undefined)
      return moneyPage(
        'pledge',
        req,
        reply,
        { values, errors: fromMessages({ themes: req.t('ledger.errors.themeRequired') }) },
        400,
      )
    const result = await ledger.pledge(
      d.idempotencyKey,
      {
        wardId: ward.id,
        fundId: d.fundId,
        partnerId: d.partnerId,
        amountPence: d.amount,
        themes: d.themes,
        expiresOn: d.expiresOn,
        approvalRequired: d.approvalRequired === 'yes',
        note: d.note,
      },
      { userId: userId(req) },
    )
    if (!result.ok)
      return moneyPage(
        'pledge',
        req,
        reply,
        { values, errors: refusal(req, result, result.error === 'partner_unknown' ? 'partnerId' : 'amount') },
        result.error === 'idempotency_conflict' ? 409 : 400,
      )
    if (!result.replayed) await ctx.sessions.flash(req, reply, 'success', req.t('ledger.pledge.recorded'))
    return reply.redirect(`${base(ward)}?fund=${d.fundId}`, 303)
  })

  app.get('/wards/:wardCode/fund/manage/movements', manage('ledger.movement.read'), async (req, reply) =>
    moneyPage('movement', req, reply),
  )

  app.post('/wards/:wardCode/fund/manage/movements', manage('ledger.movement.record'), async (req, reply) => {
    const ward = req.ward!
    const parsed = MovementForm.safeParse(req.body)
    const values = fieldValues(req.body, MOVEMENT_FIELDS)
    if (!parsed.success)
      return moneyPage(
        'movement',
        req,
        reply,
        { values, errors: toGovukErrors(parsed.error, req.t, MOVEMENT_FIELDS) },
        400,
      )
    const d = parsed.data
    if ((d.kind === 'allocation' || d.kind === 'release') && !themes.some((t) => t.slug === d.theme))
      return moneyPage(
        'movement',
        req,
        reply,
        { values, errors: fromMessages({ theme: req.t('ledger.errors.themeRequired') }) },
        400,
      )
    const operation =
      d.kind === 'allocation' || d.kind === 'release'
        ? { kind: d.kind, pledgeId: d.pledgeId, amountPence: d.amount, theme: d.theme, purpose: d.purpose }
        : { kind: d.kind, pledgeId: d.pledgeId, amountPence: d.amount }
    const result = await ledger.move(
      d.idempotencyKey,
      { wardId: ward.id, fundId: d.fundId, operation, memo: d.memo },
      { userId: userId(req) },
    )
    if (!result.ok) {
      const field =
        result.error === 'theme_not_allowed'
          ? 'theme'
          : result.error.startsWith('pledge') || result.error === 'approval_required'
            ? 'pledgeId'
            : 'amount'
      return moneyPage(
        'movement',
        req,
        reply,
        { values, errors: refusal(req, result, field) },
        result.error === 'idempotency_conflict' || result.error === 'insufficient_funds' ? 409 : 400,
      )
    }
    if (!result.replayed) await ctx.sessions.flash(req, reply, 'success', req.t(`ledger.movement.recorded.${d.kind}`))
    return reply.redirect(`${base(ward)}?fund=${d.fundId}`, 303)
  })

  app.post('/wards/:wardCode/fund/manage/reversals', manage('ledger.reversal.record'), async (req, reply) => {
    const ward = req.ward!
    const parsed = ReversalForm.safeParse(req.body)
    if (!parsed.success) return dashboard(req, reply, { problem: req.t('ledger.errors.reasonRequired') }, 400)
    const d = parsed.data
    const result = await ledger.reverse(
      d.idempotencyKey,
      { wardId: ward.id, fundId: d.fundId, transactionId: d.transactionId, memo: d.memo },
      { userId: userId(req) },
    )
    if (!result.ok)
      return dashboard(req, reply, { problem: req.t(`ledger.errors.${result.error}`), fundId: d.fundId }, 409)
    if (!result.replayed) await ctx.sessions.flash(req, reply, 'success', req.t('ledger.reversal.recorded'))
    return reply.redirect(`${base(ward)}?fund=${d.fundId}`, 303)
  })

  // --- Budget partners ---------------------------------------------------------------------------

  app.get('/wards/:wardCode/fund/partner', partner('ledger.partner.read'), async (req, reply) => {
    const ward = req.ward!
    const own = req.actor.kind === 'user' ? await partnersOfUser(db, ward.id, req.actor.userId) : []
    const { funds, fund } = await currentFund(ward, req.query)
    const ids = own.map((p) => p.id)
    return reply.page(
      `${V}/partner.njk`,
      { ward, own, funds, ...(fund && own.length > 0 ? await fundView(ward, fund, ids) : {}) },
      { form: true },
    )
  })

  app.post('/wards/:wardCode/fund/partner/approve', partner('ledger.pledge.approve'), async (req, reply) => {
    const ward = req.ward!
    const parsed = ApproveForm.safeParse(req.body)
    const own = req.actor.kind === 'user' ? await partnersOfUser(db, ward.id, req.actor.userId) : []
    const funds = await listFunds(db, ward.id)
    const pledges = (await Promise.all(funds.map((f) => listPledges(db, f.id)))).flat()
    const pledge = parsed.success ? pledges.find((p) => p.id === parsed.data.pledgeId) : undefined
    // A partner approves only its own pledges: anything else is answered as if the pledge did not exist.
    if (!pledge || !own.some((p) => p.id === pledge.partnerId))
      return reply.page('errors/not-found.njk', {}, { status: 404 })
    await ctx.write((trx) => insertApproval(trx, pledge.id, userId(req)))
    await ctx.sessions.flash(req, reply, 'success', req.t('ledger.partner.approved'))
    return reply.redirect(`/wards/${ward.code}/fund/partner?fund=${pledge.fundId}`, 303)
  })
}

function fieldValuesList(body: unknown, field: string): string[] {
  if (typeof body !== 'object' || body === null) return []
  const v = (body as Record<string, unknown>)[field]
  if (typeof v === 'string') return [v]
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
}
