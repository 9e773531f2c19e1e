/**
 * CSV as officers exchange it with spreadsheets: RFC 4180 reading, and writing that a spreadsheet opens safely.
 * Pure functions, no I/O. Every CSV the product reads or writes goes through here, so the quoting rules and the
 * formula-injection guard are the same everywhere. Pure rules import this file itself rather than the folder's
 * index, so that they do not load the upload and PDF code.
 */

/** A value of a cell to write: numbers stay numbers in a workbook; null and undefined are an empty cell. */
export type SheetValue = string | number | null | undefined

/**
 * Spreadsheet formula injection: text starting with = + - @ tab or CR would run as a formula when opened, so it
 * is written with a leading ' (which a spreadsheet shows as plain text). Numbers stay numbers: a number cell is
 * never run.
 */
export function sheetText(value: SheetValue): string | number | null {
  if (value === null || value === undefined) return null
  if (typeof value === 'number') return value
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
}

/** One CSV cell: guarded as in `sheetText`, quoted when it holds a quote, comma or line break. */
export function csvCell(value: SheetValue): string {
  const v = sheetText(value)
  const s = v === null ? '' : String(v)
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export function csvLine(cells: readonly SheetValue[]): string {
  return cells.map(csvCell).join(',')
}

/**
 * A whole CSV file: a byte-order mark first, so spreadsheet programs read Polish and Korean text as UTF-8, and
 * CRLF line ends as RFC 4180 asks. An empty row is a blank line.
 */
export function toCsv(rows: readonly (readonly SheetValue[])[]): string {
  return `\uFEFF${rows.map(csvLine).join('\r\n')}\r\n`
}

/** A quoted field is never closed; `line` is the line its row starts on. */
export class CsvQuoteError extends Error {
  constructor(readonly line: number) {
    super(`unterminated quoted field starting on line ${line}`)
    this.name = 'CsvQuoteError'
  }
}

export interface CsvRow {
  /** The 1-based line the row starts on (a quoted field may span lines), for error messages. */
  line: number
  fields: string[]
}

/**
 * RFC 4180 reading: comma separated; a double-quoted field may hold commas, doubled quotes and line breaks; CRLF,
 * LF or CR line ends; a byte-order mark is dropped; blank lines are skipped. Fields are returned as written.
 */
export function readCsvRows(text: string): CsvRow[] {
  const rows: CsvRow[] = []
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  let fields: string[] = []
  let field = ''
  let inQuotes = false
  let line = 1
  let rowLine = 1
  const endRow = (): void => {
    fields.push(field)
    // A row made of a single empty field is a blank line, not a record.
    if (!(fields.length === 1 && fields[0]?.trim() === '')) rows.push({ line: rowLine, fields })
    fields = []
    field = ''
  }
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]
    if (inQuotes) {
      if (ch === '"') {
        if (src[i + 1] === '"') {
          field += '"'
          i++
        } else inQuotes = false
      } else {
        if (ch === '\n') line++
        field += ch
      }
    } else if (ch === '"') inQuotes = true
    else if (ch === ',') {
      fields.push(field)
      field = ''
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && src[i + 1] === '\n') i++
      endRow()
      line++
      rowLine = line
    } else field += ch
  }
  if (inQuotes) throw new CsvQuoteError(rowLine)
  if (field !== '' || fields.length > 0) endRow()
  return rows
}
