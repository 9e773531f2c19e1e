import type { BallotKind, ElectionBallot, ElectionInput } from './rules/election.js'
import { Rational } from './rules/rational.js'

/** Pabulib `vote_type` values (notes §1.2). */
export type PabulibVoteType = 'approval' | 'choose-1' | 'ordinal' | 'cumulative' | 'scoring'

export const PABULIB_VOTE_TYPES: readonly PabulibVoteType[] = [
  'approval',
  'choose-1',
  'ordinal',
  'cumulative',
  'scoring',
]

export interface PabulibProject {
  readonly id: string
  readonly cost: Rational
  /** Every other column of the PROJECTS row (`votes`, `name`, `selected`…), trimmed, as written. */
  readonly fields: Readonly<Record<string, string>>
}

export interface PabulibVote {
  readonly voterId: string
  /** As listed: a set for approval/choose-1, most preferred first for ordinal. */
  readonly projectIds: readonly string[]
  /** Cumulative and scoring ballots: points parallel to `projectIds`. */
  readonly points?: readonly Rational[]
  /** Every other column of the VOTES row (`age`, `sex`, `voting_method`…). */
  readonly fields: Readonly<Record<string, string>>
}

/** A parsed `.pb` file. `serialisePabulib` writes it back so that parsing the text gives an equal value. */
export interface PabulibFile {
  /** META rows in file order, values trimmed; `budget` is normalised to plain decimal text. */
  readonly meta: ReadonlyMap<string, string>
  readonly budget: Rational
  readonly voteType: PabulibVoteType
  /** PROJECTS header in file order, `project_id` and `cost` included. */
  readonly projectColumns: readonly string[]
  readonly projects: readonly PabulibProject[]
  /** VOTES header in file order, `voter_id`, `vote` (and `points`) included. */
  readonly voteColumns: readonly string[]
  readonly votes: readonly PabulibVote[]
  /** Oddities that real files have and that do not stop a count (META counts that disagree with the rows). */
  readonly warnings: readonly string[]
}

/**
 * A malformed `.pb` file: a client error (HTTP 400), with the 1-based line it was found on (0 when it is
 * about the file as a whole). Nothing is imported when this is thrown.
 */
export class PabulibFormatError extends Error {
  readonly statusCode = 400
  readonly code = 'PRIORITISATION_PABULIB_INVALID'

  constructor(
    readonly line: number,
    readonly detail: string,
  ) {
    super(line > 0 ? `line ${line}: ${detail}` : detail)
    this.name = 'PabulibFormatError'
  }
}

// Keys whose values must be numbers when present; checked at parse time so a typo is reported by line.
const NUMERIC_META_KEYS = [
  'num_projects',
  'num_votes',
  'min_length',
  'max_length',
  'min_sum_cost',
  'max_sum_cost',
  'min_points',
  'max_points',
  'min_sum_points',
  'max_sum_points',
  'default_score',
  'min_project_score_threshold',
]

type SectionName = 'meta' | 'projects' | 'votes'

interface Row {
  readonly line: number
  readonly fields: string[]
}

interface Section {
  readonly titleLine: number
  readonly header?: Row
  readonly rows: Row[]
}

/**
 * Parses Pabulib text (notes §1): strips a BOM, accepts `\n` and `\r\n`, `;`-separated fields with CSV
 * quoting, every field trimmed. Validates what pabutools does not: section order, column counts, duplicate
 * project and voter ids, ballots naming unknown projects, numbers that are not numbers, points that do not
 * match the vote, projects costing more than the whole budget. Throws `PabulibFormatError` naming the line,
 * before anything is returned, so a caller never sees part of a malformed file.
 *
 * @example
 * parsePabulib('META\nkey;value\nbudget;10\nvote_type;approval\nPROJECTS\nproject_id;cost\n1;6\nVOTES\nvoter_id;vote\nv1;1\n')
 */
