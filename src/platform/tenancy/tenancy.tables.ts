import type { Generated } from 'kysely'
import type { Flag, IsoTime } from '../db/schema.js'

export interface TenancyCouncilTable {
  id: Generated<number>
  code: string
  name: string
  created_at: IsoTime
}

export interface TenancyWardTable {
  id: Generated<number>
  council_id: number
  /** ONS GSS code, e.g. E05013941; stable across renames, so it is the public key in URLs. */
  code: string
  name: string
  is_active: Flag
  programme_name: string
  strapline: string
  /** GeoJSON geometry text (WGS84, simplified) or null when no boundary was imported. */
  boundary_geojson: string | null
  centroid_lat: number | null
  centroid_lon: number | null
  created_at: IsoTime
}

declare module '../db/schema.js' {
  interface Database {
    tenancy_council: TenancyCouncilTable
    tenancy_ward: TenancyWardTable
  }
}
