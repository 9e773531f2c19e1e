import type { Kysely } from 'kysely'
import type { Actor } from '../../platform/access/index.js'
import type { AuditLog } from '../../platform/audit/index.js'
import type { Database, Write } from '../../platform/db/index.js'
import {
  compileProblem,
  drawPanel,
  randomSeed,
  selectPanel,
  type FeasibilityReport,
  type Instance,
  type PanelDistribution,
  type Quota,
} from './selection/index.js'
import { buildInstance, probabilitiesHash, residualInstance, type PoolMember } from './panel.rules.js'
import {
  getSettings,
  insertMembers,
  insertRun,
  latestRun,
  listMembers,
  listPool,
  markRunDrawn,
  respondToInvitation,
  type MemberRecord,
} from './panel.repository.js'

/** Use cases of the ward panel: select, draw, answer invitations, replace decliners. */

export interface PanelServiceDeps {
  db: Kysely<Database>
  write: Write
  audit: AuditLog
  /** Grants the ward's panel_member role (the accounts module does the writing and its own audit). */
  grantPanelRole: (userId: number, wardId: number) => Promise<void>
  /** LEGACY estimation runs for the comparison column (the paper used 10,000; fewer keeps the page quick). */
  legacyRuns?: number
}

export type SelectionOutcome =
  | { ok: true; runId: number }
  | { ok: false; reason: 'no-settings' | 'panel-exists' }
  | { ok: false; reason: 'infeasible'; feasibility: FeasibilityReport }

export type DrawOutcome =
  { ok: true; panel: string[] } | { ok: false; reason: 'no-run' | 'already-drawn' | 'panel-exists' }

export type ReplacementOutcome =
  | { ok: true; drawn: string[]; seed: string }
  | { ok: false; reason: 'nothing-to-replace' | 'no-settings' }
  | { ok: false; reason: 'infeasible'; feasibility: FeasibilityReport }

function actorLabel(actor: Actor | null): { actorUserId: number | null; actorLabel: string } {
  return actor?.kind === 'user'
    ? { actorUserId: actor.userId, actorLabel: `user:${actor.userId}` }
    : { actorUserId: null, actorLabel: 'system' }
}

