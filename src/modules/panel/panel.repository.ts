import { randomBytes } from 'node:crypto'
import type { Kysely, Selectable } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import type { Quota } from './selection/index.js'
import type { FeatureValues, PoolMember } from './panel.rules.js'
import type { PanelVolunteerTable } from './panel.tables.js'
import './panel.tables.js'

/** The only code that touches the panel_ tables. */

export interface PanelSettings {
  k: number
  onePerHousehold: boolean
  quotas: Quota[]
}

export async function getSettings(db: Kysely<Database>, wardId: number): Promise<PanelSettings | undefined> {
  const r = await db.selectFrom('panel_settings').selectAll().where('ward_id', '=', wardId).executeTakeFirst()
  if (!r) return undefined
  return {
    k: Number(r.k),
    onePerHousehold: Number(r.one_per_household) === 1,
    quotas: JSON.parse(r.quotas_json) as Quota[],
  }
}

export async function saveSettings(
  db: Kysely<Database>,
  wardId: number,
  s: PanelSettings,
  userId: number | null,
): Promise<void> {
  const values = {
    k: s.k,
    one_per_household: s.onePerHousehold ? (1 as const) : (0 as const),
    quotas_json: JSON.stringify(s.quotas),
    updated_by_user_id: userId,
    updated_at: new Date().toISOString(),
  }
  await db
    .insertInto('panel_settings')
    .values({ ward_id: wardId, ...values })
    .onConflict((oc) => oc.column('ward_id').doUpdateSet(values))
    .execute()
}

export function newPseudonym(): string {
  return `V-${randomBytes(4).toString('hex').toUpperCase()}`
}

export interface VolunteerRecord extends PoolMember {
  id: number
  userId: number | null
  source: 'self' | 'import'
  externalRef: string | null
  status: 'active' | 'withdrawn'
}

function toVolunteer(r: Selectable<PanelVolunteerTable>): VolunteerRecord {
  return {
    id: Number(r.id),
    pseudonym: String(r.pseudonym),
    userId: r.user_id === null ? null : Number(r.user_id),
    source: r.source === 'import' ? 'import' : 'self',
    externalRef: r.external_ref === null ? null : String(r.external_ref),
    status: r.status === 'withdrawn' ? 'withdrawn' : 'active',
    household: r.household === null ? null : String(r.household),
    values: {
      age_band: String(r.age_band),
      sex: String(r.sex),
      ethnic_group: String(r.ethnic_group),
      disability: String(r.disability),
      tenure: String(r.tenure),
      area: String(r.area),
    },
  }
}

export async function findVolunteerByUser(
  db: Kysely<Database>,
  wardId: number,
  userId: number,
): Promise<VolunteerRecord | undefined> {
  const r = await db
    .selectFrom('panel_volunteer')
    .selectAll()
    .where('ward_id', '=', wardId)
    .where('user_id', '=', userId)
    .executeTakeFirst()
  return r ? toVolunteer(r) : undefined
}

export async function listPool(db: Kysely<Database>, wardId: number): Promise<VolunteerRecord[]> {
  const rows = await db
    .selectFrom('panel_volunteer')
    .selectAll()
    .where('ward_id', '=', wardId)
    .where('status', '=', 'active')
    .orderBy('id')
    .execute()
  return rows.map(toVolunteer)
}

export async function countPool(db: Kysely<Database>, wardId: number): Promise<number> {
  const r = await db
    .selectFrom('panel_volunteer')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('ward_id', '=', wardId)
    .where('status', '=', 'active')
    .executeTakeFirstOrThrow()
  return Number(r.n)
}

export interface NewVolunteer {
  wardId: number
  userId: number | null
  source: 'self' | 'import'
  externalRef: string | null
  values: FeatureValues
  household: string | null
}

/** Inserts or, for a person who withdrew earlier, reactivates with the new answers. Returns the pseudonym. */
export async function upsertVolunteer(db: Kysely<Database>, v: NewVolunteer): Promise<string> {
  const now = new Date().toISOString()
  const answers = {
    age_band: v.values.age_band,
    sex: v.values.sex,
    ethnic_group: v.values.ethnic_group,
    disability: v.values.disability,
    tenure: v.values.tenure,
    area: v.values.area,
    household: v.household,
    status: 'active' as const,
    consent_at: now,
    updated_at: now,
  }
  if (v.userId !== null) {
    const existing = await findVolunteerByUser(db, v.wardId, v.userId)
    if (existing) {
      await db.updateTable('panel_volunteer').set(answers).where('id', '=', existing.id).execute()
      return existing.pseudonym
    }
  }
  const pseudonym = newPseudonym()
  await db
    .insertInto('panel_volunteer')
    .values({
      ward_id: v.wardId,
      pseudonym,
      user_id: v.userId,
      source: v.source,
      external_ref: v.externalRef,
      ...answers,
      created_at: now,
    })
    .execute()
  return pseudonym
}

