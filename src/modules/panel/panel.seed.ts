import type { Kysely } from 'kysely'
import { ANONYMOUS, type Actor } from '../../platform/access/index.js'
import { createAuditLog, type AuditLog } from '../../platform/audit/index.js'
import type { Database, Dialect, Write } from '../../platform/db/index.js'
import { findUserByEmail } from '../accounts/index.js'
import { listWardAreas, listWardFigures } from '../geography/index.js'
import { compileProblem, drawPanel, SeededRandom, type Instance, type PanelDistribution } from './selection/index.js'
import {
  AGE_BANDS,
  AREA_UNKNOWN,
  DISABILITY,
  ETHNIC_GROUPS,
  FEATURES,
  PREFER_NOT,
  SEXES,
  suggestQuotas,
  TENURES,
  type Feature,
  type FeatureValues,
} from './panel.rules.js'
import {
  countPool,
  findVolunteerByUser,
  latestRun,
  listMembers,
  saveSettings,
  setInterests,
  upsertVolunteer,
} from './panel.repository.js'
import { createPanelService } from './panel.service.js'

/** Size of the demo panel. */
export const DEMO_PANEL_K = 12
/** People in the demo pool, the demo panel account included. */
export const DEMO_POOL_SIZE = 40
/** How many candidate seeds are tried for the demo draw (see chooseDemoSeed). */
export const DEMO_SEED_TRIES = 500

/** The draw seed the demo uses for candidate i: it says on the public page that it was not random. */
export function demoSeed(i: number): string {
  return `demo-not-random-${String(i).padStart(4, '0')}`
}

export const DEMO_SEED_NOTE =
  'Demo only: the draw seed was chosen as the first of demo-not-random-0001, -0002, … whose draw includes the ' +
  'demo panel account, so that account can try the panel member pages. A real draw uses a random seed.'

export interface PanelDemoOptions {
  wardId: number
  /** The demo account that volunteers and is put on the panel (it should hold the ward's panel_member role). */
  panelEmail: string
  /** The officer who runs the selection and the draw and records answers for imported volunteers. */
  officerEmail?: string
  /** Called when the demo panel account accepts, as the real acceptance does (the accounts module grants the role). */
  grantPanelRole: (userId: number, wardId: number) => Promise<void>
  /** The audit log the service records the draw in; by default one over `db` for `dialect`. */
  audit?: AuditLog
  /** Only used to build the default audit log (its head row is locked on PostgreSQL). Default sqlite. */
  dialect?: Dialect
  /** LEGACY estimation runs for the comparison column (fewer than the live default keeps start-up quick). */
  legacyRuns?: number
}

export type PanelDemoResult =
  | { seeded: false; reason: 'exists' | 'no-panel-account' | 'infeasible' }
  | { seeded: true; runId: number; seed: string; tries: number }

/** Largest-remainder apportionment of `total` over `weights` (ties to the earlier value). */
function apportion(weights: readonly number[], total: number): number[] {
  const sum = weights.reduce((s, w) => s + w, 0)
  if (sum <= 0) return weights.map((_, i) => (i === 0 ? total : 0))
  const exact = weights.map((w) => (w * total) / sum)
  const counts = exact.map((x) => Math.floor(x))
  const order = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i)
  const left = total - counts.reduce((s, c) => s + c, 0)
  for (let j = 0; j < left; j++) counts[order[j % order.length]!.i]! += 1
  return counts
}

/**
 * The demo pool's answers: each feature's values in proportion to the quota targets (so in proportion to the
 * ward's Census figures), with a few "prefer not to say" and "don't know my area" answers as real pools have, then
 * shuffled per feature with a fixed seed so the combinations vary but the pool is the same on every start.
 */
