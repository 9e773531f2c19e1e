import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { PlatformContext } from '../../platform/module.js'
import type { Ward } from '../../platform/tenancy/index.js'
import { fieldValues, toGovukErrors } from '../../platform/views/index.js'
import { fromMessages } from '../../platform/views/forms.js'
import { listWardTeam } from '../accounts/index.js'
import { listWardDelivery } from '../delivery/index.js'
import { listConsultations } from '../engagement/index.js'
import { listTracedRounds } from '../prioritisation/index.js'
import { EIA_FIELDS, EiaForm } from './eia.forms.js'
import {
  EIA_IMPACTS,
  PROTECTED_CHARACTERISTICS,
  impactProblems,
  maySignOff,
  reachEvidenceFor,
  type ReachEvidence,
} from './eia.rules.js'
import { getEia, listEias, saveEia, signOffEia, type Eia } from './reach.repository.js'
import { DEFAULT_THRESHOLD } from './reach.rules.js'
import type { ReachService } from './reach.service.js'
import type { EiaImpact, EiaSubjectKind } from './reach.tables.js'

const V = 'reach/views'
const guard = (audit: string) => ({ config: { access: { permission: 'reach.eia', wardParam: 'wardCode' }, audit } })
const notFound = (reply: FastifyReply) => reply.page('errors/not-found.njk', {}, { status: 404 })
const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(1)}%`)

interface Subject {
  kind: EiaSubjectKind
  id: number
  label: string
}

/**
 * Equality Impact Assessments for a consultation, a priority round or a service: the nine protected characteristics,
 * each with its impact, evidence (with the ward's disclosure-controlled reach figures kept beside it), mitigation,
 * and sign-off by a second officer. Every change is in the EIA's own trail and the platform audit log.
 */
export function registerEiaRoutes(app: FastifyInstance, ctx: PlatformContext, service: ReachService): void {
  const userId = (req: FastifyRequest) => (req.actor.kind === 'user' ? req.actor.userId : null)

  async function subjects(ward: Ward): Promise<Subject[]> {
    // Rounds once published (open or closed): drafts are not listed by the prioritisation module.
    const [consultations, rounds, services] = await Promise.all([
      listConsultations(ctx.db, ward.id),
      listTracedRounds(ctx.db, ward.id),
      listWardDelivery(ctx.db, ward.id),
    ])
    return [
      ...consultations.map((c) => ({ kind: 'consultation' as const, id: c.id, label: c.title })),
      ...rounds.map((r) => ({ kind: 'priority_round' as const, id: r.roundId, label: r.title })),
      ...services.map((s) => ({ kind: 'service' as const, id: s.serviceId, label: s.title })),
    ]
  }

  async function names(ward: Ward): Promise<Map<number, string>> {
    return new Map((await listWardTeam(ctx.db, ward.id, ctx.councilId)).map((m) => [m.userId, m.name]))
  }

  /** Reach figures for each characteristic that has them, formatted for the page. */
  async function evidence(ward: Ward): Promise<Record<string, ReachEvidence | null>> {
    const report = await service.report(ward, { threshold: DEFAULT_THRESHOLD })
    const asOf = new Date().toISOString().slice(0, 10)
    return Object.fromEntries(
      PROTECTED_CHARACTERISTICS.map((c) => [c.code, reachEvidenceFor(c.reach, report.groups, asOf)]),
    )
  }

  const viewEvidence = (e: ReachEvidence | null) =>
    e && {
      ...e,
      rows: e.rows.map((r) => ({
        ...r,
        participantShareText: pct(r.participantShare),
        residentShareText: pct(r.residentShare),
        ratioText: r.ratio === null ? '–' : r.ratio.toFixed(2),
      })),
    }

  async function formPage(
    req: FastifyRequest,
    reply: FastifyReply,
    eia: Eia | null,
    values: Record<string, string>,
    errors?: unknown,
    status = 200,
  ) {
    const ward = req.ward!
    const [list, ev] = await Promise.all([subjects(ward), evidence(ward)])
    return reply.page(
      `${V}/eia-form.njk`,
      {
        ward,
        eia,
        subjects: list,
        characteristics: PROTECTED_CHARACTERISTICS.map((c) => ({ ...c, evidence: viewEvidence(ev[c.code] ?? null) })),
        impacts: EIA_IMPACTS,
        values,
        errors,
      },
      { status, form: true },
    )
  }

  app.get('/wards/:wardCode/reach/eia', guard('reach.eia.list'), async (req, reply) => {
    const ward = req.ward!
    return reply.page(`${V}/eia-list.njk`, { ward, eias: await listEias(ctx.db, ward.id) })
  })

  app.get('/wards/:wardCode/reach/eia/new', guard('reach.eia.view'), async (req, reply) => {
    const q = req.query as { subject?: unknown }
    const values: Record<string, string> = typeof q.subject === 'string' ? { subject: q.subject } : {}
    for (const c of PROTECTED_CHARACTERISTICS) values[`impact_${c.code}`] = 'unknown'
    return formPage(req, reply, null, values)
  })

  async function save(req: FastifyRequest, reply: FastifyReply, existing: Eia | null) {
    const ward = req.ward!
    const parsed = EiaForm.safeParse(req.body)
    const values = fieldValues(req.body, EIA_FIELDS)
    if (!parsed.success)
      return formPage(req, reply, existing, values, toGovukErrors(parsed.error, req.t, EIA_FIELDS), 400)
    const d = parsed.data as Record<string, string>
    const [kind, id] = d.subject!.split(':') as [EiaSubjectKind, string]
    const subject = (await subjects(ward)).find((s) => s.kind === kind && s.id === Number(id))
    const rows = PROTECTED_CHARACTERISTICS.map((c) => ({
      characteristic: c.code,
      impact: d[`impact_${c.code}`] as EiaImpact,
      evidence: d[`evidence_${c.code}`] ?? '',
      mitigation: d[`mitigation_${c.code}`] ?? '',
    }))
    const problems: Record<string, string> = {}
    // Only this ward's own consultations, rounds and services can be assessed here.
    if (!subject) problems.subject = req.t('reach.eia.errors.subject')
    for (const p of impactProblems(rows))
      problems[`${p.field}_${p.characteristic}`] = req.t(`reach.eia.errors.${p.field}`, {
        characteristic: req.t(`reach.eia.characteristics.${p.characteristic}`),
      })
    if (Object.keys(problems).length > 0)
      return formPage(req, reply, existing, values, fromMessages(problems, EIA_FIELDS), 400)
    const ev = await evidence(ward)
    const eiaId = await ctx.write((trx) =>
      saveEia(trx, {
        id: existing?.id,
        wardId: ward.id,
        subjectKind: subject!.kind,
        subjectId: subject!.id,
        subjectLabel: subject!.label,
        summary: d.summary!,
        impacts: rows.map((r) => ({
          ...r,
          reachEvidenceJson: ev[r.characteristic] ? JSON.stringify(ev[r.characteristic]) : null,
        })),
        by: userId(req),
      }),
    )
    await ctx.sessions.flash(req, reply, 'success', req.t('reach.eia.saved'))
    return reply.redirect(`/wards/${ward.code}/reach/eia/${eiaId}`, 303)
  }

  app.post('/wards/:wardCode/reach/eia', guard('reach.eia.create'), (req, reply) => save(req, reply, null))

  async function load(req: FastifyRequest): Promise<Eia | undefined> {
    const raw = (req.params as { eiaId?: unknown }).eiaId
    if (typeof raw !== 'string' || !/^\d{1,12}$/.test(raw)) return undefined
    return getEia(ctx.db, req.ward!.id, Number(raw))
  }

  app.get('/wards/:wardCode/reach/eia/:eiaId', guard('reach.eia.view'), async (req, reply) => {
    const ward = req.ward!
    const eia = await load(req)
    if (!eia) return notFound(reply)
    const who = await names(ward)
    const me = userId(req)
    const sign = me === null ? { ok: false as const, reason: 'sameOfficer' as const } : maySignOff(eia, me)
    return reply.page(
      `${V}/eia.njk`,
      {
        ward,
        eia,
        impacts: PROTECTED_CHARACTERISTICS.map((c) => {
          const row = eia.impacts.find((i) => i.characteristic === c.code)
          return {
            ...c,
            row,
            evidence: viewEvidence(
              row?.reachEvidenceJson ? (JSON.parse(row.reachEvidenceJson) as ReachEvidence) : null,
            ),
          }
        }),
        events: eia.events.map((e) => ({
          ...e,
          who: e.userId === null ? '–' : (who.get(e.userId) ?? req.t('reach.plan.formerMember')),
        })),
        signedOffBy: eia.signedOffBy === null ? null : (who.get(eia.signedOffBy) ?? req.t('reach.plan.formerMember')),
        canSign: sign.ok,
        signReason: sign.ok ? null : sign.reason,
      },
      { form: true },
    )
  })

  app.get('/wards/:wardCode/reach/eia/:eiaId/edit', guard('reach.eia.view'), async (req, reply) => {
    const eia = await load(req)
    if (!eia) return notFound(reply)
    const values: Record<string, string> = { subject: `${eia.subjectKind}:${eia.subjectId}`, summary: eia.summary }
    for (const i of eia.impacts) {
      values[`impact_${i.characteristic}`] = i.impact
      values[`evidence_${i.characteristic}`] = i.evidence
      values[`mitigation_${i.characteristic}`] = i.mitigation
    }
    return formPage(req, reply, eia, values)
  })

  app.post('/wards/:wardCode/reach/eia/:eiaId', guard('reach.eia.update'), async (req, reply) => {
    const eia = await load(req)
    if (!eia) return notFound(reply)
    return save(req, reply, eia)
  })

  app.post('/wards/:wardCode/reach/eia/:eiaId/sign-off', guard('reach.eia.sign_off'), async (req, reply) => {
    const ward = req.ward!
    const eia = await load(req)
    if (!eia) return notFound(reply)
    const me = userId(req)!
    const check = maySignOff(eia, me)
    if (!check.ok) {
      await ctx.sessions.flash(req, reply, 'info', req.t(`reach.eia.errors.${check.reason}`))
      return reply.redirect(`/wards/${ward.code}/reach/eia/${eia.id}`, 303)
    }
    const done = await ctx.write((trx) => signOffEia(trx, ward.id, eia.id, me))
    await ctx.sessions.flash(
      req,
      reply,
      done ? 'success' : 'info',
      req.t(done ? 'reach.eia.signedOff' : 'reach.eia.errors.notDraft'),
    )
    return reply.redirect(`/wards/${ward.code}/reach/eia/${eia.id}`, 303)
  })
}