/** Withdrawal erases the special category answers: they were kept only for selection. */
export async function withdrawVolunteer(db: Kysely<Database>, id: number): Promise<void> {
  await db
    .updateTable('panel_volunteer')
    .set({
      status: 'withdrawn',
      age_band: '',
      sex: '',
      ethnic_group: '',
      disability: '',
      tenure: '',
      area: '',
      household: null,
      updated_at: new Date().toISOString(),
    })
    .where('id', '=', id)
    .execute()
}

export interface RunRecord {
  id: number
  kind: 'initial' | 'replacement'
  k: number
  n: number
  instanceJson: string
  onePerHousehold: boolean
  distributionJson: string
  probabilities: [string, number][]
  probabilitiesHash: string
  minProbability: number
  legacyMinProbability: number | null
  legacyProbabilities: [string, number][] | null
  leximinMs: number
  seed: string | null
  panel: string[] | null
  drawnAt: string | null
  createdAt: string
}

export type NewRun = Omit<RunRecord, 'id' | 'seed' | 'panel' | 'drawnAt' | 'createdAt'> & {
  wardId: number
  createdBy: number | null
  seed?: string
  panel?: string[]
  drawnBy?: number | null
}

export async function insertRun(db: Kysely<Database>, r: NewRun): Promise<number> {
  const now = new Date().toISOString()
  const row = await db
    .insertInto('panel_run')
    .values({
      ward_id: r.wardId,
      kind: r.kind,
      method: 'leximin',
      k: r.k,
      n: r.n,
      instance_json: r.instanceJson,
      one_per_household: r.onePerHousehold ? 1 : 0,
      distribution_json: r.distributionJson,
      probabilities_json: JSON.stringify(r.probabilities),
      probabilities_hash: r.probabilitiesHash,
      min_probability: r.minProbability,
      legacy_min_probability: r.legacyMinProbability,
      legacy_probabilities_json: r.legacyProbabilities ? JSON.stringify(r.legacyProbabilities) : null,
      leximin_ms: Math.round(r.leximinMs),
      seed: r.seed ?? null,
      panel_json: r.panel ? JSON.stringify(r.panel) : null,
      drawn_at: r.panel ? now : null,
      drawn_by_user_id: r.panel ? (r.drawnBy ?? null) : null,
      created_by_user_id: r.createdBy,
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return Number(row.id)
}

function toRun(r: Record<string, unknown>): RunRecord {
  return {
    id: Number(r.id),
    kind: r.kind === 'replacement' ? 'replacement' : 'initial',
    k: Number(r.k),
    n: Number(r.n),
    instanceJson: String(r.instance_json),
    onePerHousehold: Number(r.one_per_household) === 1,
    distributionJson: String(r.distribution_json),
    probabilities: JSON.parse(String(r.probabilities_json)) as [string, number][],
    probabilitiesHash: String(r.probabilities_hash),
    minProbability: Number(r.min_probability),
    legacyMinProbability: r.legacy_min_probability === null ? null : Number(r.legacy_min_probability),
    legacyProbabilities:
      r.legacy_probabilities_json === null
        ? null
        : (JSON.parse(String(r.legacy_probabilities_json)) as [string, number][]),
    leximinMs: Number(r.leximin_ms),
    seed: r.seed === null ? null : String(r.seed),
    panel: r.panel_json === null ? null : (JSON.parse(String(r.panel_json)) as string[]),
    drawnAt: r.drawn_at === null ? null : String(r.drawn_at),
    createdAt: String(r.created_at),
  }
}

export async function latestRun(
  db: Kysely<Database>,
  wardId: number,
  kind: 'initial' | 'replacement' = 'initial',
): Promise<RunRecord | undefined> {
  const r = await db
    .selectFrom('panel_run')
    .selectAll()
    .where('ward_id', '=', wardId)
    .where('kind', '=', kind)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst()
  return r ? toRun(r) : undefined
}

export async function listDrawnRuns(db: Kysely<Database>, wardId: number): Promise<RunRecord[]> {
  const rows = await db
    .selectFrom('panel_run')
    .selectAll()
    .where('ward_id', '=', wardId)
    .where('drawn_at', 'is not', null)
    .orderBy('id')
    .execute()
  return rows.map(toRun)
}

/** Marks a run drawn, only if nobody drew it first (two officers pressing at once draw once). */
export async function markRunDrawn(
  db: Kysely<Database>,
  runId: number,
  d: { seed: string; panel: string[]; userId: number | null },
): Promise<boolean> {
  const r = await db
    .updateTable('panel_run')
    .set({
      seed: d.seed,
      panel_json: JSON.stringify(d.panel),
      drawn_at: new Date().toISOString(),
      drawn_by_user_id: d.userId,
    })
    .where('id', '=', runId)
    .where('drawn_at', 'is', null)
    .executeTakeFirst()
  return Number(r.numUpdatedRows) === 1
}

export interface MemberRecord {
  id: number
  volunteerId: number
  runId: number
  status: 'invited' | 'accepted' | 'declined'
  interests: string
  respondedAt: string | null
  pseudonym: string
  userId: number | null
  externalRef: string | null
}

export async function insertMembers(
  db: Kysely<Database>,
  wardId: number,
  runId: number,
  volunteerIds: number[],
): Promise<void> {
  const now = new Date().toISOString()
  if (volunteerIds.length === 0) return
  await db
    .insertInto('panel_member')
    .values(
      volunteerIds.map((v) => ({
        ward_id: wardId,
        volunteer_id: v,
        run_id: runId,
        status: 'invited' as const,
        interests: '',
        responded_at: null,
        created_at: now,
      })),
    )
    .execute()
}

function memberQuery(db: Kysely<Database>) {
  return db
    .selectFrom('panel_member as m')
    .innerJoin('panel_volunteer as v', 'v.id', 'm.volunteer_id')
    .select([
      'm.id',
      'm.volunteer_id',
      'm.run_id',
      'm.status',
      'm.interests',
      'm.responded_at',
      'v.pseudonym',
      'v.user_id',
      'v.external_ref',
    ])
}

function toMember(r: {
  id: unknown
  volunteer_id: unknown
  run_id: unknown
  status: string
  interests: string
  responded_at: string | null
  pseudonym: string
  user_id: unknown
  external_ref: string | null
}): MemberRecord {
  return {
    id: Number(r.id),
    volunteerId: Number(r.volunteer_id),
    runId: Number(r.run_id),
    status: r.status === 'accepted' ? 'accepted' : r.status === 'declined' ? 'declined' : 'invited',
    interests: r.interests,
    respondedAt: r.responded_at,
    pseudonym: r.pseudonym,
    userId: r.user_id === null ? null : Number(r.user_id),
    externalRef: r.external_ref,
  }
}

export async function listMembers(db: Kysely<Database>, wardId: number): Promise<MemberRecord[]> {
  return (await memberQuery(db).where('m.ward_id', '=', wardId).orderBy('m.id').execute()).map(toMember)
}

export async function findMemberByUser(
  db: Kysely<Database>,
  wardId: number,
  userId: number,
): Promise<MemberRecord | undefined> {
  const r = await memberQuery(db).where('m.ward_id', '=', wardId).where('v.user_id', '=', userId).executeTakeFirst()
  return r ? toMember(r) : undefined
}

/** Records an answer to an invitation; only an open invitation can be answered. */
export async function respondToInvitation(
  db: Kysely<Database>,
  memberId: number,
  status: 'accepted' | 'declined',
): Promise<boolean> {
  const r = await db
    .updateTable('panel_member')
    .set({ status, responded_at: new Date().toISOString() })
    .where('id', '=', memberId)
    .where('status', '=', 'invited')
    .executeTakeFirst()
  return Number(r.numUpdatedRows) === 1
}

export async function setInterests(db: Kysely<Database>, memberId: number, interests: string): Promise<boolean> {
  const r = await db
    .updateTable('panel_member')
    .set({ interests })
    .where('id', '=', memberId)
    .where('status', '=', 'accepted')
    .executeTakeFirst()
  return Number(r.numUpdatedRows) === 1
}