export function parsePabulib(text: string): PabulibFile {
  const sections = splitSections(text)
  const warnings: string[] = []

  const metaSection = sections.meta
  const headerOf = (name: SectionName, section: Section): Row => {
    if (!section.header)
      throw new PabulibFormatError(section.titleLine, `the ${name.toUpperCase()} section has no header row`)
    return section.header
  }
  const metaHeader = headerOf('meta', metaSection)
  if (metaHeader.fields.length !== 2 || metaHeader.fields[0] !== 'key' || metaHeader.fields[1] !== 'value') {
    throw new PabulibFormatError(
      metaHeader.line,
      `the META header must be "key;value", not "${metaHeader.fields.join(';')}"`,
    )
  }
  const meta = new Map<string, string>()
  const metaLine = new Map<string, number>()
  for (const row of metaSection.rows) {
    const [key = '', value = '', ...rest] = row.fields
    if (row.fields.length < 2 || rest.some((f) => f !== '')) {
      throw new PabulibFormatError(
        row.line,
        `a META row needs exactly two fields, key and value; got ${row.fields.length}`,
      )
    }
    if (key === '') throw new PabulibFormatError(row.line, 'a META row has an empty key')
    if (meta.has(key)) throw new PabulibFormatError(row.line, `META key "${key}" appears twice`)
    meta.set(key, value)
    metaLine.set(key, row.line)
  }
  const budgetText = meta.get('budget')
  if (budgetText === undefined) throw new PabulibFormatError(metaSection.titleLine, 'META has no "budget"')
  const budget = Rational.parse(budgetText)
  if (budget === undefined || budget.sign() < 0) {
    throw new PabulibFormatError(metaLine.get('budget') ?? 0, `budget "${budgetText}" is not a non-negative number`)
  }
  meta.set('budget', budget.toDecimalString())
  const voteTypeText = meta.get('vote_type')
  if (voteTypeText === undefined) throw new PabulibFormatError(metaSection.titleLine, 'META has no "vote_type"')
  const voteType = PABULIB_VOTE_TYPES.find((t) => t === voteTypeText.toLowerCase())
  if (voteType === undefined) {
    throw new PabulibFormatError(
      metaLine.get('vote_type') ?? 0,
      `unknown vote_type "${voteTypeText}"; expected one of ${PABULIB_VOTE_TYPES.join(', ')}`,
    )
  }
  meta.set('vote_type', voteType)
  for (const key of NUMERIC_META_KEYS) {
    const value = meta.get(key)
    if (value !== undefined && value !== '' && Rational.parse(value) === undefined) {
      throw new PabulibFormatError(metaLine.get(key) ?? 0, `META "${key}" must be a number, not "${value}"`)
    }
  }

  const projectHeader = headerOf('projects', sections.projects)
  const projectColumns = checkHeader(projectHeader, ['project_id', 'cost'])
  const idColumn = projectColumns.indexOf('project_id')
  const costColumn = projectColumns.indexOf('cost')
  const projects: PabulibProject[] = []
  const projectIds = new Set<string>()
  for (const row of sections.projects.rows) {
    checkWidth(row, projectColumns, 'PROJECTS')
    const id = row.fields[idColumn] ?? ''
    if (id === '') throw new PabulibFormatError(row.line, 'empty project_id')
    if (projectIds.has(id)) throw new PabulibFormatError(row.line, `project_id "${id}" appears twice`)
    const costText = row.fields[costColumn] ?? ''
    const cost = Rational.parse(costText)
    if (cost === undefined || cost.sign() < 0) {
      throw new PabulibFormatError(row.line, `cost "${costText}" of project ${id} is not a non-negative number`)
    }
    // An error, not a warning: such a project can never be funded, so in a file it is almost always a slip in
    // the cost or the budget (a missing digit, pence for pounds), and counting on would publish a wrong result.
    // None of the 16 official files in shared/data/pabulib has one (checked against each), so `together tally`
    // loses nothing real; the app refuses such options before a round opens, so its own files never have one.
    if (cost.gt(budget)) {
      throw new PabulibFormatError(
        row.line,
        `project ${id} costs ${cost.toDecimalString()}, more than the whole budget of ${budget.toDecimalString()}`,
      )
    }
    projectIds.add(id)
    projects.push({ id, cost, fields: otherFields(projectColumns, row.fields, [idColumn, costColumn]) })
  }

  const usesPoints = voteType === 'cumulative' || voteType === 'scoring'
  const voteHeader = headerOf('votes', sections.votes)
  const voteColumns = checkHeader(voteHeader, usesPoints ? ['voter_id', 'vote', 'points'] : ['voter_id', 'vote'])
  const voterColumn = voteColumns.indexOf('voter_id')
  const voteColumn = voteColumns.indexOf('vote')
  const pointsColumn = usesPoints ? voteColumns.indexOf('points') : -1
  const known = usesPoints ? [voterColumn, voteColumn, pointsColumn] : [voterColumn, voteColumn]
  const votes: PabulibVote[] = []
  const voterIds = new Set<string>()
  for (const row of sections.votes.rows) {
    checkWidth(row, voteColumns, 'VOTES')
    const voterId = row.fields[voterColumn] ?? ''
    if (voterId === '') throw new PabulibFormatError(row.line, 'empty voter_id')
    if (voterIds.has(voterId)) throw new PabulibFormatError(row.line, `voter_id "${voterId}" appears twice`)
    voterIds.add(voterId)
    const ids = splitList(row.fields[voteColumn] ?? '')
    for (const id of ids) {
      if (id === '') throw new PabulibFormatError(row.line, `the vote of voter ${voterId} has an empty project id`)
      if (!projectIds.has(id))
        throw new PabulibFormatError(row.line, `voter ${voterId} votes for unknown project "${id}"`)
    }
    if (voteType === 'choose-1' && ids.length > 1) {
      warnings.push(`line ${row.line}: choose-1 voter ${voterId} chose ${ids.length} projects`)
    }
    const fields = otherFields(voteColumns, row.fields, known)
    if (!usesPoints) {
      votes.push({ voterId, projectIds: ids, fields })
      continue
    }
    const pointTexts = splitList(row.fields[pointsColumn] ?? '')
    if (pointTexts.length !== ids.length) {
      throw new PabulibFormatError(
        row.line,
        `voter ${voterId} lists ${ids.length} project(s) but ${pointTexts.length} points value(s)`,
      )
    }
    const points = pointTexts.map((p) => {
      const value = Rational.parse(p)
      if (value === undefined || value.sign() < 0) {
        throw new PabulibFormatError(row.line, `points "${p}" of voter ${voterId} is not a non-negative number`)
      }
      return value
    })
    votes.push({ voterId, projectIds: ids, points, fields })
  }

  const declaredProjects = meta.get('num_projects')
  if (declaredProjects !== undefined && declaredProjects !== '' && Number(declaredProjects) !== projects.length) {
    warnings.push(`META num_projects is ${declaredProjects} but the file lists ${projects.length} projects`)
  }
  const declaredVotes = meta.get('num_votes')
  if (declaredVotes !== undefined && declaredVotes !== '' && Number(declaredVotes) !== votes.length) {
    warnings.push(`META num_votes is ${declaredVotes} but the file lists ${votes.length} votes`)
  }
  return { meta, budget, voteType, projectColumns, projects, voteColumns, votes, warnings }
}

