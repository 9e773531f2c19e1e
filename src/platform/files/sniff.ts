/**
 * Decides what a file is from its bytes, never from its name or the type the browser claimed: a renamed
 * executable stays an executable. Pure, no I/O.
 */
export const FILE_KINDS = ['pdf', 'png', 'jpeg', 'docx', 'xlsx', 'odt', 'csv', 'txt'] as const
export type FileKind = (typeof FILE_KINDS)[number]

export const MEDIA_TYPES: Record<FileKind, string> = {
  pdf: 'application/pdf',
  png: 'image/png',
  jpeg: 'image/jpeg',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  odt: 'application/vnd.oasis.opendocument.text',
  csv: 'text/csv; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
}

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

function startsWith(bytes: Uint8Array, sig: readonly number[]): boolean {
  if (bytes.length < sig.length) return false
  return sig.every((b, i) => bytes[i] === b)
}

/** Names of the entries in a ZIP's central directory, or undefined when the bytes are not a readable ZIP. */
export function zipEntryNames(bytes: Buffer): string[] | undefined {
  // The End Of Central Directory record is in the last 22 + 65,535 bytes (its comment is at most 64 KiB).
  const floor = Math.max(0, bytes.length - 22 - 0xffff)
  let eocd = -1
  for (let i = bytes.length - 22; i >= floor; i--) {
    if (bytes.readUInt32LE(i) === 0x06054b50) {
      eocd = i
      break
    }
  }
  if (eocd < 0) return undefined
  const count = bytes.readUInt16LE(eocd + 10)
  let offset = bytes.readUInt32LE(eocd + 16)
  const names: string[] = []
  for (let n = 0; n < count; n++) {
    if (offset + 46 > bytes.length || bytes.readUInt32LE(offset) !== 0x02014b50) return undefined
    const nameLength = bytes.readUInt16LE(offset + 28)
    const extraLength = bytes.readUInt16LE(offset + 30)
    const commentLength = bytes.readUInt16LE(offset + 32)
    if (offset + 46 + nameLength > bytes.length) return undefined
    names.push(bytes.subarray(offset + 46, offset + 46 + nameLength).toString('utf8'))
    offset += 46 + nameLength + extraLength + commentLength
  }
  return names
}

/** Plain text: valid UTF-8 (BOM allowed), no NUL bytes and almost no control characters. */
function isText(bytes: Buffer): boolean {
  if (bytes.length === 0) return false
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return false
  }
  let control = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0) return false
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c) control++
  }
  return control <= text.length / 1000
}

/**
 * The kind of a file from its content. `filename` only separates CSV from other plain text, which have no magic
 * bytes; it never turns binary content into an accepted kind.
 */
export function sniffFileKind(bytes: Buffer, filename = ''): FileKind | undefined {
  if (bytes.length >= 5 && bytes.subarray(0, 5).toString('latin1') === '%PDF-') return 'pdf'
  if (startsWith(bytes, PNG)) return 'png'
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg'
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) {
    const names = zipEntryNames(bytes)
    if (!names) return undefined
    if (names.includes('[Content_Types].xml')) {
      if (names.some((n) => n.startsWith('word/'))) return 'docx'
      if (names.some((n) => n.startsWith('xl/'))) return 'xlsx'
      return undefined
    }
    // OpenDocument: the first entry is "mimetype", stored uncompressed, holding the media type.
    const mimetypeAt = 30 + bytes.readUInt16LE(26) + bytes.readUInt16LE(28)
    if (names[0] === 'mimetype' && bytes.length > mimetypeAt + 40) {
      const head = bytes.subarray(mimetypeAt, mimetypeAt + 60).toString('latin1')
      if (head.startsWith('application/vnd.oasis.opendocument.text')) return 'odt'
    }
    return undefined
  }
  if (isText(bytes)) return /\.csv$/i.test(filename) ? 'csv' : 'txt'
  return undefined
}

/** A name safe to show and to put in Content-Disposition: no path, no control characters, bounded length. */
export function safeFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? ''
  const cleaned = base.replace(/[\u0000-\u001f\u007f"<>:|?*]/g, '').trim()
  const bounded = cleaned.length > 150 ? cleaned.slice(cleaned.length - 150) : cleaned
  return bounded === '' || bounded === '.' || bounded === '..' ? 'file' : bounded
}
