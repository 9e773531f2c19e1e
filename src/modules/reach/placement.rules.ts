import type { AreaGeometry } from '../geography/index.js'
import { containsPoint } from '../geography/index.js'

/** An output area as placing needs it: its LSOA and the population-weighted centroid ONS publishes. */
export interface PlacingArea {
  code: string
  lsoaCode: string
  centroid: { lat: number; lon: number }
}

export interface PlacingLsoa {
  code: string
  boundary: AreaGeometry | null
}

/**
 * Why a response is or is not in a small area. `outside`: the postcode is real but in another ward (flagged,
 * never dropped); `unknown`: not in the council's postcode table; `none`: no postcode was given.
 */
export type Placement =
  | { status: 'placed'; lsoaCode: string; oaCode: string; method: 'boundary' | 'centroid' }
  | { status: 'outside' | 'unknown' | 'none' }

/**
 * Places a point in the ward. The LSOA is the one whose (simplified) boundary contains the point; when none does
 * (a point on a simplified edge) the LSOA of the nearest output-area centroid is used. Output-area boundaries are
 * not held, so the output area is the nearest centroid within that LSOA: an approximation, said so on the page.
 */
export function placePoint(point: { lat: number; lon: number }, lsoas: PlacingLsoa[], oas: PlacingArea[]): Placement {
  const inLsoa = lsoas.find((l) => l.boundary !== null && containsPoint(l.boundary, point.lon, point.lat))
  const candidates = inLsoa ? oas.filter((a) => a.lsoaCode === inLsoa.code) : oas
  const nearest = nearestArea(point, candidates.length > 0 ? candidates : oas)
  if (!nearest) return { status: 'unknown' }
  return {
    status: 'placed',
    lsoaCode: inLsoa?.code ?? nearest.lsoaCode,
    oaCode: nearest.code,
    method: inLsoa ? 'boundary' : 'centroid',
  }
}

/** Nearest centroid on a local flat approximation (metres per degree of longitude shrink with latitude). */
export function nearestArea(point: { lat: number; lon: number }, areas: PlacingArea[]): PlacingArea | undefined {
  const k = Math.cos((point.lat * Math.PI) / 180)
  let best: PlacingArea | undefined
  let bestD = Infinity
  for (const a of areas) {
    const d = (a.centroid.lat - point.lat) ** 2 + ((a.centroid.lon - point.lon) * k) ** 2
    if (d < bestD || (d === bestD && best !== undefined && a.code < best.code)) {
      bestD = d
      best = a
    }
  }
  return best
}

/** Places a response from its postcode, given where the postcode is (or undefined when it is not known). */
export function placeResponse(
  postcode: string | null,
  found: { wardId: number; lat: number; lon: number } | undefined,
  wardId: number,
  lsoas: PlacingLsoa[],
  oas: PlacingArea[],
): Placement {
  if (!postcode) return { status: 'none' }
  if (!found) return { status: 'unknown' }
  if (found.wardId !== wardId) return { status: 'outside' }
  return placePoint(found, lsoas, oas)
}
