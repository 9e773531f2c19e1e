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