export function createPanelService(deps: PanelServiceDeps) {
  const { db, write, audit } = deps

  async function runLeximin(instance: Instance, households: boolean, seed?: string) {
    const started = performance.now()
    const outcome = await selectPanel(instance, { method: 'leximin', households, ...(seed ? { seed } : {}) })
    return { outcome, ms: performance.now() - started }
  }

  const service = {
    /** LEXIMIN (and LEGACY for comparison) on the current pool and quotas; stores the run, draws nothing. */
    async runSelection(wardId: number, actor: Actor): Promise<SelectionOutcome> {
      const settings = await getSettings(db, wardId)
      if (!settings) return { ok: false, reason: 'no-settings' }
      if ((await listMembers(db, wardId)).length > 0) return { ok: false, reason: 'panel-exists' }
      const pool = await listPool(db, wardId)
      const instance = buildInstance(pool, settings.quotas, settings.k)
      const { outcome, ms } = await runLeximin(instance, settings.onePerHousehold)
      if (!outcome.ok) return { ok: false, reason: 'infeasible', feasibility: outcome.feasibility }
      const { result } = outcome
      const legacy = await selectPanel(instance, {
        method: 'legacy',
        households: settings.onePerHousehold,
        legacyRuns: deps.legacyRuns ?? 2000,
      })
      const pairs = result.ids.map((id, i): [string, number] => [id, result.probabilities[i] ?? 0])
      const runId = await write((trx) =>
        insertRun(trx, {
          wardId,
          kind: 'initial',
          k: result.k,
          n: result.n,
          instanceJson: JSON.stringify(instance),
          onePerHousehold: settings.onePerHousehold,
          distributionJson: JSON.stringify(result.leximin?.distribution),
          probabilities: pairs,
          probabilitiesHash: probabilitiesHash(result.ids, result.probabilities),
          minProbability: result.minProbability,
          legacyMinProbability: legacy.ok ? legacy.result.minProbability : null,
          legacyProbabilities: legacy.ok
            ? legacy.result.ids.map((id, i): [string, number] => [id, legacy.result.probabilities[i] ?? 0])
            : null,
          leximinMs: ms,
          createdBy: actor.kind === 'user' ? actor.userId : null,
        }),
      )
      return { ok: true, runId }
    },

    /**
     * Draws the panel from the latest run's LEXIMIN lottery with the officer's seed (selection/draw.ts documents
     * the exact procedure), invites the drawn people and records seed, hash and ids in the audit log.
     */
    async draw(wardId: number, actor: Actor, seed: string): Promise<DrawOutcome> {
      const run = await latestRun(db, wardId)
      if (!run) return { ok: false, reason: 'no-run' }
      if (run.drawnAt) return { ok: false, reason: 'already-drawn' }
      if ((await listMembers(db, wardId)).length > 0) return { ok: false, reason: 'panel-exists' }
      const instance = JSON.parse(run.instanceJson) as Instance
      const problem = compileProblem(instance, { households: run.onePerHousehold })
      const distribution = JSON.parse(run.distributionJson) as PanelDistribution
      const d = drawPanel(problem, distribution, seed)
      const panel = d.panel.map((a) => instance.respondents[a]?.id ?? '')
      const pool = await listPool(db, wardId)
      const byPseudonym = new Map(pool.map((v) => [v.pseudonym, v.id]))
      const ok = await write(async (trx) => {
        if (!(await markRunDrawn(trx, run.id, { seed, panel, userId: actor.kind === 'user' ? actor.userId : null })))
          return false
        // Someone who withdrew between the run and the draw is not invited; their seat is refilled like a decline.
        await insertMembers(
          trx,
          wardId,
          run.id,
          panel.flatMap((p) => (byPseudonym.has(p) ? [byPseudonym.get(p)!] : [])),
        )
        return true
      })
      if (!ok) return { ok: false, reason: 'already-drawn' }
      await audit.append({
        ...actorLabel(actor),
        wardId,
        action: 'panel.draw.recorded',
        subject: `panel_run:${run.id}`,
        outcome: 'success',
        detail: {
          method: 'leximin',
          seed,
          probabilitiesHash: run.probabilitiesHash,
          minProbability: run.minProbability,
          k: run.k,
          n: run.n,
          compositionIndex: d.compositionIndex,
          u: d.u,
          drawn: panel,
        },
      })
      return { ok: true, panel }
    },

    /** An invited person (or the officer on behalf of someone without an account) accepts or declines. */
    async respond(
      wardId: number,
      member: MemberRecord,
      answer: 'accepted' | 'declined',
      by: Actor,
    ): Promise<{ ok: boolean; replacement?: ReplacementOutcome }> {
      const ok = await write((trx) => respondToInvitation(trx, member.id, answer))
      if (!ok) return { ok: false }
      await audit.append({
        ...actorLabel(by),
        wardId,
        action: `panel.invitation.${answer}`,
        subject: `panel_member:${member.id}`,
        outcome: 'success',
        detail: { pseudonym: member.pseudonym },
      })
      if (answer === 'accepted') {
        if (member.userId !== null) await deps.grantPanelRole(member.userId, wardId)
        return { ok: true }
      }
      // A decline triggers the replacement draw at once, with a fresh seed from the OS CSPRNG (published like the first).
      return { ok: true, replacement: await service.replace(wardId, null, randomSeed()) }
    },

    /** Fills every declined seat by LEXIMIN on the residual problem (see residualInstance in panel.rules.ts). */
    async replace(wardId: number, actor: Actor | null, seed: string): Promise<ReplacementOutcome> {
      const settings = await getSettings(db, wardId)
      const run = await latestRun(db, wardId)
      if (!settings || !run?.drawnAt) return { ok: false, reason: 'no-settings' }
      const members = await listMembers(db, wardId)
      const live = members.filter((m) => m.status !== 'declined')
      if (live.length >= run.k) return { ok: false, reason: 'nothing-to-replace' }
      const initial = JSON.parse(run.instanceJson) as Instance
      const pool = await listPool(db, wardId)
      const byPseudonym = new Map(pool.map((v) => [v.pseudonym, v]))
      const kept: PoolMember[] = live.flatMap((m) => {
        const v = byPseudonym.get(m.pseudonym)
        return v ? [v] : []
      })
      // The run's quotas are the ones the panel was drawn under; they are kept whatever the officer edits later.
      const quotas: Quota[] = initial.quotas
      const { instance, seats } = residualInstance({
        pool,
        kept,
        excluded: new Set(members.map((m) => m.pseudonym)),
        quotas,
        k: run.k,
        onePerHousehold: run.onePerHousehold,
      })
      const { outcome, ms } = await runLeximin(instance, run.onePerHousehold, seed)
      if (!outcome.ok) {
        await audit.append({
          ...actorLabel(actor),
          wardId,
          action: 'panel.replacement.infeasible',
          subject: `panel_run:${run.id}`,
          outcome: 'failure',
          detail: { seats, issues: outcome.feasibility.issues.map((i) => i.kind) },
        })
        return { ok: false, reason: 'infeasible', feasibility: outcome.feasibility }
      }
      const { result } = outcome
      const byId = new Map(pool.map((v) => [v.pseudonym, v.id]))
      const hash = probabilitiesHash(result.ids, result.probabilities)
      await write(async (trx) => {
        const runId = await insertRun(trx, {
          wardId,
          kind: 'replacement',
          k: result.k,
          n: result.n,
          instanceJson: JSON.stringify(instance),
          onePerHousehold: run.onePerHousehold,
          distributionJson: JSON.stringify(result.leximin?.distribution),
          probabilities: result.ids.map((id, i): [string, number] => [id, result.probabilities[i] ?? 0]),
          probabilitiesHash: hash,
          minProbability: result.minProbability,
          legacyMinProbability: null,
          legacyProbabilities: null,
          leximinMs: ms,
          createdBy: actor?.kind === 'user' ? actor.userId : null,
          seed,
          panel: result.panel,
          drawnBy: actor?.kind === 'user' ? actor.userId : null,
        })
        await insertMembers(
          trx,
          wardId,
          runId,
          result.panel.flatMap((p) => (byId.has(p) ? [byId.get(p)!] : [])),
        )
      })
      await audit.append({
        ...actorLabel(actor),
        wardId,
        action: 'panel.replacement.drawn',
        subject: `panel_run:${run.id}`,
        outcome: 'success',
        detail: {
          method: 'leximin',
          seed,
          probabilitiesHash: hash,
          minProbability: result.minProbability,
          drawn: result.panel,
        },
      })
      return { ok: true, drawn: result.panel, seed }
    },
  }
  return service
}

export type PanelService = ReturnType<typeof createPanelService>