function splitSections(text: string): Record<SectionName, Section> {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text
  const lines = body.split(/\r?\n/)
  const found = new Map<SectionName, { titleLine: number; header?: Row; rows: Row[] }>()
  const order: SectionName[] = ['meta', 'projects', 'votes']
  let current: { titleLine: number; header?: Row; rows: Row[] } | undefined
  lines.forEach((raw, index) => {
    const line = index + 1
    if (raw.trim() === '') return
    const fields = tokenise(raw, line)
    if (fields.length === 1 && fields[0] === '') return
    const title = fields[0]?.toLowerCase()
    if ((title === 'meta' || title === 'projects' || title === 'votes') && fields.slice(1).every((f) => f === '')) {
      if (found.has(title)) throw new PabulibFormatError(line, `a second ${title.toUpperCase()} section`)
      const expected = order[found.size]
      if (title !== expected) {
        throw new PabulibFormatError(
          line,
          `${title.toUpperCase()} section found where ${expected?.toUpperCase() ?? 'nothing'} was expected (order: META, PROJECTS, VOTES)`,
        )
      }
      current = { titleLine: line, rows: [] }
      found.set(title, current)
      return
    }
    if (current === undefined) throw new PabulibFormatError(line, 'data before the META section title')
    if (current.header === undefined) current.header = { line, fields }
    else current.rows.push({ line, fields })
  })
  const missing = order.find((name) => !found.has(name))
  if (missing !== undefined) throw new PabulibFormatError(0, `the file has no ${missing.toUpperCase()} section`)
  const get = (name: SectionName): Section => {
    const section = found.get(name)
    if (section === undefined) throw new PabulibFormatError(0, `the file has no ${name.toUpperCase()} section`)
    return section
  }
  return { meta: get('meta'), projects: get('projects'), votes: get('votes') }
}

