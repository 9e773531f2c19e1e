import { createHash } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Kysely, Selectable } from 'kysely'
import type { Database } from '../db/index.js'
import type { StoredFileTable } from './files.tables.js'
import { MEDIA_TYPES, safeFilename, sniffFileKind, type FileKind } from './sniff.js'

export interface UploadPolicy {
  maxBytes: number
  maxFiles: number
  kinds: readonly FileKind[]
}

export interface UploadedFile {
  field: string
  filename: string
  kind: FileKind
  mediaType: string
  size: number
  sha256: string
  bytes: Buffer
}

export interface MultipartForm {
  fields: Record<string, string | string[]>
  files: UploadedFile[]
  errors: { field: string; message: string }[]
}

export interface StoredFileInfo {
  id: number
  ownerKind: string
  ownerId: number
  wardId: number | null
  filename: string
  kind: FileKind
  mediaType: string
  size: number
  sha256: string
  uploadedBy: number | null
  createdAt: string
}

/** The largest body the multipart parser accepts at all; each form's policy sets its own, smaller, limit. */
export const MULTIPART_LIMITS = { fileSize: 20 * 1024 * 1024, files: 10, fields: 300, fieldSize: 1024 * 1024 }

interface FieldPart {
  type: 'field'
  value: unknown
}
interface FilePart {
  type: 'file'
  filename: string
  toBuffer: () => Promise<Buffer>
}
type Part = FieldPart | FilePart

function isPart(v: unknown): v is Part {
  if (!v || typeof v !== 'object') return false
  const type = (v as { type?: unknown }).type
  return type === 'field' || type === 'file'
}

function humanSize(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / (1024 * 1024))} MB` : `${Math.round(bytes / 1024)} KB`
}

/**
 * Reads a form posted as multipart/form-data (or, harmlessly, as urlencoded: then there are no files). The body
 * was parsed and buffered by @fastify/multipart with `attachFieldsToBody`, bounded by MULTIPART_LIMITS; this
 * applies the form's own policy and returns user-facing errors for the GOV.UK error summary rather than throwing.
 */
export async function readMultipart(req: FastifyRequest, policy: UploadPolicy): Promise<MultipartForm> {
  const fields: Record<string, string | string[]> = {}
  const files: UploadedFile[] = []
  const errors: { field: string; message: string }[] = []
  const body = req.body
  if (!body || typeof body !== 'object') return { fields, files, errors }
  // Messages in the person's language when the request went through the web layer (it sets req.t).
  const t = (key: string, params: Record<string, string | number>): string =>
    req.t ? req.t(`files.${key}`, params) : key
  const allowed = policy.kinds.map((k) => (req.t ? req.t(`files.kinds.${k}`) : k)).join(', ')

  const addField = (name: string, value: string) => {
    const existing = fields[name]
    if (existing === undefined) fields[name] = value
    else fields[name] = Array.isArray(existing) ? [...existing, value] : [existing, value]
  }

  for (const [name, raw] of Object.entries(body as Record<string, unknown>)) {
    const values = Array.isArray(raw) ? (raw as unknown[]) : [raw]
    for (const v of values) {
      if (!isPart(v)) {
        // urlencoded bodies (and tests) post plain strings
        if (typeof v === 'string') addField(name, v)
        continue
      }
      if (v.type === 'field') {
        if (typeof v.value === 'string') addField(name, v.value)
        continue
      }
      const bytes = await v.toBuffer()
      const filename = safeFilename(v.filename ?? '')
      // A file input left empty still sends a part with no name and no content.
      if (bytes.length === 0 && (v.filename ?? '') === '') continue
      if (bytes.length === 0) {
        errors.push({ field: name, message: t('empty', { name: filename }) })
        continue
      }
      if (bytes.length > policy.maxBytes) {
        errors.push({ field: name, message: t('tooBig', { name: filename, size: humanSize(policy.maxBytes) }) })
        continue
      }
      const kind = sniffFileKind(bytes, filename)
      if (!kind || !policy.kinds.includes(kind)) {
        errors.push({ field: name, message: t('wrongKind', { name: filename, kinds: allowed }) })
        continue
      }
      files.push({
        field: name,
        filename,
        kind,
        mediaType: MEDIA_TYPES[kind],
        size: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        bytes,
      })
    }
  }
  if (files.length > policy.maxFiles)
    errors.push({
      field: files[policy.maxFiles]?.field ?? 'file',
      message: t('tooMany', { count: policy.maxFiles }),
    })
  return { fields, files: errors.length > 0 ? [] : files, errors }
}

const INFO_COLUMNS = [
  'id',
  'owner_kind',
  'owner_id',
  'ward_id',
  'filename',
  'kind',
  'media_type',
  'size',
  'sha256',
  'uploaded_by',
  'created_at',
] as const

type InfoRow = Pick<Selectable<StoredFileTable>, (typeof INFO_COLUMNS)[number]>

function toInfo(r: InfoRow): StoredFileInfo {
  return {
    id: Number(r.id),
    ownerKind: r.owner_kind,
    ownerId: Number(r.owner_id),
    wardId: r.ward_id === null ? null : Number(r.ward_id),
    filename: r.filename,
    kind: r.kind as FileKind,
    mediaType: r.media_type,
    size: Number(r.size),
    sha256: r.sha256,
    uploadedBy: r.uploaded_by === null ? null : Number(r.uploaded_by),
    createdAt: r.created_at,
  }
}

export async function saveFile(
  trx: Kysely<Database>,
  f: UploadedFile,
  meta: { ownerKind: string; ownerId: number; wardId: number | null; uploadedBy: number | null },
): Promise<number> {
  const row = await trx
    .insertInto('stored_file')
    .values({
      owner_kind: meta.ownerKind,
      owner_id: meta.ownerId,
      ward_id: meta.wardId,
      filename: f.filename,
      kind: f.kind,
      media_type: f.mediaType,
      size: f.size,
      sha256: f.sha256,
      content_base64: f.bytes.toString('base64'),
      uploaded_by: meta.uploadedBy,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return Number(row.id)
}

export async function listFiles(db: Kysely<Database>, ownerKind: string, ownerId: number): Promise<StoredFileInfo[]> {
  const rows = await db
    .selectFrom('stored_file')
    .select(INFO_COLUMNS)
    .where('owner_kind', '=', ownerKind)
    .where('owner_id', '=', ownerId)
    .orderBy('id')
    .execute()
  return rows.map(toInfo)
}

export async function getFile(
  db: Kysely<Database>,
  id: number,
): Promise<(StoredFileInfo & { bytes: Buffer }) | undefined> {
  if (!Number.isSafeInteger(id) || id <= 0) return undefined
  const r = await db
    .selectFrom('stored_file')
    .select([...INFO_COLUMNS, 'content_base64'])
    .where('id', '=', id)
    .executeTakeFirst()
  if (!r) return undefined
  return { ...toInfo(r), bytes: Buffer.from(r.content_base64, 'base64') }
}

/** Always a download, never rendered inline: an uploaded file is somebody else's content. */
export function sendFile(reply: FastifyReply, file: StoredFileInfo & { bytes: Buffer }): FastifyReply {
  const ascii = file.filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_')
  return reply
    .header('content-type', file.mediaType)
    .header(
      'content-disposition',
      `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`,
    )
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; sandbox")
    .header('cache-control', 'private, no-store')
    .send(file.bytes)
}
