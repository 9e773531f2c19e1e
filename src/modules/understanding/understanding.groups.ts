/**
 * "Which groups" for a need, honestly: equality answers are kept apart from responses under a pseudonym and cannot
 * be linked to the answers that evidence a need. What can be shown is the group profile of everyone who answered
 * the equality questions in the consultations the evidence comes from, taken together, through the engagement
 * module's disclosure control, and compared with the ward's census shares by the reach module.
 */
import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import { summariseEquality, type EqualitySummary } from '../engagement/index.js'
import { createReachService, DEFAULT_THRESHOLD, type CharacteristicReach } from '../reach/index.js'
import type { Item } from './understanding.service.js'

export interface NeedGroups {
  /** How many consultations the evidence comes from (demo and imported texts have none). */
  consultations: number
  /** People who answered the equality questions in those consultations: disclosure-controlled. */
  total: number | null
  /** Every question, every category: disclosure-controlled counts (null: hidden). */
  fields: EqualitySummary['fields']
  /** The census-comparable questions, compared with the ward's residents. */
  census: CharacteristicReach[]
}

/** The consultations a need's evidence comes from, in id order. */
export function consultationsOf(items: readonly Item[]): number[] {
  return [...new Set(items.flatMap((i) => (i.consultationId === null ? [] : [i.consultationId])))].sort((a, b) => a - b)
}

/** Null when none of the evidence comes from a consultation (so there is no one's equality answers to describe). */
export async function summariseNeedGroups(
  db: Kysely<Database>,
  wardId: number,
  items: readonly Item[],
): Promise<NeedGroups | null> {
  const ids = consultationsOf(items)
  if (!ids.length) return null
  const equality = await summariseEquality(db, wardId, ids)
  const census = await createReachService(db).compareWithCensus(wardId, equality, DEFAULT_THRESHOLD)
  return { consultations: ids.length, total: equality.total, fields: equality.fields, census }
}

export interface NeedGroupRow {
  value: string
  count: number | null
  /** Only for questions compared with the census: shares of the published counts, and of residents. */
  participantShare: number | null
  residentShare: number | null
}

export interface NeedGroupTable {
  field: string
  /** Compared with the ward's census shares (the reach module's mapping and figures are there). */
  compared: boolean
  rows: NeedGroupRow[]
}

/**
 * One table per question. Where reach compares a question with the census, its categories' counts are reach's
 * (which may hide one more cell within them), so the table never shows a count that the comparison hid.
 */
export function needGroupTables(g: NeedGroups): NeedGroupTable[] {
  return g.fields.map((f) => {
    const c = g.census.find((x) => x.field === f.field && !x.missing)
    return {
      field: f.field,
      compared: c !== undefined,
      rows: f.rows.map((r) => {
        const cr = c?.rows.find((x) => x.code === r.value)
        return cr
          ? {
              value: r.value,
              count: cr.participants,
              participantShare: cr.participantShare,
              residentShare: cr.residentShare,
            }
          : { value: r.value, count: r.count, participantShare: null, residentShare: null }
      }),
    }
  })
}
