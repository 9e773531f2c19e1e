/** Pure rules of the engagement module: answers, channels, CSV reading and writing. No I/O. */

export const QUESTION_KINDS = ['short_text', 'long_text', 'single', 'multiple', 'rating', 'themes', 'postcode'] as const
export type QuestionKind = (typeof QUESTION_KINDS)[number]

export const CHANNELS = ['online', 'paper', 'event', 'phone', 'doorstep', 'assisted'] as const
export type Channel = (typeof CHANNELS)[number]
/** Channels staff enter on someone's behalf (online answers come through the resident pages). */
export const ENTRY_CHANNELS = CHANNELS.filter((c) => c !== 'online')

export const RATING_SCALE = ['1', '2', '3', '4', '5'] as const
export const SHORT_MAX = 200
export const LONG_MAX = 2000
/** "Which themes matter most": people choose up to this many. */
export const THEMES_MAX = 3

export interface QuestionSpec {
  id: number
  kind: QuestionKind
  required: boolean
  options: string[]
}

export interface ThemeRef {
  id: number
  slug: string
  name: string
}

/** An answer as stored: text, one option, a rating, a canonical postcode, or a JSON array (multiple, themes). */
export type AnswerCheck = { ok: true; value: string | null } | { ok: false; error: string }

/** The same canonical form as the geography importer (geography's normalisePostcode), kept pure here. */
export function canonicalPostcode(input: string): string | undefined {
  const compact = input.toUpperCase().replace(/[^A-Z0-9]/g, '')
  if (!/^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$/.test(compact)) return undefined
  return `${compact.slice(0, -3)} ${compact.slice(-3)}`
}

const asList = (raw: unknown): string[] =>
  (Array.isArray(raw) ? raw : raw === undefined || raw === null ? [] : [raw]).filter(
    (x): x is string => typeof x === 'string' && x !== '',
  )

/**
 * Checks one raw form value against its question. Errors are translation keys. An unanswered optional question is
 * `{ ok: true, value: null }` (stored as no answer, not as an empty one).
 */
export function checkAnswer(q: QuestionSpec, raw: unknown, themes: ThemeRef[]): AnswerCheck {
  const single = typeof raw === 'string' ? raw : Array.isArray(raw) && typeof raw[0] === 'string' ? raw[0] : ''
  const missing = (): AnswerCheck =>
    q.required ? { ok: false, error: `engagement.errors.required.${q.kind}` } : { ok: true, value: null }
  switch (q.kind) {
    case 'short_text':
    case 'long_text': {
      const text = single.replace(/\u0000/g, '').trim()
      if (text === '') return missing()
      const max = q.kind === 'short_text' ? SHORT_MAX : LONG_MAX
      if (text.length > max) return { ok: false, error: `engagement.errors.tooLong.${q.kind}` }
      return { ok: true, value: text }
    }
    case 'single': {
      if (single === '') return missing()
      return q.options.includes(single) ? { ok: true, value: single } : { ok: false, error: 'engagement.errors.option' }
    }
    case 'rating': {
      if (single === '') return missing()
      return (RATING_SCALE as readonly string[]).includes(single)
        ? { ok: true, value: single }
        : { ok: false, error: 'engagement.errors.option' }
    }
    case 'multiple': {
      const picked = [...new Set(asList(raw))]
      if (picked.length === 0) return missing()
      if (!picked.every((p) => q.options.includes(p))) return { ok: false, error: 'engagement.errors.option' }
      return { ok: true, value: JSON.stringify(q.options.filter((o) => picked.includes(o))) }
    }
    case 'themes': {
      const picked = [...new Set(asList(raw))]
      if (picked.length === 0) return missing()
      if (!picked.every((p) => themes.some((t) => t.slug === p)))
        return { ok: false, error: 'engagement.errors.option' }
      if (picked.length > THEMES_MAX) return { ok: false, error: 'engagement.errors.themesMax' }
      return { ok: true, value: JSON.stringify(themes.filter((t) => picked.includes(t.slug)).map((t) => t.slug)) }
    }
    case 'postcode': {
      if (single.trim() === '') return missing()
      const pc = canonicalPostcode(single)
      return pc ? { ok: true, value: pc } : { ok: false, error: 'engagement.errors.postcode' }
    }
  }
}

/** How a stored answer reads back (check-your-answers, exports). */
export function answerText(kind: QuestionKind, value: string | null | undefined, themes: ThemeRef[]): string[] {
  if (value === null || value === undefined) return []
  if (kind === 'multiple') return parseList(value)
  if (kind === 'themes') return parseList(value).map((s) => themes.find((t) => t.slug === s)?.name ?? s)
  return [value]
}

export function parseList(value: string): string[] {
  try {
    const v: unknown = JSON.parse(value)
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
  } catch {
    return []
  }
}

/** A calendar date in YYYY-MM-DD that really exists, not in the future. */
export function checkDate(input: string, today: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(input.trim())
  if (!m) return undefined
  const d = new Date(`${m[1]}-${m[2]}-${m[3]}T00:00:00Z`)
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== input.trim()) return undefined
  if (input.trim() > today || input.trim() < '2000-01-01') return undefined
  return input.trim()
}

// --- CSV --------------------------------------------------------------------------------------------

export class CsvFormatError extends Error {}

