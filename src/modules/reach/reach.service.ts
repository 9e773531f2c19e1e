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
import { progressByWeek, type DatedPlacement, type ProgressWeek } from './progress.rules.js'
import { layoutMap, reachBand, type MapLayout, type ReachBand } from './map.rules.js'
import { placeResponse, type Placement, type PlacingArea, type PlacingLsoa } from './placement.rules.js'
import { listVenues, type Venue } from './reach.repository.js'
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
  /** No postcode any more (purged after its retention period), but the LSOA stored with the response. */
  byStoredArea: number
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
    areas: (AreaReach & { band: ReachBand; n: number; householdsDeprived: number | null })[]
  }
  oa: { residents: number; heard: number; ratePer1000: number | null; areas: AreaReach[] }
  groups: CharacteristicReach[]
  equalityTotal: number | null
  map: MapLayout
  householdDeprivation: { dataset: string; rows: { areaCode: string; category: string; count: number }[] } | null
  threshold: number
  /** Week by week since the first response: re-computed from the responses on every request, never stored. */
  progress: ProgressWeek[]
}

type Point = { wardId: number; lat: number; lon: number }

export interface VenueSuggestion {
  venue: Venue
  /** Metres from the area's centroid (0 for a venue inside the area). */
  distanceM: number
  inArea: boolean
}

export type OutreachSuggestion = OutreachTarget & { venues: VenueSuggestion[]; events: OutreachEvent[] }

/** Suggested when a gap area has no venue of its own: the closest few by straight line from its centroid. */
const NEAREST_VENUES = 2

function nearestVenues(
  centroid: { lat: number; lon: number } | null,
  venues: { venue: Venue; point: { lat: number; lon: number } | null }[],
): VenueSuggestion[] {
  if (!centroid) return []
  return venues
    .flatMap((v) => (v.point ? [{ venue: v.venue, distanceM: metres(centroid, v.point), inArea: false }] : []))
    .sort((a, b) => a.distanceM - b.distanceM || a.venue.id - b.venue.id)
    .slice(0, NEAREST_VENUES)
}

