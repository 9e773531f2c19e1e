import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import type { Ward } from '../../platform/tenancy/index.js'
import {
  listConsultations,
  listEvents,
  listResponsePlaces,
  summariseEquality,
  type Consultation,
  type EqualitySummary,
  type OutreachEvent,
} from '../engagement/index.js'
import {
  findPostcodePoints,
  listAreaFigures,
  listWardAreas,
  listWardBoundaries,
  listWardFigureSources,
  listWardFigures,
  type AreaGeometry,
} from '../geography/index.js'
import { CENSUS_MAP } from './census-map.js'
import { disclose, secondarySuppress, suppress } from './disclosure.rules.js'
import { layoutMap, reachBand, type MapLayout, type ReachBand } from './map.rules.js'
import { placeResponse, type PlacingArea, type PlacingLsoa } from './placement.rules.js'
import {
  areaReach,
  groupReach,
  rankOutreach,
  type AreaReach,
  type GroupReach,
  type OutreachTarget,
} from './reach.rules.js'

export interface PlacementSummary {
  total: number
  placed: number
  byBoundary: number
  byCentroid: number
  outside: number
  unknown: number
  none: number
}

export interface CharacteristicReach {
  field: string
  characteristic: string
  dataset: string | null
  source: string | null
  /** Census figures missing for this ward: the page says so rather than inventing them. */
  missing: boolean
  base: number
  anyHidden: boolean
  rows: (GroupReach & { code: string })[]
}

export interface ReachReport {
  consultations: Consultation[]
  consultation: Consultation | undefined
  placement: PlacementSummary
  lsoa: {
    residents: number
    heard: number
    ratePer1000: number | null
    areas: (AreaReach & { band: ReachBand; n: number })[]
  }
  oa: { residents: number; heard: number; ratePer1000: number | null; areas: AreaReach[] }
  groups: CharacteristicReach[]
  equalityTotal: number | null
  map: MapLayout
  householdDeprivation: { dataset: string; rows: { areaCode: string; category: string; count: number }[] } | null
  threshold: number
}

type Point = { wardId: number; lat: number; lon: number }

/** Household deprivation is shown where a ward has loaded TS011 as a reference table under this key. */
const HOUSEHOLD_DEPRIVATION = 'household_deprivation'

