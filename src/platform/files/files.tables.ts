import type { Generated } from 'kysely'
import type { IsoTime } from '../db/index.js'

export interface StoredFileTable {
  id: Generated<number>
  /** Which capability owns the file and which of its records, e.g. ('bid', 12) or ('delivery_return', 3). */
  owner_kind: string
  owner_id: number
  ward_id: number | null
  filename: string
  kind: string
  media_type: string
  size: number
  sha256: string
  content_base64: string
  uploaded_by: number | null
  created_at: Generated<IsoTime>
}

declare module '../db/schema.js' {
  interface Database {
    stored_file: StoredFileTable
  }
}
