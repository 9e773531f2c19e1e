import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import './geography.tables.js'

export interface SmallArea {
  kind: 'lsoa' | 'oa'
  code: string
  name: string
  parentCode: string | null
  population: number | null
  imdDecile: number | null
  centroid: { lat: number; lon: number }
}

export interface AreaRecord {
  wardId: number
  kind: 'lsoa' | 'oa'
  code: string
  name: string
  parentCode: string | null
  population: number | null
  imdDecile: number | null
  centroid: { lat: number; lon: number }
  boundaryGeojson: string | null
}

/** Replaces a ward's areas in one transaction so a re-import never leaves a half-updated ward. */
export async function replaceWardAreas(db: Kysely<Database>, wardId: number, areas: AreaRecord[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('geography_area').where('ward_id', '=', wardId).execute()
    for (let i = 0; i < areas.length; i += 200) {
      const chunk = areas.slice(i, i + 200)
      await trx
        .insertInto('geography_area')
        .values(
          chunk.map((a) => ({
            ward_id: a.wardId,
            kind: a.kind,
            code: a.code,
            name: a.name,
            parent_code: a.parentCode,
            population: a.population,
            imd_decile: a.imdDecile,
            centroid_lat: a.centroid.lat,
            centroid_lon: a.centroid.lon,
            boundary_geojson: a.boundaryGeojson,
          })),
        )
        .execute()
    }
  })
}

export async function listWardAreas(db: Kysely<Database>, wardId: number, kind?: 'lsoa' | 'oa'): Promise<SmallArea[]> {
  let q = db
    .selectFrom('geography_area')
    .select(['kind', 'code', 'name', 'parent_code', 'population', 'imd_decile', 'centroid_lat', 'centroid_lon'])
    .where('ward_id', '=', wardId)
    .orderBy('code')
  if (kind) q = q.where('kind', '=', kind)
  return (await q.execute()).map((r) => ({
    kind: r.kind,
    code: r.code,
    name: r.name,
    parentCode: r.parent_code,
    population: r.population === null ? null : Number(r.population),
    imdDecile: r.imd_decile === null ? null : Number(r.imd_decile),
    centroid: { lat: Number(r.centroid_lat), lon: Number(r.centroid_lon) },
  }))
}

export async function countAreasByWard(
  db: Kysely<Database>,
): Promise<Map<number, { lsoa: number; oa: number; population: number }>> {
  const rows = await db
    .selectFrom('geography_area')
    .select((eb) => ['ward_id', 'kind', eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('population').as('pop')])
    .groupBy(['ward_id', 'kind'])
    .execute()
  const out = new Map<number, { lsoa: number; oa: number; population: number }>()
  for (const r of rows) {
    const cur = out.get(Number(r.ward_id)) ?? { lsoa: 0, oa: 0, population: 0 }
    if (r.kind === 'lsoa') {
      cur.lsoa = Number(r.n)
      cur.population = Number(r.pop ?? 0)
    } else cur.oa = Number(r.n)
    out.set(Number(r.ward_id), cur)
  }
  return out
}

export async function replacePostcodes(
  db: Kysely<Database>,
  rows: { postcode: string; lat: number; lon: number; wardId: number }[],
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('geography_postcode').execute()
    for (let i = 0; i < rows.length; i += 500) {
      await trx
        .insertInto('geography_postcode')
        .values(
          rows.slice(i, i + 500).map((r) => ({ postcode: r.postcode, lat: r.lat, lon: r.lon, ward_id: r.wardId })),
        )
        .execute()
    }
  })
}

export async function findPostcode(
  db: Kysely<Database>,
  postcode: string,
): Promise<{ postcode: string; lat: number; lon: number; wardId: number } | undefined> {
  const r = await db.selectFrom('geography_postcode').selectAll().where('postcode', '=', postcode).executeTakeFirst()
  return r ? { postcode: r.postcode, lat: Number(r.lat), lon: Number(r.lon), wardId: Number(r.ward_id) } : undefined
}

export interface FigureRecord {
  areaCode: string
  characteristic: string
  category: string
  position: number
  count: number
  universe: 'persons' | 'households'
  dataset: string
  source: string
}

/** Replaces a ward's reference figures in one transaction, like its areas. */
export async function replaceWardFigures(db: Kysely<Database>, wardId: number, figures: FigureRecord[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('geography_figure').where('ward_id', '=', wardId).execute()
    for (let i = 0; i < figures.length; i += 200) {
      await trx
        .insertInto('geography_figure')
        .values(
          figures.slice(i, i + 200).map((f) => ({
            ward_id: wardId,
            area_code: f.areaCode,
            characteristic: f.characteristic,
            category: f.category,
            position: f.position,
            count: f.count,
            universe: f.universe,
            dataset: f.dataset,
            source: f.source,
          })),
        )
        .execute()
    }
  })
}

