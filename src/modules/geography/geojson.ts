/** Minimal GeoJSON geometry types and pure geometry helpers (WGS84 lon/lat degrees). */
export type Position = [number, number]
export type Ring = Position[]
export type Polygon = { type: 'Polygon'; coordinates: Ring[] }
export type MultiPolygon = { type: 'MultiPolygon'; coordinates: Ring[][] }
export type AreaGeometry = Polygon | MultiPolygon

export function isAreaGeometry(g: unknown): g is AreaGeometry {
  if (typeof g !== 'object' || g === null) return false
  const t = (g as { type?: unknown }).type
  return (t === 'Polygon' || t === 'MultiPolygon') && Array.isArray((g as { coordinates?: unknown }).coordinates)
}

function polygonsOf(g: AreaGeometry): Ring[][] {
  return g.type === 'Polygon' ? [g.coordinates] : g.coordinates
}

function perpendicularDistance(p: Position, a: Position, b: Position): number {
  const dx = b[0] - a[0]
  const dy = b[1] - a[1]
  if (dx === 0 && dy === 0) return Math.hypot(p[0] - a[0], p[1] - a[1])
  const t = ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy)
  const tt = Math.max(0, Math.min(1, t))
  return Math.hypot(p[0] - (a[0] + tt * dx), p[1] - (a[1] + tt * dy))
}

/** Douglas–Peucker on one open polyline (iterative, so long rings cannot overflow the stack). */
function simplifyLine(points: Position[], tolerance: number): Position[] {
  if (points.length <= 2) return points.slice()
  const keep = new Uint8Array(points.length)
  keep[0] = 1
  keep[points.length - 1] = 1
  const stack: [number, number][] = [[0, points.length - 1]]
  while (stack.length > 0) {
    const [first, last] = stack.pop()!
    let maxD = 0
    let index = -1
    for (let i = first + 1; i < last; i++) {
      const d = perpendicularDistance(points[i]!, points[first]!, points[last]!)
      if (d > maxD) {
        maxD = d
        index = i
      }
    }
    if (index >= 0 && maxD > tolerance) {
      keep[index] = 1
      stack.push([first, index], [index, last])
    }
  }
  return points.filter((_, i) => keep[i] === 1)
}

function round(p: Position, decimals: number): Position {
  const f = 10 ** decimals
  return [Math.round(p[0] * f) / f, Math.round(p[1] * f) / f]
}

/** Simplifies every ring, keeping each ring closed and at least a triangle; rounds to `decimals`. */
export function simplifyGeometry(g: AreaGeometry, tolerance: number, decimals = 5): AreaGeometry {
  const simplifyRing = (ring: Ring): Ring => {
    const open = ring.slice(0, -1)
    let out = simplifyLine(ring, tolerance)
    if (out.length < 4) out = open.length >= 3 ? [...open.slice(0, 3), open[0]!] : ring
    const rounded = out.map((p) => round(p, decimals))
    rounded[rounded.length - 1] = rounded[0]!
    return rounded
  }
  if (g.type === 'Polygon') return { type: 'Polygon', coordinates: g.coordinates.map(simplifyRing) }
  return { type: 'MultiPolygon', coordinates: g.coordinates.map((poly) => poly.map(simplifyRing)) }
}

function ringArea(ring: Ring): number {
  let a = 0
  for (let i = 0; i < ring.length - 1; i++) a += ring[i]![0] * ring[i + 1]![1] - ring[i + 1]![0] * ring[i]![1]
  return a / 2
}

/** Area-weighted centroid of the outer rings (good enough at ward scale; degrees are nearly square here). */
export function centroidOf(g: AreaGeometry): { lat: number; lon: number } {
  let cx = 0
  let cy = 0
  let total = 0
  for (const poly of polygonsOf(g)) {
    const ring = poly[0]
    if (!ring) continue
    const a = ringArea(ring)
    let x = 0
    let y = 0
    for (let i = 0; i < ring.length - 1; i++) {
      const cross = ring[i]![0] * ring[i + 1]![1] - ring[i + 1]![0] * ring[i]![1]
      x += (ring[i]![0] + ring[i + 1]![0]) * cross
      y += (ring[i]![1] + ring[i + 1]![1]) * cross
    }
    if (a !== 0) {
      cx += x / 6
      cy += y / 6
      total += a
    }
  }
  if (total === 0) throw new Error('geometry has no area')
  return { lon: Math.round((cx / total) * 1e6) / 1e6, lat: Math.round((cy / total) * 1e6) / 1e6 }
}

function inRing(p: Position, ring: Ring): boolean {
  let inside = false
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!
    const [xj, yj] = ring[j]!
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside
  }
  return inside
}

/** Even-odd point in polygon with holes. */
export function containsPoint(g: AreaGeometry, lon: number, lat: number): boolean {
  const p: Position = [lon, lat]
  return polygonsOf(g).some(
    (poly) => poly[0] !== undefined && inRing(p, poly[0]) && !poly.slice(1).some((hole) => inRing(p, hole)),
  )
}

/** Bounding box [minLon, minLat, maxLon, maxLat]. */
export function bboxOf(geoms: AreaGeometry[]): [number, number, number, number] {
  let minX = Infinity
  let minY = Infinity
  let maxX = -Infinity
  let maxY = -Infinity
  for (const g of geoms)
    for (const poly of polygonsOf(g))
      for (const ring of poly)
        for (const [x, y] of ring) {
          if (x < minX) minX = x
          if (y < minY) minY = y
          if (x > maxX) maxX = x
          if (y > maxY) maxY = y
        }
  return [minX, minY, maxX, maxY]
}