export function createReachService(db: Kysely<Database>) {
  async function geometryOf(
    wardId: number,
  ): Promise<{ lsoas: PlacingLsoa[]; shapes: { code: string; geometry: AreaGeometry }[] }> {
    const rows = await listWardBoundaries(db, wardId, 'lsoa')
    const lsoas = rows.map((r) => ({
      code: r.code,
      boundary: r.boundaryGeojson ? (JSON.parse(r.boundaryGeojson) as AreaGeometry) : null,
    }))
    return {
      lsoas,
      shapes: lsoas.flatMap((l) => (l.boundary ? [{ code: l.code, geometry: l.boundary }] : [])),
    }
  }

  /**
   * Places every response of the ward (or one consultation) and compares areas and groups with the census. Group
   * figures come only from the engagement module's suppressed equality totals: no row is ever read here.
   */
  async function report(ward: Ward, opts: { consultationId?: number; threshold: number }): Promise<ReachReport> {
    const [consultations, lsoaAreas, oaAreas, geo, places, figures, sources] = await Promise.all([
      listConsultations(db, ward.id),
      listWardAreas(db, ward.id, 'lsoa'),
      listWardAreas(db, ward.id, 'oa'),
      geometryOf(ward.id),
      listResponsePlaces(db, ward.id),
      listWardFigures(db, ward.id),
      listWardFigureSources(db, ward.id),
    ])
    const consultation = consultations.find((c) => c.id === opts.consultationId)
    const chosen = consultation ? places.filter((p) => p.consultationId === consultation.id) : places
    const points = await findPostcodePoints(
      db,
      chosen.flatMap((p) => (p.postcode ? [p.postcode] : [])),
    )
    const oas: PlacingArea[] = oaAreas.map((a) => ({
      code: a.code,
      lsoaCode: a.parentCode ?? '',
      centroid: a.centroid,
    }))
    const placement: PlacementSummary = {
      total: chosen.length,
      placed: 0,
      byBoundary: 0,
      byCentroid: 0,
      outside: 0,
      unknown: 0,
      none: 0,
    }
    const byLsoa = new Map<string, number>()
    const byOa = new Map<string, number>()
    for (const p of chosen) {
      const found: Point | undefined = p.postcode ? points.get(p.postcode) : undefined
      const placed = placeResponse(p.postcode, found, ward.id, geo.lsoas, oas)
      if (placed.status === 'placed') {
        placement.placed += 1
        if (placed.method === 'boundary') placement.byBoundary += 1
        else placement.byCentroid += 1
        byLsoa.set(placed.lsoaCode, (byLsoa.get(placed.lsoaCode) ?? 0) + 1)
        byOa.set(placed.oaCode, (byOa.get(placed.oaCode) ?? 0) + 1)
      } else placement[placed.status] += 1
    }
    const lsoaReach = areaReach(
      lsoaAreas.map((a) => ({
        code: a.code,
        name: a.name,
        residents: a.population,
        heard: byLsoa.get(a.code) ?? 0,
        imdDecile: a.imdDecile,
      })),
      opts.threshold,
    )
    const oaReach = areaReach(
      oaAreas.map((a) => ({
        code: a.code,
        name: a.code,
        residents: a.population,
        heard: byOa.get(a.code) ?? 0,
        parentCode: a.parentCode,
      })),
      opts.threshold,
    )
    const equality = await summariseEquality(db, ward.id, consultation?.id)
    const groups = compareGroups(equality, figures, sources, opts.threshold)
    const hd = sources.find((s) => s.characteristic === HOUSEHOLD_DEPRIVATION)
    return {
      consultations,
      consultation,
      placement,
      lsoa: {
        ...lsoaReach,
        areas: lsoaReach.areas.map((a, i) => ({
          ...a,
          n: i + 1,
          band: reachBand(a.ratioToWard, a.noVoice, opts.threshold),
        })),
      },
      oa: oaReach,
      groups,
      equalityTotal: equality.total,
      map: layoutMap(geo.shapes),
      householdDeprivation: hd
        ? {
            dataset: hd.dataset,
            rows: (await listAreaFigures(db, ward.id, HOUSEHOLD_DEPRIVATION)).map((f) => ({
              areaCode: f.areaCode,
              category: f.category,
              count: f.count,
            })),
          }
        : null,
      threshold: opts.threshold,
    }
  }

  /** The published view: every count through disclosure control, and rates worked out from published counts only. */
  async function publicSummary(ward: Ward, threshold: number) {
    const r = await report(ward, { threshold })
    const cells = [...r.lsoa.areas.map((a) => a.heard), r.placement.total - r.placement.placed]
    const shown = disclose(cells)
    const total = suppress(r.placement.total)
    const areas = r.lsoa.areas.map((a, i) => {
      const heard = shown[i] ?? null
      return {
        code: a.code,
        name: a.name,
        n: a.n,
        residents: a.residents,
        imdDecile: a.imdDecile ?? null,
        heard,
        suppressed: heard === null,
        ratePer1000: heard === null || !a.residents ? null : (heard / a.residents) * 1000,
      }
    })
    return {
      ward: ward.code,
      total,
      notPlaced: shown[shown.length - 1] ?? null,
      areas,
      map: r.map,
      groups: r.groups,
      threshold,
    }
  }

  async function outreach(
    ward: Ward,
    threshold: number,
  ): Promise<{ targets: OutreachTarget[]; events: OutreachEvent[]; report: ReachReport }> {
    const r = await report(ward, { threshold })
    const targets = rankOutreach(
      r.lsoa.areas,
      r.groups.map((g) => ({ characteristic: g.characteristic, rows: g.rows })),
    )
    return { targets, events: await listEvents(db, ward.id), report: r }
  }

  return { report, publicSummary, outreach }
}

export type ReachService = ReturnType<typeof createReachService>

/** Pairs each monitoring question with its census table, category by category (see census-map.ts). */
export function compareGroups(
  equality: EqualitySummary,
  figures: { characteristic: string; category: string; count: number }[],
  sources: { characteristic: string; dataset: string; source: string }[],
  threshold: number,
): CharacteristicReach[] {
  return CENSUS_MAP.map((m) => {
    const field = equality.fields.find((f) => f.field === m.field)
    const src = sources.find((s) => s.characteristic === m.characteristic)
    const census = new Map(
      figures.filter((f) => f.characteristic === m.characteristic).map((f) => [f.category, f.count]),
    )
    const missing = m.categories.some((c) => !census.has(c.census))
    // A second step of suppression within the characteristic, so one hidden category cannot be recovered.
    const cells = secondarySuppress(m.categories.map((c) => field?.rows.find((r) => r.value === c.code)?.count ?? null))
    const g = groupReach(
      m.categories.map((c, i) => ({
        category: c.census,
        participants: cells[i] ?? null,
        residents: census.get(c.census) ?? 0,
      })),
      threshold,
    )
    return {
      field: m.field,
      characteristic: m.characteristic,
      dataset: src?.dataset ?? null,
      source: src?.source ?? null,
      missing,
      base: g.base,
      anyHidden: cells.some((c) => c === null),
      rows: missing ? [] : g.rows.map((row, i) => ({ ...row, code: m.categories[i]!.code })),
    }
  })
}
