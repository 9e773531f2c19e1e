/** Equality Impact Assessments: pure rules, no I/O. */
import type { EiaImpact, EiaStatus } from './reach.tables.js'

/**
 * The nine protected characteristics of the Equality Act 2010, s.4 (codes as in the shared data file
 * `equality/protected_characteristics_equality_act_2010.json`; a test checks they match), each with the reach
 * characteristic whose figures are evidence for it, where the ward holds Census figures to compare with.
 */
export const PROTECTED_CHARACTERISTICS = [
  { code: 'age', section: 's.5', reach: 'age' },
  { code: 'disability', section: 's.6', reach: 'disability' },
  { code: 'gender-reassignment', section: 's.7', reach: null },
  { code: 'marriage-civil-partnership', section: 's.8', reach: null },
  { code: 'pregnancy-maternity', section: 's.4 (ss.17–18)', reach: null },
  { code: 'race', section: 's.9', reach: 'ethnic_group' },
  { code: 'religion-belief', section: 's.10', reach: 'religion' },
  { code: 'sex', section: 's.11', reach: 'sex' },
  { code: 'sexual-orientation', section: 's.12', reach: null },
] as const

export type ProtectedCharacteristic = (typeof PROTECTED_CHARACTERISTICS)[number]['code']
export const EIA_IMPACTS: readonly EiaImpact[] = ['positive', 'neutral', 'negative', 'unknown']
export const EIA_SUBJECT_KINDS = ['consultation', 'priority_round', 'service'] as const

/** Reach figures kept with an assessment as its evidence: shares and ratios only, never counts of people. */
export interface ReachEvidence {
  characteristic: string
  asOf: string
  rows: {
    category: string
    participantShare: number | null
    residentShare: number | null
    ratio: number | null
    flagged: boolean
  }[]
}

export function reachEvidenceFor(
  characteristic: string | null,
  groups: {
    characteristic: string
    missing: boolean
    rows: {
      category: string
      participantShare: number | null
      residentShare: number | null
      ratio: number | null
      flagged: boolean
    }[]
  }[],
  asOf: string,
): ReachEvidence | null {
  if (characteristic === null) return null
  const g = groups.find((x) => x.characteristic === characteristic)
  if (!g || g.missing || g.rows.length === 0) return null
  return {
    characteristic,
    asOf,
    rows: g.rows.map((r) => ({
      category: r.category,
      participantShare: r.participantShare,
      residentShare: r.residentShare,
      ratio: r.ratio,
      flagged: r.flagged,
    })),
  }
}

/** Problems that stop an assessment being saved: a negative impact needs a mitigation, and evidence is required. */
export function impactProblems(
  rows: { characteristic: string; impact: EiaImpact; evidence: string; mitigation: string }[],
): { characteristic: string; field: 'evidence' | 'mitigation' }[] {
  const out: { characteristic: string; field: 'evidence' | 'mitigation' }[] = []
  for (const r of rows) {
    if (r.impact !== 'unknown' && r.evidence.trim() === '')
      out.push({ characteristic: r.characteristic, field: 'evidence' })
    if (r.impact === 'negative' && r.mitigation.trim() === '')
      out.push({ characteristic: r.characteristic, field: 'mitigation' })
  }
  return out
}

/**
 * Sign-off needs a second officer: someone other than whoever wrote or last changed the assessment, and only a
 * draft can be signed (a change after sign-off puts it back to draft).
 */
export function maySignOff(
  eia: { status: EiaStatus; createdBy: number | null; updatedBy: number | null },
  userId: number,
): { ok: true } | { ok: false; reason: 'notDraft' | 'sameOfficer' } {
  if (eia.status !== 'draft') return { ok: false, reason: 'notDraft' }
  if (eia.createdBy === userId || eia.updatedBy === userId) return { ok: false, reason: 'sameOfficer' }
  return { ok: true }
}
