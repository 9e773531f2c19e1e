import type { Organisation } from '../directory/index.js'
import { orgIdentifiers } from '../directory/index.js'
import type { Bid, Clarification, Contract, Process, SpecVersion } from './commissioning.repository.js'

/**
 * OCDS 1.1 and 360Giving 1.4 from the commissioning records. Only what is published is included:
 * unpublished specifications, sealed bids, scores and people never appear.
 */

/** The council's registered identifiers, from `openData` in tenants/<id>/tenant.json. */
export interface OpenDataIds {
  ocidPrefix: string
  councilOrgId: string
  grantIdPrefix: string
  /** The identifiers are placeholders not yet registered: the packages say so in their description. */
  provisional: boolean
}

const PROVISIONAL =
  'Provisional: the identifier prefixes in this file are placeholders until they are registered; ids may change.'

export interface ProcessForOpenData {
  process: Process
  wardCode: string
  wardName: string
  spec: SpecVersion | undefined
  fundName: string
  bids: Bid[]
  organisations: Map<number, Organisation>
  contract: Contract | undefined
  payments: { instalment: number; amountPence: number; paidAt: string }[]
  clarifications: Clarification[]
}

const gbp = (pence: number) => ({ amount: pence / 100, currency: 'GBP' })
const orgRef = (o: Organisation | undefined, fallbackId: number) => {
  const ids = o ? orgIdentifiers(o) : []
  return { id: ids[0]?.orgId ?? `WT-ORG-${fallbackId}`, name: o?.name ?? '' }
}

export function buildOcdsPackage(
  items: ProcessForOpenData[],
  opts: { publicUrl: string; publisher: string; buyer: { id: string; name: string }; ids: OpenDataIds; now: string },
) {
  const releases = items
    .filter((i) => i.process.publishedAt !== null)
    .flatMap((i) => releasesOf(i, opts.buyer, opts.ids.ocidPrefix))
  return {
    uri: `${opts.publicUrl}/api/v1/open-data/ocds/release-package.json`,
    version: '1.1',
    publishedDate: opts.now,
    publisher: { name: opts.publisher },
    license: 'https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/',
    publicationPolicy: `${opts.publicUrl}/accessibility`,
    releases,
  }
}

