import { bboxOf, centroidOf, type AreaGeometry } from '../geography/index.js'

export interface MapShape {
  code: string
  /** SVG path data in the map's own coordinates (y down). */
  d: string
  label: { x: number; y: number }
}

export interface MapLayout {
  width: number
  height: number
  shapes: MapShape[]
}

/**
 * Draws boundaries as SVG paths: an equirectangular projection with longitude shrunk by cos(latitude), which is
 * true enough at ward scale and needs no map tiles or projection library.
 */
export function layoutMap(areas: { code: string; geometry: AreaGeometry }[], width = 480, pad = 8): MapLayout {
  if (areas.length === 0) return { width, height: 0, shapes: [] }
  const [minX, minY, maxX, maxY] = bboxOf(areas.map((a) => a.geometry))
  const k = Math.cos((((minY + maxY) / 2) * Math.PI) / 180)
  const spanX = Math.max((maxX - minX) * k, 1e-9)
  const spanY = Math.max(maxY - minY, 1e-9)
  const scale = (width - 2 * pad) / spanX
  const height = Math.round(spanY * scale + 2 * pad)
  const px = (lon: number) => (pad + (lon - minX) * k * scale).toFixed(1)
  const py = (lat: number) => (pad + (maxY - lat) * scale).toFixed(1)
  return {
    width,
    height,
    shapes: areas.map((a) => {
      const polys = a.geometry.type === 'Polygon' ? [a.geometry.coordinates] : a.geometry.coordinates
      const d = polys
        .flatMap((poly) =>
          poly.map((ring) => ring.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${px(x)} ${py(y)}`).join('') + 'Z'),
        )
        .join('')
      const c = centroidOf(a.geometry)
      return { code: a.code, d, label: { x: Number(px(c.lon)), y: Number(py(c.lat)) } }
    }),
  }
}

/** The band an area's ratio falls in: what the map's colour and pattern say (never the colour alone). */
export type ReachBand = 'none' | 'under' | 'near' | 'over'

export function reachBand(ratioToWard: number | null, noVoice: boolean, threshold: number): ReachBand {
  if (noVoice) return 'none'
  if (ratioToWard === null || ratioToWard < threshold) return 'under'
  if (ratioToWard <= 1 / threshold) return 'near'
  return 'over'
}