// Splits one line on `;` with CSV quoting: a field that starts with `"` runs to the matching quote, and
// `""` inside it is a literal quote.
function tokenise(line: string, lineNo: number): string[] {
  if (!line.includes('"')) return line.split(';').map((f) => f.trim())
  const fields: string[] = []
  let i = 0
  for (;;) {
    while (line[i] === ' ' || line[i] === '\t') i++
    let field = ''
    if (line[i] === '"') {
      i++
      for (;;) {
        const quote = line.indexOf('"', i)
        if (quote < 0) throw new PabulibFormatError(lineNo, 'a quoted field is not closed')
        field += line.slice(i, quote)
        if (line[quote + 1] === '"') {
          field += '"'
          i = quote + 2
        } else {
          i = quote + 1
          break
        }
      }
      const end = line.indexOf(';', i)
      const trailing = line.slice(i, end < 0 ? undefined : end)
      if (trailing.trim() !== '') throw new PabulibFormatError(lineNo, 'text after the closing quote of a field')
      fields.push(field.trim())
      if (end < 0) return fields
      i = end + 1
    } else {
      const end = line.indexOf(';', i)
      field = line.slice(i, end < 0 ? undefined : end)
      if (field.includes('"')) throw new PabulibFormatError(lineNo, 'a quote inside an unquoted field')
      fields.push(field.trim())
      if (end < 0) return fields
      i = end + 1
    }
  }
}

function checkHeader(header: Row, required: readonly string[]): string[] {
  const columns = header.fields
  const seen = new Set<string>()
  for (const column of columns) {
    if (column === '') throw new PabulibFormatError(header.line, 'a column header is empty')
    if (seen.has(column)) throw new PabulibFormatError(header.line, `column "${column}" appears twice`)
    if (column === '__proto__') throw new PabulibFormatError(header.line, 'a column cannot be called __proto__')
    seen.add(column)
  }
  for (const column of required) {
    if (!seen.has(column)) throw new PabulibFormatError(header.line, `the header has no "${column}" column`)
  }
  return columns
}

function checkWidth(row: Row, columns: readonly string[], section: string): void {
  if (row.fields.length !== columns.length) {
    throw new PabulibFormatError(
      row.line,
      `${section} row has ${row.fields.length} field(s) but the header has ${columns.length}`,
    )
  }
}

function otherFields(columns: readonly string[], values: readonly string[], skip: readonly number[]) {
  const fields: Record<string, string> = {}
  for (let i = 0; i < columns.length; i++) {
    // checkHeader refuses `__proto__`, so plain assignment cannot reach the prototype.
    if (!skip.includes(i)) fields[columns[i] ?? ''] = values[i] ?? ''
  }
  return fields
}

function splitList(text: string): string[] {
  return text === '' ? [] : text.split(',').map((s) => s.trim())
}