/** RFC 4180 reading (quotes, doubled quotes, CRLF); a BOM is dropped; blank lines are skipped. */
export function parseCsv(text: string): { line: number; fields: string[] }[] {
  const rows: { line: number; fields: string[] }[] = []
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  let fields: string[] = []
  let field = ''
  let inQuotes = false
  let line = 1
  let rowLine = 1
  const endRow = () => {
    fields.push(field)
    if (!(fields.length === 1 && fields[0]!.trim() === '')) rows.push({ line: rowLine, fields })
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
  if (inQuotes) throw new CsvFormatError(String(rowLine))
  if (field !== '' || fields.length > 0) endRow()
  return rows
}

/** Spreadsheet formula injection: a cell starting = + - @ tab or CR is prefixed with ' so it is read as text. */
export function spreadsheetText(value: string | number | null | undefined): string {
  const s = value === null || value === undefined ? '' : String(value)
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s
}

export function csvCell(value: string | number | null | undefined): string {
  const s = spreadsheetText(value)
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export function csvLine(cells: (string | number | null | undefined)[]): string {
  return cells.map(csvCell).join(',')
}

export interface ImportQuestion extends QuestionSpec {
  position: number
}

export interface ImportRow {
  line: number
  channel: Channel
  postcode: string | null
  respondedOn: string
  answers: { questionId: number; value: string }[]
}

export interface ImportError {
  line: number | null
  /** Translation key and its values. */
  key: string
  vars?: Record<string, string | number>
}

export const IMPORT_FIXED = ['channel', 'postcode', 'date'] as const
export const IMPORT_MAX_ROWS = 5000

/** Column name for a question in the paper-form CSV: q1, q2, … by position. */
export const questionColumn = (position: number) => `q${position}`

/**
 * Reads a batch of paper forms. Every row is checked and every error reported; the caller imports the rows only
 * when there are no errors at all (all or nothing). Multiple choices and themes are separated by `;`.
 */
export function parseResponsesCsv(
  text: string,
  questions: ImportQuestion[],
  themes: ThemeRef[],
  today: string,
): { rows: ImportRow[]; errors: ImportError[] } {
  const errors: ImportError[] = []
  if (text.includes('\uFFFD')) return { rows: [], errors: [{ line: null, key: 'engagement.import.errors.encoding' }] }
  let parsed: { line: number; fields: string[] }[]
  try {
    parsed = parseCsv(text)
  } catch (e) {
    return {
      rows: [],
      errors: [
        { line: null, key: 'engagement.import.errors.quotes', vars: { line: e instanceof Error ? e.message : '?' } },
      ],
    }
  }
  const [head, ...body] = parsed
  if (!head) return { rows: [], errors: [{ line: null, key: 'engagement.import.errors.empty' }] }
  const expected = [...IMPORT_FIXED, ...questions.map((q) => questionColumn(q.position))]
  const got = head.fields.map((f) => f.trim().toLowerCase())
  if (got.length !== expected.length || got.some((g, i) => g !== expected[i]))
    return {
      rows: [],
      errors: [{ line: head.line, key: 'engagement.import.errors.header', vars: { expected: expected.join(',') } }],
    }
  if (body.length === 0) return { rows: [], errors: [{ line: null, key: 'engagement.import.errors.empty' }] }
  if (body.length > IMPORT_MAX_ROWS)
    return {
      rows: [],
      errors: [{ line: null, key: 'engagement.import.errors.tooMany', vars: { max: IMPORT_MAX_ROWS } }],
    }
  const rows: ImportRow[] = []
  for (const r of body) {
    const rowErrors: ImportError[] = []
    if (r.fields.length !== expected.length) {
      errors.push({ line: r.line, key: 'engagement.import.errors.columns', vars: { count: expected.length } })
      continue
    }
    const [channelRaw, postcodeRaw, dateRaw] = r.fields.map((f) => f.trim())
    const channel = ENTRY_CHANNELS.find((c) => c === channelRaw?.toLowerCase())
    if (!channel)
      rowErrors.push({ line: r.line, key: 'engagement.import.errors.channel', vars: { value: channelRaw ?? '' } })
    let postcode: string | null = null
    if (postcodeRaw) {
      postcode = canonicalPostcode(postcodeRaw) ?? null
      if (!postcode)
        rowErrors.push({ line: r.line, key: 'engagement.import.errors.postcode', vars: { value: postcodeRaw } })
    }
    const respondedOn = checkDate(dateRaw ?? '', today)
    if (!respondedOn)
      rowErrors.push({ line: r.line, key: 'engagement.import.errors.date', vars: { value: dateRaw ?? '' } })
    const answers: { questionId: number; value: string }[] = []
    questions.forEach((q, i) => {
      const cell = r.fields[IMPORT_FIXED.length + i]!.trim()
      const raw =
        q.kind === 'multiple' || q.kind === 'themes'
          ? cell
              .split(';')
              .map((s) => s.trim())
              .filter(Boolean)
          : cell
      const rawThemes =
        q.kind === 'themes' && Array.isArray(raw)
          ? raw.map((x) => themes.find((t) => t.name.toLowerCase() === x.toLowerCase())?.slug ?? x)
          : raw
      const checked = checkAnswer(q, rawThemes, themes)
      if (!checked.ok)
        rowErrors.push({
          line: r.line,
          key: 'engagement.import.errors.answer',
          vars: { column: questionColumn(q.position), value: cell.slice(0, 60) },
        })
      else if (checked.value !== null) answers.push({ questionId: q.id, value: checked.value })
    })
    if (rowErrors.length > 0) errors.push(...rowErrors)
    else rows.push({ line: r.line, channel: channel!, postcode, respondedOn: respondedOn!, answers })
  }
  return { rows: errors.length > 0 ? [] : rows, errors }
}

// --- Counting ---------------------------------------------------------------------------------------

/** Disclosure control for anything about people's characteristics: under 10 hidden, others rounded to 5. */
export function suppress(count: number): number | null {
  if (count < 10) return null
  return Math.round(count / 5) * 5
}