function demoPoolAnswers(
  quotas: readonly { category: string; value: string; min: number; max: number }[],
  areaCodes: readonly string[],
  size: number,
): FeatureValues[] {
  const extras: Record<Feature, [string, number]> = {
    age_band: [PREFER_NOT, 1],
    sex: [PREFER_NOT, 1],
    ethnic_group: [PREFER_NOT, 2],
    disability: [PREFER_NOT, 1],
    tenure: [PREFER_NOT, 1],
    area: [AREA_UNKNOWN, 3],
  }
  const valuesOf: Record<Feature, readonly string[]> = {
    age_band: AGE_BANDS,
    sex: SEXES,
    ethnic_group: ETHNIC_GROUPS,
    disability: DISABILITY,
    tenure: TENURES,
    area: areaCodes,
  }
  const rng = new SeededRandom('demo-panel-pool')
  const columns = {} as Record<Feature, string[]>
  for (const f of FEATURES) {
    const values = valuesOf[f]
    const weights = values.map((v) => {
      const q = quotas.find((x) => x.category === f && x.value === v)
      return q ? (q.min + q.max) / 2 : 1
    })
    const [extraValue, extraCount] = extras[f]
    const counts = apportion(weights, size - extraCount)
    const column = [
      ...values.flatMap((v, i) => Array<string>(counts[i] ?? 0).fill(v)),
      ...Array<string>(extraCount).fill(extraValue),
    ]
    for (let i = column.length - 1; i > 0; i--) {
      const j = rng.int(i + 1)
      ;[column[i], column[j]] = [column[j]!, column[i]!]
    }
    columns[f] = column
  }
  return Array.from({ length: size }, (_, i) => {
    const row = {} as FeatureValues
    for (const f of FEATURES) row[f] = columns[f][i] ?? extras[f][0]
    return row
  })
}

function userActor(u: { id: number; name: string; email: string; homeWardId: number | null }): Actor {
  return {
    kind: 'user',
    userId: u.id,
    name: u.name,
    email: u.email,
    homeWardId: u.homeWardId,
    grants: [],
    mfaVerified: true,
  }
}

/**
 * A clearly demo community panel for the pilot ward, built through the module's own code: quotas suggested from
 * the ward's Census figures (k = 12, tolerance 1), a pool of 40 (39 "imported" demo rows and the demo panel
 * account volunteering for itself, with consent), a real LEXIMIN run, a draw, and answers to the invitations:
 * the demo panel account accepts (so it can score bids in commissioning), some accept, one declines (which
 * triggers the real replacement draw) and the rest are still invited.
 *
 * DEMO ONLY: the draw seed is not random. It is the first of demoSeed(1), demoSeed(2), … whose draw includes
 * the demo panel account; the seed's own text and an audit event say so. A real draw never does this.
 *
 * Does nothing when the ward already has a selection run or a pool.
 */
