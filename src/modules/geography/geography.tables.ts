import type { Generated } from 'kysely'

export interface GeographyAreaTable {
  id: Generated<number>
  ward_id: number
  kind: 'lsoa' | 'oa'
  code: string
  name: string
  parent_code: string | null
  population: number | null
  imd_decile: number | null
  centroid_lat: number
  centroid_lon: number
  boundary_geojson: string | null
}

declare module '../../platform/db/schema.js' {
  interface Database {
    geography_area: GeographyAreaTable
  }
}

export interface GeographyPostcodeTable {
  /** Canonical form, e.g. "KT1 2AB". */
  postcode: string
  lat: number
  lon: number
  ward_id: number
}

declare module '../../platform/db/schema.js' {
  interface Database {
    geography_postcode: GeographyPostcodeTable
  }
}

/** One Census count: a category of a characteristic in one LSOA of a ward (see docs/reference-figures.md). */
export interface GeographyFigureTable {
  id: Generated<number>
  ward_id: number
  area_code: string
  characteristic: string
  category: string
  /** The category's place in its source table, so pages list categories as the publisher does. */
  position: number
  count: number
  universe: 'persons' | 'households'
  dataset: string
  source: string
}

declare module '../../platform/db/schema.js' {
  interface Database {
    geography_figure: GeographyFigureTable
  }
}
