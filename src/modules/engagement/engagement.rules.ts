/** Pure rules of the engagement module: answers, channels, the paper-form CSV. No I/O. */

import { CsvQuoteError, readCsvRows, type CsvRow } from '../../platform/files/csv.js'

export const QUESTION_KINDS = [
  'short_text',
  'long_text',
  'single',
  'multiple',
  'rating',
  'ranking',
  'themes',
  'postcode',
  'place',
] as const
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
/** Ranking questions: people put every option in order, so the list stays short enough to order by hand. */
export const RANKING_MIN = 2
export const RANKING_MAX = 10

/** Kinds whose stored answer is a JSON array (several choices, or an order). */
export const isListKind = (kind: QuestionKind): boolean =>
  kind === 'multiple' || kind === 'themes' || kind === 'ranking'

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
    case 'ranking':
      return checkRanking(q, raw, missing)
    case 'place': {
      if (single.trim() === '') return missing()
      const place = parsePlace(single)
      return place ? { ok: true, value: formatPlace(place) } : { ok: false, error: 'engagement.errors.place' }
    }
    case 'postcode': {
      if (single.trim() === '') return missing()
      const pc = canonicalPostcode(single)
      return pc ? { ok: true, value: pc } : { ok: false, error: 'engagement.errors.postcode' }
    }
  }
}

/**
 * A ranking arrives as one value per position (a select per place in the order, so it works without JavaScript),
 * or as a stored JSON array. Every option must be placed exactly once; nothing chosen at all is "not answered".
 */
function checkRanking(q: QuestionSpec, raw: unknown, missing: () => AnswerCheck): AnswerCheck {
  const list =
    typeof raw === 'string' && raw.startsWith('[')
      ? parseList(raw)
      : (Array.isArray(raw) ? raw : raw === undefined || raw === null ? [] : [raw]).map((x) =>
          typeof x === 'string' ? x.trim() : '',
        )
  if (list.every((x) => x === '')) return missing()
  if (!list.every((x) => x === '' || q.options.includes(x))) return { ok: false, error: 'engagement.errors.option' }
  const chosen = list.filter((x) => x !== '')
  if (new Set(chosen).size !== chosen.length) return { ok: false, error: 'engagement.errors.rankingRepeated' }
  if (chosen.length !== q.options.length || list.length !== q.options.length)
    return { ok: false, error: 'engagement.errors.rankingIncomplete' }
  return { ok: true, value: JSON.stringify(chosen) }
}

