import { bboxOf, type AreaGeometry } from '../geography/index.js'

/**
 * "A place" questions: a pin on a server-drawn map of the ward, a postcode, or a small area chosen from a list.
 * Pure: the projection between map pixels and latitude/longitude, the SVG, and the stored form of an answer.
 *
 * The map is an equirectangular projection with longitude shrunk by cos(latitude): true enough at ward scale,
 * no tiles, no projection library, and exactly invertible, so a click's pixel is turned back into a point.
 */
export interface PlaceMap {
  width: number
  height: number
  /** [minLon, minLat, maxLon, maxLat] of the ward's small areas. */
  bbox: [number, number, number, number]
  pad: number
}

export function placeMap(geoms: AreaGeometry[], width = 320, pad = 8): PlaceMap | undefined {
  if (geoms.length === 0) return undefined
  const bbox = bboxOf(geoms)
  const { scale } = factors(bbox, width, pad)
  const height = Math.round((bbox[3] - bbox[1]) * scale + 2 * pad)
  return { width, height, bbox, pad }
}

function factors(bbox: [number, number, number, number], width: number, pad: number) {
  const [minX, minY, maxX, maxY] = bbox
  const k = Math.cos((((minY + maxY) / 2) * Math.PI) / 180)
  const scale = (width - 2 * pad) / Math.max((maxX - minX) * k, 1e-9)
  return { k, scale }
}

export function toPixel(m: PlaceMap, lat: number, lon: number): { x: number; y: number } {
  const { k, scale } = factors(m.bbox, m.width, m.pad)
  return { x: m.pad + (lon - m.bbox[0]) * k * scale, y: m.pad + (m.bbox[3] - lat) * scale }
}

export function fromPixel(m: PlaceMap, x: number, y: number): { lat: number; lon: number } {
  const { k, scale } = factors(m.bbox, m.width, m.pad)
  return { lon: m.bbox[0] + (x - m.pad) / (k * scale), lat: m.bbox[3] - (y - m.pad) / scale }
}

/** The ward's small areas as SVG, with an optional pin; decorative detail only (the form has text alternatives). */
export function placeMapSvg(
  m: PlaceMap,
  areas: { code: string; geometry: AreaGeometry }[],
  pin?: { lat: number; lon: number },
): string {
  const f = (n: number) => n.toFixed(1)
  const paths = areas
    .map((a) => {
      const polys = a.geometry.type === 'Polygon' ? [a.geometry.coordinates] : a.geometry.coordinates
      const d = polys
        .flatMap((poly) =>
          poly.map(
            (ring) =>
              ring
                .map(([lon, lat], i) => {
                  const p = toPixel(m, lat!, lon!)
                  return `${i === 0 ? 'M' : 'L'}${f(p.x)} ${f(p.y)}`
                })
                .join('') + 'Z',
          ),
        )
        .join('')
      return `<path d="${d}" fill="#f3f2f1" stroke="#505a5f" stroke-width="1"/>`
    })
    .join('')
  let marker = ''
  if (pin) {
    const p = toPixel(m, pin.lat, pin.lon)
    marker =
      `<circle cx="${f(p.x)}" cy="${f(p.y)}" r="7" fill="#d4351c" stroke="#0b0c0c" stroke-width="2"/>` +
      `<circle cx="${f(p.x)}" cy="${f(p.y)}" r="2" fill="#ffffff"/>`
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${m.width}" height="${m.height}" viewBox="0 0 ${m.width} ${m.height}">` +
    `<rect width="100%" height="100%" fill="#ffffff"/>${paths}${marker}</svg>`
  )
}