export async function seedPanelDemo(db: Kysely<Database>, opts: PanelDemoOptions): Promise<PanelDemoResult> {
  const { wardId } = opts
  if (
    (await latestRun(db, wardId)) ||
    (await latestRun(db, wardId, 'replacement')) ||
    (await countPool(db, wardId)) > 0
  )
    return { seeded: false, reason: 'exists' }
  const panelUser = await findUserByEmail(db, opts.panelEmail)
  if (!panelUser) return { seeded: false, reason: 'no-panel-account' }
  const officerUser = opts.officerEmail ? await findUserByEmail(db, opts.officerEmail) : undefined
  const officer: Actor = officerUser ? userActor(officerUser) : ANONYMOUS
  const panelActor = userActor(panelUser)

  // The seed runs alone at start-up, so a plain transaction is the module's write path here.
  const write: Write = (work) => db.transaction().execute(work)
  const audit = opts.audit ?? createAuditLog(db, opts.dialect ?? 'sqlite')
  const service = createPanelService({
    db,
    write,
    audit,
    grantPanelRole: opts.grantPanelRole,
    legacyRuns: opts.legacyRuns ?? 500,
  })

  // 1. Settings: quotas suggested from the ward's Census figures, as the officer's "Suggest" button does.
  const areas = await listWardAreas(db, wardId, 'lsoa')
  const figures = await listWardFigures(db, wardId)
  const quotas = suggestQuotas({ k: DEMO_PANEL_K, tolerance: 1, figures, areas })
  await write((trx) =>
    saveSettings(trx, wardId, { k: DEMO_PANEL_K, onePerHousehold: false, quotas }, officerUser?.id ?? null),
  )

  // 2. The pool: the demo panel account volunteers through the same write as the form, then 39 imported rows.
  const answers = demoPoolAnswers(
    quotas,
    areas.map((a) => a.code),
    DEMO_POOL_SIZE,
  )
  const own = answers[0]!
  await write((trx) =>
    upsertVolunteer(trx, {
      wardId,
      userId: panelUser.id,
      source: 'self',
      externalRef: null,
      // Shown in the pool as a volunteer who does not know their small area (the demo makes no claim about it).
      values: { ...own, area: AREA_UNKNOWN },
      household: panelUser.postcode ? panelUser.postcode.toUpperCase().replace(/\s+/g, '') : null,
    }),
  )
  await write(async (trx) => {
    for (const [i, values] of answers.slice(1).entries())
      await upsertVolunteer(trx, {
        wardId,
        userId: null,
        source: 'import',
        externalRef: `DEMO-${String(i + 1).padStart(3, '0')}`,
        values,
        household: `demo-household-${i + 1}`,
      })
  })

  // 3. LEXIMIN. Should the pool not meet the suggested quotas, take the smallest relaxation the module offers.
  let selection = await service.runSelection(wardId, officer)
  if (!selection.ok && selection.reason === 'infeasible' && selection.feasibility.relaxation) {
    const relaxed = selection.feasibility.relaxation.quotas
    await write((trx) =>
      saveSettings(trx, wardId, { k: DEMO_PANEL_K, onePerHousehold: false, quotas: relaxed }, officerUser?.id ?? null),
    )
    selection = await service.runSelection(wardId, officer)
  }
  if (!selection.ok) return { seeded: false, reason: 'infeasible' }
  const run = (await latestRun(db, wardId))!

  // 4. DEMO ONLY: choose the seed as the first of demoSeed(1..N) whose draw (the service's exact procedure)
  //    includes the demo panel account. A real draw uses a random seed offered to the officer.
  const mine = (await findVolunteerByUser(db, wardId, panelUser.id))!.pseudonym
  const instance = JSON.parse(run.instanceJson) as Instance
  const problem = compileProblem(instance, { households: run.onePerHousehold })
  const distribution = JSON.parse(run.distributionJson) as PanelDistribution
  const index = instance.respondents.findIndex((r) => r.id === mine)
  let tries = 0
  let seed: string | undefined
  for (let i = 1; i <= DEMO_SEED_TRIES && seed === undefined; i++) {
    tries = i
    if (drawPanel(problem, distribution, demoSeed(i)).panel.includes(index)) seed = demoSeed(i)
  }
  if (seed === undefined) throw new Error('demo panel: no demo seed draws the demo panel account')
  const drawn = await service.draw(wardId, officer, seed)
  if (!drawn.ok) throw new Error(`demo panel: draw failed (${drawn.reason})`)
  await audit.append({
    actorUserId: null,
    actorLabel: 'system',
    wardId,
    action: 'panel.demo.seed-chosen',
    subject: `panel_run:${run.id}`,
    outcome: 'success',
    detail: { seed, tries, note: DEMO_SEED_NOTE },
  })

  // 5. Answers: the demo account accepts and declares its interests; six imported people accept, one declines
  //    (the service then draws a replacement at once) and the others have not answered yet.
  const members = await listMembers(db, wardId)
  const me = members.find((m) => m.userId === panelUser.id)!
  await service.respond(wardId, me, 'accepted', panelActor)
  await write((trx) => setInterests(trx, me.id, 'Demo: nothing to declare.'))
  const others = members.filter((m) => m.id !== me.id)
  for (const [i, m] of others.entries()) {
    if (i < 6) await service.respond(wardId, m, 'accepted', officer)
    else if (i === 6) await service.respond(wardId, m, 'declined', officer)
  }
  return { seeded: true, runId: run.id, seed, tries }
}
