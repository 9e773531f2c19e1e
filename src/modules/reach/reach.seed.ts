import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import type { Ward } from '../../platform/tenancy/index.js'
import { findUserByEmail } from '../accounts/index.js'
import { listConsultations } from '../engagement/index.js'
import { listWardPostcodes } from '../geography/index.js'
import { PROTECTED_CHARACTERISTICS, reachEvidenceFor } from './eia.rules.js'
import {
  insertPlan,
  insertVenue,
  recordPlanResult,
  saveEia,
  setPlanVenueAndAssignees,
  signOffEia,
} from './reach.repository.js'
import { DEFAULT_THRESHOLD } from './reach.rules.js'
import { createReachService } from './reach.service.js'

/**
 * Demo content for reach: three venues, two outreach plans (one done, with its result) and an Equality Impact
 * Assessment of the demo consultation. Every name says "Demo"; venues are placed from postcodes of the ward's own
 * postcode table (real postcodes, no claim about any real building), and nothing is added twice.
 */
export async function seedReachDemo(
  db: Kysely<Database>,
  ward: Ward,
  emails: { officer: string; secondOfficer: string; volunteer: string },
): Promise<void> {
  const existing = await db.selectFrom('reach_venue').select('id').where('ward_id', '=', ward.id).executeTakeFirst()
  if (existing) return
  const service = createReachService(db)
  const [officer, second, volunteer] = await Promise.all([
    findUserByEmail(db, emails.officer),
    findUserByEmail(db, emails.secondOfficer),
    findUserByEmail(db, emails.volunteer),
  ])

  // One postcode in each of three different LSOAs, chosen deterministically (the first in code order).
  const postcodes = (await listWardPostcodes(db, ward.id)).sort()
  const placed = await service.placePostcodes(ward, postcodes)
  const byLsoa = new Map<string, string>()
  postcodes.forEach((pc, i) => {
    const p = placed[i]!.placement
    if (p.status === 'placed' && !byLsoa.has(p.lsoaCode)) byLsoa.set(p.lsoaCode, pc)
  })
  const venues = [
    { name: 'Demo venue: community hall', accessibility: 'Demo: step-free entrance, accessible toilet, hearing loop.' },
    { name: 'Demo venue: library meeting room', accessibility: 'Demo: lift to first floor; quiet room on request.' },
    { name: 'Demo venue: church hall', accessibility: 'Demo: one step at the entrance, portable ramp available.' },
  ]
  const chosen = [...byLsoa.entries()].slice(0, venues.length)
  const venueIds: number[] = []
  for (const [i, [lsoaCode, postcode]] of chosen.entries()) {
    const p = placed[postcodes.indexOf(postcode)]!.placement
    venueIds.push(
      await insertVenue(db, {
        wardId: ward.id,
        name: venues[i]!.name,
        address: `Demo address near ${postcode}`,
        postcode,
        lsoaCode,
        oaCode: p.status === 'placed' ? p.oaCode : null,
        accessibility: venues[i]!.accessibility,
        notes: 'Demo content: not a real booking.',
        createdBy: officer?.id ?? null,
        isDemo: true,
      }),
    )
  }

  const { targets } = await service.outreach(ward, DEFAULT_THRESHOLD)
  const plans = targets.slice(0, 2)
  for (const [i, t] of plans.entries()) {
    const venueId = t.venues[0]?.venue.id ?? venueIds[0] ?? null
    const id = await insertPlan(db, {
      wardId: ward.id,
      targetKind: t.kind,
      targetKey: t.key,
      targetLabel: t.label,
      place: t.venues[0]?.venue.name ?? 'Demo venue to be chosen',
      plannedOn: i === 0 ? '2026-12-12' : '2026-11-21',
      assignedTo: 'Demo outreach team',
      notes: 'Demo: bring paper forms and the large-print version.',
      createdBy: officer?.id ?? null,
      venueId,
      isDemo: true,
    })
    await setPlanVenueAndAssignees(db, id, venueId, volunteer ? [volunteer.id] : [])
    if (i === 1)
      await recordPlanResult(db, id, {
        status: 'done',
        peopleReached: 18,
        responsesCollected: 11,
        notes: 'Demo result: most people had not heard of the consultation.',
        by: volunteer?.id ?? null,
      })
  }

  const consultation = (await listConsultations(db, ward.id))[0]
  if (!consultation) return
  const report = await service.report(ward, { threshold: DEFAULT_THRESHOLD })
  const asOf = new Date().toISOString().slice(0, 10)
  const eiaId = await saveEia(db, {
    wardId: ward.id,
    subjectKind: 'consultation',
    subjectId: consultation.id,
    subjectLabel: consultation.title,
    summary: 'Demo assessment: the consultation is open to everyone in the ward, online, on paper and at events.',
    impacts: PROTECTED_CHARACTERISTICS.map((c) => {
      const ev = reachEvidenceFor(c.reach, report.groups, asOf)
      const negative = c.code === 'age'
      return {
        characteristic: c.code,
        impact: negative ? 'negative' : c.reach ? 'neutral' : 'unknown',
        evidence: c.reach ? 'Demo: see the reach figures for who has been heard so far.' : '',
        reachEvidenceJson: ev ? JSON.stringify(ev) : null,
        mitigation: negative ? 'Demo: outreach at venues younger residents use; a short form for phones.' : '',
      }
    }),
    by: officer?.id ?? null,
    isDemo: true,
  })
  if (second) await signOffEia(db, ward.id, eiaId, second.id)
}