function releasesOf(i: ProcessForOpenData, buyer: { id: string; name: string }, ocidPrefix: string) {
  const { process: p, spec, contract } = i
  const ocid = `${ocidPrefix}-${i.wardCode}-${p.id}`
  const tenderers = i.bids.map((b) => orgRef(i.organisations.get(b.organisationId), b.organisationId))
  const winner = i.bids.find((b) => b.id === p.awardBidId)
  const supplier = winner ? orgRef(i.organisations.get(winner.organisationId), winner.organisationId) : undefined
  const deadlinePassed = p.deadline !== null && Date.parse(p.deadline) <= Date.now()
  const parties = [
    { ...buyer, roles: ['buyer', 'procuringEntity'] },
    // Tenderers are named only once the deadline has passed (bids are sealed until then).
    ...(deadlinePassed ? tenderers : []).map((t) => ({
      ...t,
      roles: supplier?.id === t.id && p.awardApprovedAt ? ['tenderer', 'supplier'] : ['tenderer'],
    })),
  ]
  const planning = {
    rationale: p.sourceText,
    budget: {
      id: `fund-${p.fundId}-pledge-${p.pledgeId}`,
      description: `${i.fundName}: ${p.purpose}`,
      amount: gbp(spec?.budgetPence ?? 0),
      project: p.purpose,
    },
  }
  const tender = {
    id: `${ocid}-tender`,
    title: spec?.title ?? p.title,
    description: spec?.outcomes ?? '',
    status: p.awardApprovedAt ? 'complete' : deadlinePassed ? 'active' : 'active',
    value: gbp(spec?.budgetPence ?? 0),
    procurementMethod: p.procedure === 'invited' ? 'selective' : 'open',
    procurementMethodDetails: p.opportunityKind === 'grant' ? 'Grant' : 'Contract',
    mainProcurementCategory: 'services',
    awardCriteria: 'ratedCriteria',
    awardCriteriaDetails: p.criteria.map((c) => `${c.title}: ${c.weight}%`).join('; '),
    tenderPeriod: { startDate: p.publishedAt ?? undefined, endDate: p.deadline ?? undefined },
    enquiryPeriod: { startDate: p.publishedAt ?? undefined, endDate: p.deadline ?? undefined },
    hasEnquiries: i.clarifications.length > 0,
    ...(deadlinePassed ? { numberOfTenderers: tenderers.length, tenderers } : {}),
  }
  // A lot is published as its own contracting process that follows on from the opportunity it was divided from
  // (OCDS core has no lots without the lots extension; `planning` is the nearest core relationship).
  const related =
    p.parentId !== null
      ? {
          relatedProcesses: [
            {
              id: '1',
              relationship: ['planning'],
              title: `Lot ${p.lotNumber ?? ''} of`.trim(),
              scheme: 'ocid',
              identifier: `${ocidPrefix}-${i.wardCode}-${p.parentId}`,
            },
          ],
        }
      : {}
  const base = (tag: string, date: string) => ({
    ocid,
    id: `${ocid}-${tag}`,
    date,
    tag: [tag],
    initiationType: 'tender',
    language: 'en',
    buyer,
    parties,
    planning,
    ...related,
  })
  const out: Record<string, unknown>[] = [
    { ...base('planning', p.createdAt) },
    { ...base('tender', p.publishedAt!), tender },
  ]
  const award =
    p.awardApprovedAt && winner && supplier
      ? {
          id: `${ocid}-award`,
          title: spec?.title ?? p.title,
          description: p.awardReason,
          status: 'active',
          date: p.awardApprovedAt,
          value: gbp(winner.pricePence),
          suppliers: [supplier],
        }
      : undefined
  if (award) out.push({ ...base('award', p.awardApprovedAt!), tender, awards: [award] })
  if (award && contract) {
    const c = {
      id: contract.commitmentRef,
      awardID: award.id,
      title: spec?.title ?? p.title,
      status: 'active',
      period: { startDate: `${contract.startDate}T00:00:00Z`, endDate: `${contract.endDate}T23:59:59Z` },
      value: gbp(contract.valuePence),
      dateSigned: contract.createdAt,
      milestones: contract.milestones.map((m, n) => ({
        id: `m${n + 1}`,
        title: m,
        type: 'delivery',
        status: 'scheduled',
      })),
    }
    out.push({ ...base('contract', contract.createdAt), tender, awards: [award], contracts: [c] })
    if (i.payments.length > 0) {
      const transactions = i.payments.map((pay) => ({
        id: `${contract.commitmentRef}-${pay.instalment}`,
        date: pay.paidAt,
        value: gbp(pay.amountPence),
        payer: buyer,
        payee: supplier,
      }))
      const last = i.payments[i.payments.length - 1]!.paidAt
      out.push({
        ...base('implementation', last),
        tender,
        awards: [award],
        contracts: [{ ...c, implementation: { transactions } }],
      })
    }
  }
  return out
}

/** Grants, once awarded, as a 360Giving 1.4 data package (recipient org-ids, ward code as beneficiary location). */
export function build360Package(
  items: ProcessForOpenData[],
  opts: { funder: { id: string; name: string }; publisher: string; ids: OpenDataIds; now: string },
) {
  const grants = items
    .filter((i) => i.process.opportunityKind === 'grant' && i.process.awardApprovedAt !== null)
    .flatMap((i) => {
      const winner = i.bids.find((b) => b.id === i.process.awardBidId)
      if (!winner) return []
      const recipient = orgRef(i.organisations.get(winner.organisationId), winner.organisationId)
      return [
        {
          id: `${opts.ids.grantIdPrefix}-${i.wardCode}-${i.process.id}`,
          title: i.spec?.title ?? i.process.title,
          description: i.spec?.outcomes ?? i.process.sourceText,
          currency: 'GBP',
          amountAwarded: (i.contract?.valuePence ?? winner.pricePence) / 100,
          awardDate: i.process.awardApprovedAt!.slice(0, 10),
          ...(i.contract ? { plannedDates: [{ startDate: i.contract.startDate, endDate: i.contract.endDate }] } : {}),
          recipientOrganization: [recipient],
          fundingOrganization: [opts.funder],
          beneficiaryLocation: [{ name: i.wardName, geographicCode: i.wardCode, geographicCodeType: 'WD' }],
          fromOpenCall: i.process.procedure === 'open' ? 'Yes' : 'No',
          dateModified: opts.now,
        },
      ]
    })
  return {
    version: '1.4',
    title: `${opts.publisher}: grants from the pooled fund`,
    ...(opts.ids.provisional ? { description: PROVISIONAL } : {}),
    issued: opts.now.slice(0, 10),
    grants,
  }
}