/** A ward's total for one category of one characteristic (the sum over the ward's LSOAs). */
export interface WardFigure {
  characteristic: string
  category: string
  count: number
  universe: 'persons' | 'households'
}

/** Ward totals, ordered by characteristic and then by the category's place in its source table. */
export async function listWardFigures(db: Kysely<Database>, wardId: number): Promise<WardFigure[]> {
  const rows = await db
    .selectFrom('geography_figure')
    .select((eb) => ['characteristic', 'category', 'universe', 'position', eb.fn.sum<number>('count').as('total')])
    .where('ward_id', '=', wardId)
    .groupBy(['characteristic', 'category', 'universe', 'position'])
    .orderBy('characteristic')
    .orderBy('position')
    .execute()
  // PostgreSQL returns sum() of integers as a numeric string.
  return rows.map((r) => ({
    characteristic: r.characteristic,
    category: r.category,
    count: Number(r.total),
    universe: r.universe,
  }))
}

export interface AreaFigure extends WardFigure {
  areaCode: string
}

/** One characteristic per LSOA of the ward, ordered by area code and source category order. */
export async function listAreaFigures(
  db: Kysely<Database>,
  wardId: number,
  characteristic: string,
): Promise<AreaFigure[]> {
  const rows = await db
    .selectFrom('geography_figure')
    .select(['area_code', 'characteristic', 'category', 'count', 'universe'])
    .where('ward_id', '=', wardId)
    .where('characteristic', '=', characteristic)
    .orderBy('area_code')
    .orderBy('position')
    .execute()
  return rows.map((r) => ({
    areaCode: r.area_code,
    characteristic: r.characteristic,
    category: r.category,
    count: Number(r.count),
    universe: r.universe,
  }))
}

/** Where each of a ward's characteristics comes from, for the source line beside its figures. */
export async function listWardFigureSources(
  db: Kysely<Database>,
  wardId: number,
): Promise<{ characteristic: string; dataset: string; source: string }[]> {
  return db
    .selectFrom('geography_figure')
    .select(['characteristic', 'dataset', 'source'])
    .distinct()
    .where('ward_id', '=', wardId)
    .orderBy('characteristic')
    .orderBy('dataset')
    .execute()
}

/** Where a postcode is: its ward and coordinates (to place an answer in a small area). */
export async function findPostcodePoint(
  db: Kysely<Database>,
  postcode: string,
): Promise<{ wardId: number; lat: number; lon: number } | undefined> {
  const r = await db
    .selectFrom('geography_postcode')
    .select(['ward_id', 'lat', 'lon'])
    .where('postcode', '=', postcode)
    .executeTakeFirst()
  return r ? { wardId: Number(r.ward_id), lat: Number(r.lat), lon: Number(r.lon) } : undefined
}

export async function listWardPostcodes(db: Kysely<Database>, wardId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('geography_postcode')
    .select('postcode')
    .where('ward_id', '=', wardId)
    .orderBy('postcode')
    .execute()
  return rows.map((r) => r.postcode)
}

/** A ward's small-area boundaries as stored (GeoJSON text), for maps and point-in-polygon placing. */
export async function listWardBoundaries(
  db: Kysely<Database>,
  wardId: number,
  kind: 'lsoa' | 'oa',
): Promise<{ code: string; boundaryGeojson: string | null }[]> {
  const rows = await db
    .selectFrom('geography_area')
    .select(['code', 'boundary_geojson'])
    .where('ward_id', '=', wardId)
    .where('kind', '=', kind)
    .orderBy('code')
    .execute()
  return rows.map((r) => ({ code: r.code, boundaryGeojson: r.boundary_geojson }))
}

/** Many postcodes at once (placing every response of a ward), in chunks so parameter limits are never reached. */
export async function findPostcodePoints(
  db: Kysely<Database>,
  postcodes: string[],
): Promise<Map<string, { wardId: number; lat: number; lon: number }>> {
  const out = new Map<string, { wardId: number; lat: number; lon: number }>()
  const unique = [...new Set(postcodes)]
  for (let i = 0; i < unique.length; i += 500) {
    const rows = await db
      .selectFrom('geography_postcode')
      .select(['postcode', 'ward_id', 'lat', 'lon'])
      .where('postcode', 'in', unique.slice(i, i + 500))
      .execute()
    for (const r of rows) out.set(r.postcode, { wardId: Number(r.ward_id), lat: Number(r.lat), lon: Number(r.lon) })
  }
  return out
}