/**
 * Writes a `.pb` file: META (with `budget` and `vote_type` taken from the typed fields), PROJECTS and VOTES,
 * `\n` line ends, fields quoted only when they contain `;` or `"`. Throws `PabulibFormatError` (line 0) for
 * what the format cannot hold: line breaks in a field, a `,` in a project id, a cost with no finite decimal.
 */
export function serialisePabulib(file: PabulibFile): string {
  const out: string[] = ['META', 'key;value']
  const meta = new Map(file.meta)
  meta.set('budget', decimal(file.budget, 'budget'))
  meta.set('vote_type', file.voteType)
  for (const [key, value] of meta) out.push(row([key, value]))

  out.push('PROJECTS', row(file.projectColumns))
  for (const project of file.projects) {
    if (project.id.includes(',')) throw new PabulibFormatError(0, `project id "${project.id}" contains a comma`)
    out.push(
      row(
        file.projectColumns.map((column) =>
          column === 'project_id'
            ? project.id
            : column === 'cost'
              ? decimal(project.cost, `cost of ${project.id}`)
              : (project.fields[column] ?? ''),
        ),
      ),
    )
  }

  out.push('VOTES', row(file.voteColumns))
  for (const vote of file.votes) {
    out.push(
      row(
        file.voteColumns.map((column) => {
          if (column === 'voter_id') return vote.voterId
          if (column === 'vote') return vote.projectIds.join(',')
          if (column === 'points' && vote.points !== undefined)
            return vote.points.map((p) => decimal(p, 'points')).join(',')
          return vote.fields[column] ?? ''
        }),
      ),
    )
  }
  return out.join('\n') + '\n'
}

function row(fields: readonly string[]): string {
  return fields.map(quote).join(';')
}

function quote(field: string): string {
  if (/[\r\n]/.test(field))
    throw new PabulibFormatError(0, `a field cannot contain a line break: ${JSON.stringify(field)}`)
  if (field !== field.trim())
    throw new PabulibFormatError(0, `a field cannot start or end with spaces: ${JSON.stringify(field)}`)
  return field.includes(';') || field.includes('"') ? `"${field.replaceAll('"', '""')}"` : field
}

function decimal(value: Rational, what: string): string {
  if (!value.isTerminatingDecimal())
    throw new PabulibFormatError(0, `${what} (${value.toString()}) has no finite decimal form`)
  return value.toDecimalString()
}

const BALLOT_KINDS: Readonly<Record<PabulibVoteType, BallotKind>> = {
  approval: 'approval',
  'choose-1': 'approval',
  ordinal: 'ordinal',
  cumulative: 'cumulative',
  scoring: 'scoring',
}

/**
 * The counting input of a parsed file. Ordinal rankings score `max_length − rank` (3/2/1 for Kraków's
 * top 3), `default_score` applies to scoring ballots, and `min_project_score_threshold` is carried for
 * greedy-threshold.
 */
export function electionInputFromPabulib(file: PabulibFile): ElectionInput {
  const number = (key: string): Rational | undefined => {
    const value = file.meta.get(key)
    return value === undefined || value === '' ? undefined : Rational.parse(value)
  }
  const maxLength = number('max_length')
  const defaultScore = number('default_score')
  const threshold = number('min_project_score_threshold')
  const ballots: ElectionBallot[] = file.votes.map((vote) =>
    vote.points === undefined ? { projectIds: vote.projectIds } : { projectIds: vote.projectIds, points: vote.points },
  )
  return {
    budget: file.budget,
    projects: file.projects.map(({ id, cost }) => ({ id, cost })),
    ballotKind: BALLOT_KINDS[file.voteType],
    ballots,
    ...(file.voteType === 'ordinal' && maxLength?.isInteger() ? { ordinalLength: Number(maxLength.num) } : {}),
    ...(file.voteType === 'scoring' && defaultScore !== undefined ? { defaultScore } : {}),
    ...(threshold === undefined ? {} : { scoreThreshold: threshold }),
  }
}
