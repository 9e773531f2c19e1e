import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.js'

export interface Ward {
  id: number
  councilId: number
  code: string
  name: string
  isActive: boolean
  programmeName: string
  strapline: string
  centroid: { lat: number; lon: number } | null
}

export interface Council {
  id: number
  code: string
  name: string
}

type WardRow = {
  id: number
  council_id: number
  code: string
  name: string
  is_active: number
  programme_name: string
  strapline: string
  centroid_lat: number | null
  centroid_lon: number | null
}

const wardColumns = [
  'id',
  'council_id',
  'code',
  'name',
  'is_active',
  'programme_name',
  'strapline',
  'centroid_lat',
  'centroid_lon',
] as const

function toWard(r: WardRow): Ward {
  return {
    id: Number(r.id),
    councilId: Number(r.council_id),
    code: r.code,
    name: r.name,
    isActive: Number(r.is_active) === 1,
    programmeName: r.programme_name,
    strapline: r.strapline,
    centroid:
      r.centroid_lat === null || r.centroid_lon === null
        ? null
        : { lat: Number(r.centroid_lat), lon: Number(r.centroid_lon) },
  }
}

export async function findWardByCode(db: Kysely<Database>, code: string): Promise<Ward | undefined> {
  const r = await db.selectFrom('tenancy_ward').select(wardColumns).where('code', '=', code).executeTakeFirst()
  return r ? toWard(r) : undefined
}

export async function findWardById(db: Kysely<Database>, id: number): Promise<Ward | undefined> {
  const r = await db.selectFrom('tenancy_ward').select(wardColumns).where('id', '=', id).executeTakeFirst()
  return r ? toWard(r) : undefined
}

export async function listWards(
  db: Kysely<Database>,
  filter: { councilId?: number; activeOnly?: boolean } = {},
): Promise<Ward[]> {
  let q = db.selectFrom('tenancy_ward').select(wardColumns).orderBy('name')
  if (filter.councilId !== undefined) q = q.where('council_id', '=', filter.councilId)
  if (filter.activeOnly) q = q.where('is_active', '=', 1)
  return (await q.execute()).map(toWard)
}

export async function findWardBoundary(db: Kysely<Database>, wardId: number): Promise<unknown> {
  const r = await db.selectFrom('tenancy_ward').select('boundary_geojson').where('id', '=', wardId).executeTakeFirst()
  return r?.boundary_geojson ? (JSON.parse(r.boundary_geojson) as unknown) : null
}

export async function setWardActive(db: Kysely<Database>, wardId: number, active: boolean): Promise<void> {
  await db
    .updateTable('tenancy_ward')
    .set({ is_active: active ? 1 : 0 })
    .where('id', '=', wardId)
    .execute()
}

export async function findCouncilByCode(db: Kysely<Database>, code: string): Promise<Council | undefined> {
  const r = await db
    .selectFrom('tenancy_council')
    .select(['id', 'code', 'name'])
    .where('code', '=', code)
    .executeTakeFirst()
  return r ? { id: Number(r.id), code: r.code, name: r.name } : undefined
}

export async function upsertCouncil(db: Kysely<Database>, c: { code: string; name: string }): Promise<Council> {
  const existing = await findCouncilByCode(db, c.code)
  if (existing) {
    await db.updateTable('tenancy_council').set({ name: c.name }).where('id', '=', existing.id).execute()
    return { ...existing, name: c.name }
  }
  const r = await db
    .insertInto('tenancy_council')
    .values({ code: c.code, name: c.name, created_at: new Date().toISOString() })
    .returning('id')
    .executeTakeFirstOrThrow()
  return { id: Number(r.id), code: c.code, name: c.name }
}

export interface WardInput {
  councilId: number
  code: string
  name: string
  programmeName: string
  strapline: string
  boundaryGeojson: string | null
  centroid: { lat: number; lon: number } | null
}

/** Inserts or refreshes a ward from imported data; keeps whether an admin switched it on. */
export async function upsertWard(db: Kysely<Database>, w: WardInput, activateIfNew: boolean): Promise<Ward> {
  const existing = await findWardByCode(db, w.code)
  const values = {
    council_id: w.councilId,
    name: w.name,
    programme_name: w.programmeName,
    strapline: w.strapline,
    boundary_geojson: w.boundaryGeojson,
    centroid_lat: w.centroid?.lat ?? null,
    centroid_lon: w.centroid?.lon ?? null,
  }
  if (existing) {
    await db.updateTable('tenancy_ward').set(values).where('id', '=', existing.id).execute()
  } else {
    await db
      .insertInto('tenancy_ward')
      .values({ ...values, code: w.code, is_active: activateIfNew ? 1 : 0, created_at: new Date().toISOString() })
      .execute()
  }
  const ward = await findWardByCode(db, w.code)
  if (!ward) throw new Error(`ward ${w.code} vanished after upsert`)
  return ward
}
