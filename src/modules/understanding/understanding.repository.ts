/** The only code that touches the understanding_ tables. */
import type { Kysely } from 'kysely'
import type { Database, Flag } from '../../platform/db/index.js'

type Db = Kysely<Database>
const now = () => new Date().toISOString()
const ids = (json: string): number[] => {
  try {
    const v: unknown = JSON.parse(json)
    return Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : []
  } catch {
    return []
  }
}
const strings = (json: string): string[] => {
  try {
    const v: unknown = JSON.parse(json)
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
  } catch {
    return []
  }
}

// --- Frame ---------------------------------------------------------------------------------------------

export interface FrameTheme {
  id: number
  engagementThemeId: number | null
  parentId: number | null
  name: string
  definition: string
  examples: string
  status: 'active' | 'merged' | 'split'
  replacedBy: number[]
}

/** Brings the ward's engagement themes into its frame as top-level themes (safe to repeat). */
export async function ensureFrame(
  db: Db,
  wardId: number,
  themes: { id: number; name: string; description: string }[],
): Promise<void> {
  const have = new Set(
    (
      await db
        .selectFrom('understanding_theme')
        .select('engagement_theme_id')
        .where('ward_id', '=', wardId)
        .where('engagement_theme_id', 'is not', null)
        .execute()
    ).map((r) => Number(r.engagement_theme_id)),
  )
  for (const t of themes) {
    if (have.has(t.id)) continue
    const id = await insertTheme(db, wardId, {
      engagementThemeId: t.id,
      parentId: null,
      name: t.name,
      definition: t.description,
      examples: '',
    })
    await addThemeEvent(db, wardId, id, 'created', { from: 'engagement theme' }, null)
  }
}

export async function listFrame(db: Db, wardId: number): Promise<FrameTheme[]> {
  const rows = await db
    .selectFrom('understanding_theme')
    .selectAll()
    .where('ward_id', '=', wardId)
    .orderBy('id')
    .execute()
  return rows.map((r) => ({
    id: Number(r.id),
    engagementThemeId: r.engagement_theme_id === null ? null : Number(r.engagement_theme_id),
    parentId: r.parent_id === null ? null : Number(r.parent_id),
    name: r.name,
    definition: r.definition,
    examples: r.examples,
    status: r.status,
    replacedBy: ids(r.replaced_by_json),
  }))
}