/** Equirectangular distance: exact enough within a ward. */
function metres(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const k = Math.cos((((a.lat + b.lat) / 2) * Math.PI) / 180)
  const dx = (b.lon - a.lon) * k * 111_320
  const dy = (b.lat - a.lat) * 110_574
  return Math.round(Math.sqrt(dx * dx + dy * dy))
}

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
      byStoredArea: 0,
      outside: 0,
      unknown: 0,
      none: 0,
    }
    const byLsoa = new Map<string, number>()
    const byOa = new Map<string, number>()
    const dated: DatedPlacement[] = []
    // A postcode always places the same way, and a ward has a few hundred postcodes for many thousand responses.
    const placedByPostcode = new Map<string | null, Placement>()
    const wardLsoas = new Set(lsoaAreas.map((a) => a.code))
    for (const p of chosen) {
      if (p.postcode === null && p.areaCode !== null && wardLsoas.has(p.areaCode)) {
        // Placed when it was stored, and the postcode has since been purged: the LSOA is known, the output
        // area is not (the stored code is the LSOA), so it counts for its LSOA only.
        placement.placed += 1
        placement.byStoredArea += 1
        byLsoa.set(p.areaCode, (byLsoa.get(p.areaCode) ?? 0) + 1)
        dated.push({ day: p.respondedOn, lsoaCode: p.areaCode, oaCode: null })
        continue
      }
      let placed = placedByPostcode.get(p.postcode)
      if (!placed) {
        const found: Point | undefined = p.postcode ? points.get(p.postcode) : undefined
        placed = placeResponse(p.postcode, found, ward.id, geo.lsoas, oas)
        placedByPostcode.set(p.postcode, placed)
      }
      dated.push({
        day: p.respondedOn,
        lsoaCode: placed.status === 'placed' ? placed.lsoaCode : null,
        oaCode: placed.status === 'placed' ? placed.oaCode : null,
      })
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
    const hdRows = hd ? await listAreaFigures(db, ward.id, HOUSEHOLD_DEPRIVATION) : []
    const deprived = householdsDeprivedShare(hdRows)
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
          householdsDeprived: deprived.get(a.code) ?? null,
        })),
      },
      oa: oaReach,
      groups,
      equalityTotal: equality.total,
      map: layoutMap(geo.shapes),
      householdDeprivation: hd
        ? {
            dataset: hd.dataset,
            rows: hdRows.map((f) => ({ areaCode: f.areaCode, category: f.category, count: f.count })),
          }
        : null,
      threshold: opts.threshold,
      progress: progressByWeek(dated, { lsoas: lsoaAreas.length, oas: oaAreas.length }),
    }
  }

  /**
   * Compares an equality summary someone else already put through disclosure control (for example, the people who
   * took part in the consultations a need's evidence comes from) with the ward's census shares, as "reach by group"
   * does for the whole ward. Reads no equality row, only the ward's census figures.
   */
  async function compareWithCensus(
    wardId: number,
    equality: EqualitySummary,
    threshold: number,
  ): Promise<CharacteristicReach[]> {
    const [figures, sources] = await Promise.all([listWardFigures(db, wardId), listWardFigureSources(db, wardId)])
    return compareGroups(equality, figures, sources, threshold)
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

  /** Places postcodes in the ward's LSOAs and output areas the same way responses are placed. */
  async function placePostcodes(
    ward: Ward,
    postcodes: (string | null)[],
  ): Promise<{ placement: Placement; point: { lat: number; lon: number } | null }[]> {
    const [geo, oaAreas] = await Promise.all([geometryOf(ward.id), listWardAreas(db, ward.id, 'oa')])
    const oas: PlacingArea[] = oaAreas.map((a) => ({
      code: a.code,
      lsoaCode: a.parentCode ?? '',
      centroid: a.centroid,
    }))
    const points = await findPostcodePoints(
      db,
      postcodes.filter((p): p is string => p !== null),
    )
    return postcodes.map((pc) => {
      const found = pc ? points.get(pc) : undefined
      return {
        placement: placeResponse(pc, found, ward.id, geo.lsoas, oas),
        point: found ? { lat: found.lat, lon: found.lon } : null,
      }
    })
  }

  /**
   * Where to go next, with places: for an area, the ward's venues in it (or, when it has none, the nearest ones)
   * and the outreach events already held there; for a group, events and venues are the officer's call, so none.
   */
  async function outreach(
    ward: Ward,
    threshold: number,
  ): Promise<{ targets: OutreachSuggestion[]; events: OutreachEvent[]; venues: Venue[]; report: ReachReport }> {
    const r = await report(ward, { threshold })
    const ranked = rankOutreach(
      r.lsoa.areas,
      r.groups.map((g) => ({ characteristic: g.characteristic, rows: g.rows })),
    )
    const [events, venues, lsoaAreas] = await Promise.all([
      listEvents(db, ward.id),
      listVenues(db, ward.id),
      listWardAreas(db, ward.id, 'lsoa'),
    ])
    const [eventPlaces, venuePlaces] = await Promise.all([
      placePostcodes(
        ward,
        events.map((e) => e.postcode),
      ),
      placePostcodes(
        ward,
        venues.map((v) => v.postcode),
      ),
    ])
    const targets = ranked.map((t) => {
      if (t.kind !== 'area') return { ...t, venues: [], events: [] }
      const centroid = lsoaAreas.find((a) => a.code === t.key)?.centroid ?? null
      const inArea = venues.filter((v) => v.lsoaCode === t.key).map((v) => ({ venue: v, distanceM: 0, inArea: true }))
      const near = inArea.length
        ? []
        : nearestVenues(
            centroid,
            venues.map((v, i) => ({ venue: v, point: venuePlaces[i]!.point })),
          )
      return {
        ...t,
        venues: [...inArea, ...near],
        events: events.filter((_, i) => {
          const p = eventPlaces[i]!.placement
          return p.status === 'placed' && p.lsoaCode === t.key
        }),
      }
    })
    return { targets, events, venues, report: r }
  }

  return { report, publicSummary, outreach, placePostcodes, compareWithCensus }
}

export type ReachService = ReturnType<typeof createReachService>

/**
 * Share of households deprived in at least one of the four Census dimensions (TS011), per LSOA: every household
 * not in the "not deprived in any dimension" category.
 */
export function householdsDeprivedShare(rows: { areaCode: string; category: string; count: number }[]) {
  const byArea = new Map<string, { all: number; none: number }>()
  for (const r of rows) {
    const a = byArea.get(r.areaCode) ?? { all: 0, none: 0 }
    a.all += r.count
    if (/not deprived/i.test(r.category)) a.none += r.count
    byArea.set(r.areaCode, a)
  }
  return new Map([...byArea].filter(([, a]) => a.all > 0).map(([code, a]) => [code, (a.all - a.none) / a.all]))
}

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
