import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import {
  findWardByCode,
  programmeName,
  upsertCouncil,
  upsertWard,
  type TenantProfile,
} from '../../platform/tenancy/index.js'
import type { GeographyPack } from './geography-pack.js'
import {
  findPostcode,
  replacePostcodes,
  replaceWardAreas,
  replaceWardFigures,
  type FigureRecord,
} from './geography.repository.js'
import { normalisePostcode } from './ons-readers.js'

export interface ImportSummary {
  wards: number
  activeWards: string[]
  lsoas: number
  outputAreas: number
  postcodes: number
  /** Reference figure rows (one per LSOA, characteristic and category). */
  figures: number
}

/**
 * Loads a council's geography pack: every ward from the boundary file exists (inactive unless it is
 * a pilot ward), each with its small areas. Re-running it refreshes figures and keeps an admin's
 * activation choices.
 */
export async function importGeographyPack(
  db: Kysely<Database>,
  pack: GeographyPack,
  tenant: TenantProfile,
): Promise<ImportSummary> {
  if (pack.council.code !== tenant.council.code) {
    throw new Error(`pack is for council ${pack.council.code}, tenant ${tenant.id} is ${tenant.council.code}`)
  }
  const council = await upsertCouncil(db, { code: tenant.council.code, name: tenant.council.name })
  let lsoas = 0
  let outputAreas = 0
  let figureRows = 0
  const active: string[] = []
  const figuresByWard = wardFigures(pack)
  for (const w of pack.wards) {
    const ward = await upsertWard(
      db,
      {
        councilId: council.id,
        code: w.code,
        name: w.name,
        programmeName: programmeName(tenant, w.name),
        strapline: tenant.programme.strapline,
        boundaryGeojson: JSON.stringify(w.boundary),
        centroid: w.centroid,
      },
      tenant.pilotWards.includes(w.code),
    )
    if (ward.isActive) active.push(ward.code)
    const areas = pack.areas.filter((a) => a.wardCode === w.code)
    lsoas += areas.filter((a) => a.kind === 'lsoa').length
    outputAreas += areas.filter((a) => a.kind === 'oa').length
    await replaceWardAreas(
      db,
      ward.id,
      areas.map((a) => ({
        wardId: ward.id,
        kind: a.kind,
        code: a.code,
        name: a.name,
        parentCode: a.parentCode,
        population: a.population,
        imdDecile: a.imdDecile,
        centroid: a.centroid,
        boundaryGeojson: a.boundary ? JSON.stringify(a.boundary) : null,
      })),
    )
    const figures = figuresByWard.get(w.code) ?? []
    figureRows += figures.length
    await replaceWardFigures(db, ward.id, figures)
  }
  const wardIds = new Map<string, number>()
  for (const w of pack.wards) {
    const ward = await findWardByCode(db, w.code)
    if (ward) wardIds.set(w.code, ward.id)
  }
  await replacePostcodes(
    db,
    pack.postcodes.flatMap(([postcode, lat, lon, wardCode]) => {
      const wardId = wardIds.get(wardCode)
      return wardId === undefined ? [] : [{ postcode, lat, lon, wardId }]
    }),
  )
  return {
    wards: pack.wards.length,
    activeWards: active,
    lsoas,
    outputAreas,
    postcodes: pack.postcodes.length,
    figures: figureRows,
  }
}

/** The pack's figure tables as rows, grouped by the ward of each LSOA (figures for other areas are ignored). */
function wardFigures(pack: GeographyPack): Map<string, FigureRecord[]> {
  const wardOf = new Map(pack.areas.filter((a) => a.kind === 'lsoa').map((a) => [a.code, a.wardCode]))
  const out = new Map<string, FigureRecord[]>()
  for (const t of pack.figures)
    for (const [areaCode, counts] of t.areas) {
      const wardCode = wardOf.get(areaCode)
      if (!wardCode) continue
      const list = out.get(wardCode) ?? []
      t.categories.forEach((category, position) =>
        list.push({
          areaCode,
          characteristic: t.characteristic,
          category,
          position,
          count: counts[position]!,
          universe: t.universe,
          dataset: t.dataset,
          source: t.source,
        }),
      )
      out.set(wardCode, list)
    }
  return out
}

export type PostcodeLookup = { ok: true; postcode: string; wardId: number | null } | { ok: false; reason: 'invalid' }

/** Places a postcode locally (never through a web service): the ward it lies in, or null when outside the council. */
export async function lookupPostcode(db: Kysely<Database>, input: string): Promise<PostcodeLookup> {
  const postcode = normalisePostcode(input)
  if (!postcode) return { ok: false, reason: 'invalid' }
  const found = await findPostcode(db, postcode)
  return { ok: true, postcode, wardId: found?.wardId ?? null }
}