export async function insertTheme(
  db: Db,
  wardId: number,
  t: { engagementThemeId?: number | null; parentId: number | null; name: string; definition: string; examples: string },
): Promise<number> {
  const r = await db
    .insertInto('understanding_theme')
    .values({
      ward_id: wardId,
      engagement_theme_id: t.engagementThemeId ?? null,
      parent_id: t.parentId,
      name: t.name,
      definition: t.definition,
      examples: t.examples,
      status: 'active',
      replaced_by_json: '[]',
      created_at: now(),
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return Number(r.id)
}

export async function updateTheme(
  db: Db,
  wardId: number,
  id: number,
  t: { name: string; definition: string; examples: string },
): Promise<void> {
  await db
    .updateTable('understanding_theme')
    .set({ name: t.name, definition: t.definition, examples: t.examples })
    .where('ward_id', '=', wardId)
    .where('id', '=', id)
    .execute()
}

export async function retireTheme(
  db: Db,
  wardId: number,
  id: number,
  status: 'merged' | 'split',
  replacedBy: number[],
): Promise<void> {
  await db
    .updateTable('understanding_theme')
    .set({ status, replaced_by_json: JSON.stringify(replacedBy) })
    .where('ward_id', '=', wardId)
    .where('id', '=', id)
    .execute()
  // Sub-themes of a retired theme move to what replaced it (the first, for a split), so none is orphaned.
  await db
    .updateTable('understanding_theme')
    .set({ parent_id: replacedBy[0] ?? null })
    .where('ward_id', '=', wardId)
    .where('parent_id', '=', id)
    .execute()
}

export async function addThemeEvent(
  db: Db,
  wardId: number,
  themeId: number,
  action: 'created' | 'edited' | 'merged' | 'split' | 'accepted',
  detail: Record<string, unknown>,
  byUserId: number | null,
): Promise<void> {
  await db
    .insertInto('understanding_theme_event')
    .values({
      ward_id: wardId,
      theme_id: themeId,
      action,
      detail_json: JSON.stringify(detail),
      by_user_id: byUserId,
      at: now(),
    })
    .execute()
}

export async function listThemeEvents(
  db: Db,
  wardId: number,
  themeId: number,
): Promise<{ action: string; detail: Record<string, unknown>; at: string }[]> {
  const rows = await db
    .selectFrom('understanding_theme_event')
    .selectAll()
    .where('ward_id', '=', wardId)
    .where('theme_id', '=', themeId)
    .orderBy('id')
    .execute()
  return rows.map((r) => ({ action: r.action, detail: JSON.parse(r.detail_json) as Record<string, unknown>, at: r.at }))
}

// --- Texts and codings -------------------------------------------------------------------------------------

export async function listTexts(
  db: Db,
  wardId: number,
): Promise<{ id: number; body: string; areaCode: string | null; isDemo: boolean; createdAt: string }[]> {
  const rows = await db
    .selectFrom('understanding_text')
    .selectAll()
    .where('ward_id', '=', wardId)
    .orderBy('id')
    .execute()
  return rows.map((r) => ({
    id: Number(r.id),
    body: r.body,
    areaCode: r.area_code,
    isDemo: r.is_demo === 1,
    createdAt: r.created_at,
  }))
}

export async function insertText(
  db: Db,
  wardId: number,
  t: { body: string; areaCode: string | null; isDemo: boolean; createdAt?: string },
): Promise<number> {
  const r = await db
    .insertInto('understanding_text')
    .values({
      ward_id: wardId,
      body: t.body,
      area_code: t.areaCode,
      is_demo: t.isDemo ? 1 : 0,
      created_at: t.createdAt ?? now(),
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return Number(r.id)
}

export interface Coding {
  id: number
  itemRef: string
  coderUserId: number
  themeIds: number[]
  isOther: boolean
  codedAt: string
}

export async function listCodings(db: Db, wardId: number): Promise<Coding[]> {
  const rows = await db
    .selectFrom('understanding_coding')
    .selectAll()
    .where('ward_id', '=', wardId)
    .orderBy('id')
    .execute()
  return rows.map((r) => ({
    id: Number(r.id),
    itemRef: r.item_ref,
    coderUserId: Number(r.coder_user_id),
    themeIds: ids(r.theme_ids_json),
    isOther: r.is_other === 1,
    codedAt: r.coded_at,
  }))
}

/** One row per officer per text: coding it again replaces that officer's earlier choice. */
export async function saveCoding(
  db: Db,
  wardId: number,
  c: { itemRef: string; coderUserId: number; themeIds: number[]; isOther: boolean },
): Promise<void> {
  const values = {
    theme_ids_json: JSON.stringify([...new Set(c.themeIds)].sort((a, b) => a - b)),
    is_other: (c.isOther ? 1 : 0) as Flag,
    coded_at: now(),
  }
  await db
    .insertInto('understanding_coding')
    .values({ ward_id: wardId, item_ref: c.itemRef, coder_user_id: c.coderUserId, ...values })
    .onConflict((oc) => oc.columns(['ward_id', 'item_ref', 'coder_user_id']).doUpdateSet(values))
    .execute()
}

/** After a merge: every code to `from` becomes a code to `to` (kept once). */
export async function remapCodings(db: Db, wardId: number, from: number, to: number): Promise<number> {
  const rows = await listCodings(db, wardId)
  let n = 0
  for (const r of rows.filter((x) => x.themeIds.includes(from))) {
    const next = [...new Set(r.themeIds.map((t) => (t === from ? to : t)))].sort((a, b) => a - b)
    await db
      .updateTable('understanding_coding')
      .set({ theme_ids_json: JSON.stringify(next) })
      .where('id', '=', r.id)
      .execute()
    n += 1
  }
  return n
}

// --- Model ------------------------------------------------------------------------------------------------

export async function findModel(
  db: Db,
  wardId: number,
): Promise<
  { trainedAt: string; trainedOn: number; heldOut: number; modelJson: string; evaluationJson: string } | undefined
> {
  const r = await db.selectFrom('understanding_model').selectAll().where('ward_id', '=', wardId).executeTakeFirst()
  return r
    ? {
        trainedAt: r.trained_at,
        trainedOn: Number(r.trained_on),
        heldOut: Number(r.held_out),
        modelJson: r.model_json,
        evaluationJson: r.evaluation_json,
      }
    : undefined
}

export async function saveModel(
  db: Db,
  wardId: number,
  m: { trainedOn: number; heldOut: number; modelJson: string; evaluationJson: string },
): Promise<void> {
  const values = {
    trained_at: now(),
    trained_on: m.trainedOn,
    held_out: m.heldOut,
    model_json: m.modelJson,
    evaluation_json: m.evaluationJson,
  }
  await db
    .insertInto('understanding_model')
    .values({ ward_id: wardId, ...values })
    .onConflict((oc) => oc.column('ward_id').doUpdateSet(values))
    .execute()
}

// --- Candidates ---------------------------------------------------------------------------------------------

export interface CandidateRow {
  id: number
  runAt: string
  keyPhrases: string[]
  quoteRefs: string[]
  itemRefs: string[]
  size: number
  status: 'open' | 'accepted' | 'merged' | 'dismissed'
  themeId: number | null
}

/** A new run replaces the open candidates of the last one; decided ones stay as the record. */
export async function replaceOpenCandidates(
  db: Db,
  wardId: number,
  seed: number,
  cs: { keyPhrases: string[]; quoteRefs: string[]; itemRefs: string[]; size: number }[],
): Promise<void> {
  await db.deleteFrom('understanding_candidate').where('ward_id', '=', wardId).where('status', '=', 'open').execute()
  const runAt = now()
  for (const c of cs)
    await db
      .insertInto('understanding_candidate')
      .values({
        ward_id: wardId,
        run_at: runAt,
        seed,
        key_phrases_json: JSON.stringify(c.keyPhrases),
        quote_refs_json: JSON.stringify(c.quoteRefs),
        item_refs_json: JSON.stringify(c.itemRefs),
        size: c.size,
        status: 'open',
        theme_id: null,
        decided_by_user_id: null,
      })
      .execute()
}

export async function listCandidates(db: Db, wardId: number): Promise<CandidateRow[]> {
  const rows = await db
    .selectFrom('understanding_candidate')
    .selectAll()
    .where('ward_id', '=', wardId)
    .orderBy('id')
    .execute()
  return rows.map((r) => ({
    id: Number(r.id),
    runAt: r.run_at,
    keyPhrases: strings(r.key_phrases_json),
    quoteRefs: strings(r.quote_refs_json),
    itemRefs: strings(r.item_refs_json),
    size: Number(r.size),
    status: r.status,
    themeId: r.theme_id === null ? null : Number(r.theme_id),
  }))
}

export async function decideCandidate(
  db: Db,
  wardId: number,
  id: number,
  status: 'accepted' | 'merged' | 'dismissed',
  themeId: number | null,
  byUserId: number,
): Promise<boolean> {
  const r = await db
    .updateTable('understanding_candidate')
    .set({ status, theme_id: themeId, decided_by_user_id: byUserId })
    .where('ward_id', '=', wardId)
    .where('id', '=', id)
    .where('status', '=', 'open')
    .executeTakeFirst()
  return Number(r.numUpdatedRows) === 1
}

// --- Needs ---------------------------------------------------------------------------------------------

export interface Need {
  id: number
  statement: string
  themeId: number | null
  createdAt: string
}

export async function insertNeed(
  db: Db,
  wardId: number,
  n: { statement: string; themeId: number | null; byUserId: number },
): Promise<number> {
  const r = await db
    .insertInto('understanding_need')
    .values({
      ward_id: wardId,
      statement: n.statement,
      theme_id: n.themeId,
      created_by_user_id: n.byUserId,
      created_at: now(),
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return Number(r.id)
}

export async function listNeeds(db: Db, wardId: number): Promise<Need[]> {
  const rows = await db
    .selectFrom('understanding_need')
    .selectAll()
    .where('ward_id', '=', wardId)
    .orderBy('id')
    .execute()
  return rows.map((r) => ({
    id: Number(r.id),
    statement: r.statement,
    themeId: r.theme_id === null ? null : Number(r.theme_id),
    createdAt: r.created_at,
  }))
}

export async function listEvidence(
  db: Db,
  wardId: number,
): Promise<{ needId: number; itemRef: string; addedAt: string }[]> {
  const rows = await db
    .selectFrom('understanding_evidence')
    .selectAll()
    .where('ward_id', '=', wardId)
    .orderBy('added_at')
    .execute()
  return rows.map((r) => ({ needId: Number(r.need_id), itemRef: r.item_ref, addedAt: r.added_at }))
}

export async function addEvidence(
  db: Db,
  wardId: number,
  needId: number,
  refs: string[],
  byUserId: number,
): Promise<void> {
  for (const ref of refs)
    await db
      .insertInto('understanding_evidence')
      .values({ need_id: needId, ward_id: wardId, item_ref: ref, added_by_user_id: byUserId, added_at: now() })
      .onConflict((oc) => oc.columns(['need_id', 'item_ref']).doNothing())
      .execute()
}

// --- Opinion statements and votes ---------------------------------------------------------------------------

export type StatementStatus = 'pending' | 'published' | 'rejected' | 'closed'

export interface Statement {
  id: number
  body: string
  origin: 'officer' | 'resident'
  sourceRef: string | null
  status: StatementStatus
  proposedByUserId: number | null
  isDemo: boolean
  createdAt: string
}

export async function insertStatement(
  db: Db,
  wardId: number,
  s: {
    body: string
    origin: 'officer' | 'resident'
    sourceRef: string | null
    status: StatementStatus
    byUserId: number | null
    isDemo?: boolean
  },
): Promise<number> {
  const at = now()
  const r = await db
    .insertInto('understanding_statement')
    .values({
      ward_id: wardId,
      body: s.body,
      origin: s.origin,
      source_ref: s.sourceRef,
      status: s.status,
      proposed_by_user_id: s.byUserId,
      // An officer's own statement is decided as it is written; a resident's waits for an officer.
      decided_by_user_id: s.origin === 'officer' ? s.byUserId : null,
      is_demo: s.isDemo ? 1 : 0,
      created_at: at,
      decided_at: s.origin === 'officer' ? at : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return Number(r.id)
}

export async function listStatements(db: Db, wardId: number): Promise<Statement[]> {
  const rows = await db
    .selectFrom('understanding_statement')
    .selectAll()
    .where('ward_id', '=', wardId)
    .orderBy('id')
    .execute()
  return rows.map((r) => ({
    id: Number(r.id),
    body: r.body,
    origin: r.origin,
    sourceRef: r.source_ref,
    status: r.status,
    proposedByUserId: r.proposed_by_user_id === null ? null : Number(r.proposed_by_user_id),
    isDemo: r.is_demo === 1,
    createdAt: r.created_at,
  }))
}

/** Changes a statement's status; false when it is not this ward's. */
export async function setStatementStatus(
  db: Db,
  wardId: number,
  id: number,
  status: StatementStatus,
  byUserId: number,
): Promise<boolean> {
  const r = await db
    .updateTable('understanding_statement')
    .set({ status, decided_by_user_id: byUserId, decided_at: now() })
    .where('ward_id', '=', wardId)
    .where('id', '=', id)
    .executeTakeFirst()
  return Number(r.numUpdatedRows) === 1
}

/** One vote per person per statement: voting again replaces the earlier vote. */
export async function saveVote(
  db: Db,
  wardId: number,
  v: { statementId: number; voterKey: string; vote: 'agree' | 'disagree' | 'pass'; isDemo?: boolean },
): Promise<void> {
  const values = { vote: v.vote, voted_at: now() }
  await db
    .insertInto('understanding_vote')
    .values({
      statement_id: v.statementId,
      ward_id: wardId,
      voter_key: v.voterKey,
      is_demo: (v.isDemo ? 1 : 0) as Flag,
      ...values,
    })
    .onConflict((oc) => oc.columns(['statement_id', 'voter_key']).doUpdateSet(values))
    .execute()
}

export async function listVotes(
  db: Db,
  wardId: number,
): Promise<{ statementId: number; voterKey: string; vote: 'agree' | 'disagree' | 'pass' }[]> {
  const rows = await db
    .selectFrom('understanding_vote')
    .select(['statement_id', 'voter_key', 'vote'])
    .where('ward_id', '=', wardId)
    .orderBy('statement_id')
    .orderBy('voter_key')
    .execute()
  return rows.map((r) => ({ statementId: Number(r.statement_id), voterKey: r.voter_key, vote: r.vote }))
}