/** How a stored answer reads back (check-your-answers, exports). */
export function answerText(kind: QuestionKind, value: string | null | undefined, themes: ThemeRef[]): string[] {
  if (value === null || value === undefined) return []
  if (kind === 'multiple') return parseList(value)
  if (kind === 'ranking') return parseList(value).map((o, i) => `${i + 1}. ${o}`)
  if (kind === 'place') {
    const p = parsePlace(value)
    if (!p) return [value]
    const where =
      p.how === 'pin' ? `${p.lat.toFixed(5)}, ${p.lon.toFixed(5)}` : p.how === 'postcode' ? p.postcode : p.area
    return [p.how === 'area' || !p.area ? where : `${where} (${p.area})`]
  }
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

// --- CSV (reading and writing live in platform/files/csv.ts) ----------------------------------------------------

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

/**
 * Text that was not UTF-8 before it reached us: U+FFFD (undecodable bytes), NUL characters (UTF-16 read as
 * UTF-8 leaves one between every letter), or the tell-tale pairs UTF-8 leaves when it was read as Latin-1 or
 * Windows-1252 and saved again ("Ã©" for "é", "Â£" for "£").
 */
export function looksMisencoded(text: string): boolean {
  return (
    /[\uFFFD\u0000]/.test(text) ||
    /[\u00C2\u00C3][\u0080-\u00BF\u0152\u0153\u0160\u0161\u0178\u017D\u017E\u0192\u02C6\u02DC\u2013-\u203A\u20AC\u2122]/.test(
      text,
    ) ||
    /\u00E2\u20AC/.test(text)
  )
}

/**
 * A cell a spreadsheet would run rather than show: it starts with = or @, or with + or - followed by a function
 * call. Our own exports write such text with a leading ' (see sheetText in platform/files/csv.ts), which is read
 * back as the text.
 */
export function isFormulaCell(cell: string): boolean {
  return /^[=@]/.test(cell) || /^[+-]\s*[A-Za-z_][A-Za-z0-9_.]*\s*\(/.test(cell)
}

/** Reverses sheetText: a ' put before = + - @ by an export is dropped so the text round-trips. */
export function unquoteSpreadsheetText(cell: string): string {
  return /^'[=+\-@]/.test(cell) ? cell.slice(1) : cell
}

/** Counts data lines cheaply (before any parsing), so a huge file is refused without building 100,000 rows. */
export function countLines(text: string): number {
  let n = 0
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++
  return text.endsWith('\n') ? n : n + 1
}

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
  if (looksMisencoded(text)) return { rows: [], errors: [{ line: null, key: 'engagement.import.errors.encoding' }] }
  // Header plus rows; a quoted field may span lines, so this only ever over-counts and the parsed count decides.
  if (countLines(text.trim()) > IMPORT_MAX_ROWS * 4 + 1)
    return {
      rows: [],
      errors: [{ line: null, key: 'engagement.import.errors.tooMany', vars: { max: IMPORT_MAX_ROWS } }],
    }
  let parsed: CsvRow[]
  try {
    parsed = readCsvRows(text)
  } catch (e) {
    if (!(e instanceof CsvQuoteError)) throw e
    return { rows: [], errors: [{ line: null, key: 'engagement.import.errors.quotes', vars: { line: e.line } }] }
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
      const rawCell = r.fields[IMPORT_FIXED.length + i]!.trim()
      if (isFormulaCell(rawCell)) {
        rowErrors.push({
          line: r.line,
          key: 'engagement.import.errors.formula',
          vars: { column: questionColumn(q.position), value: rawCell.slice(0, 60) },
        })
        return
      }
      const cell = unquoteSpreadsheetText(rawCell)
      const raw = isListKind(q.kind)
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

// --- Places --------------------------------------------------------------------------------------------

/** How a place answer is kept: `pin:lat,lon`, `postcode:KT2 7AA` or `area:E01…`, then `|` and the LSOA once placed. */
export type PlaceAnswer =
  | { how: 'pin'; lat: number; lon: number; area: string | null }
  | { how: 'postcode'; postcode: string; area: string | null }
  | { how: 'area'; area: string }

const AREA_CODE = /^[EW]0[0-9]{7}$/

export function formatPlace(p: PlaceAnswer): string {
  const tail = p.area ? `|${p.area}` : ''
  if (p.how === 'pin') return `pin:${p.lat.toFixed(5)},${p.lon.toFixed(5)}${tail}`
  if (p.how === 'postcode') return `postcode:${p.postcode}${tail}`
  return `area:${p.area}`
}

/** Reads a stored (or typed: a postcode, an area code, "lat,lon") place; undefined when it is none of them. */
export function parsePlace(value: string): PlaceAnswer | undefined {
  const [head = '', placed] = value.trim().split('|')
  const area = placed && AREA_CODE.test(placed) ? placed : null
  const pin = /^(?:pin:)?(-?\d{1,2}(?:\.\d+)?),\s*(-?\d{1,3}(?:\.\d+)?)$/.exec(head)
  if (pin) {
    const lat = Number(pin[1])
    const lon = Number(pin[2])
    if (Math.abs(lat) > 90 || Math.abs(lon) > 180) return undefined
    return { how: 'pin', lat, lon, area }
  }
  const code = head.replace(/^area:/, '').toUpperCase()
  if (AREA_CODE.test(code)) return { how: 'area', area: code }
  const pc = canonicalPostcode(head.replace(/^postcode:/, ''))
  return pc ? { how: 'postcode', postcode: pc, area } : undefined
}

// --- Wordings (translations, easy read) -----------------------------------------------------------------------

export const EASY_READ = 'easy'

/**
 * A question as a person reads it: the chosen wording where one exists, the original otherwise. Option *labels*
 * change; option *values* stay the original's, so every answer is stored and counted against the same options.
 */
export function worded<Q extends { id: number; prompt: string; hint: string; options: string[] }>(
  q: Q,
  wording: { prompt: string; hint: string; options: string[] } | undefined,
): Q & { optionLabels: string[] } {
  if (!wording || wording.prompt === '') return { ...q, optionLabels: q.options }
  const labels =
    wording.options.length === q.options.length ? q.options.map((o, i) => wording.options[i] || o) : q.options
  return { ...q, prompt: wording.prompt, hint: wording.hint || q.hint, optionLabels: labels }
}

/** Which wording to show: easy read when the person chose it, else their interface language, else none. */
export function chooseVariant(opts: { easyRead: boolean; lang: string; available: string[] }): string | undefined {
  if (opts.easyRead && opts.available.includes(EASY_READ)) return EASY_READ
  return opts.lang !== 'en' && opts.available.includes(opts.lang) ? opts.lang : undefined
}
