import { createHash, createHmac, randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database, Write } from '../../platform/db/index.js'
import { countRoundOffThread } from './prioritisation.count.js'
import { checkBallot, roundToPabulib, type BallotProblem, type Choices, type StoredResult } from './ballot.rules.js'
import {
  countBallots,
  deleteBallotByReplaceHash,
  findRound,
  findVoted,
  getPublished,
  insertBallot,
  insertVoted,
  listBallots,
  listOptions,
  listUncounted,
  nameKeyVoted,
  reopenUncounted,
  saveBallotsFile,
  saveResult,
  setStatus,
  touchVoted,
  type Round,
} from './prioritisation.repository.js'

export interface PrioritisationDeps {
  db: Kysely<Database>
  write: Write
  /** Keys the ballot replacement hash (see `castBallot`); the app's SECRET_KEY. */
  secretKey: string
}

export type CastOutcome =
  | { ok: true; replaced: boolean }
  | { ok: false; reason: 'closed' | 'alreadyVoted' | 'votedOnPaper' }
  | { ok: false; reason: 'invalid'; problem: BallotProblem }

export function createPrioritisationService(deps: PrioritisationDeps) {
  const { db, write } = deps
  const replaceHashOf = (tokenHash: string) => createHmac('sha256', deps.secretKey).update(tokenHash).digest('hex')

  // Counts published ballots off the main thread and stores the result. A count that fails (the file always
  // parses, but MES may need more add1 steps than it allows) opens the round again with its ballots, as before
  // the close.
  const countAndSave = async (roundId: number, pb: string, ruleId: string, ballots: number) => {
    let json: string
    try {
      json = await countRoundOffThread(pb, ruleId, ballots)
    } catch (error) {
      await write((trx) => reopenUncounted(trx, roundId))
      throw error
    }
    await write((trx) => saveResult(trx, roundId, json))
    const stored = await getPublished(db, roundId)
    return JSON.parse(stored?.resultJson ?? json) as StoredResult
  }

  return {
    /**
     * Records one ballot and its register row in one transaction. Ballot secrecy when a change is allowed: the
     * register keeps SHA-256 of a random per-voter token and the ballot keeps HMAC(SECRET_KEY, that hash). The
     * database alone (a backup, a staff screen) cannot join the two; the running service, which holds the key,
     * can find the voter's own ballot to replace it. Rounds without changes store neither.
     */
    async castBallot(
      round: Round,
      voter: {
        userId: number | null
        personKey: string
        nameKey: string
        channel: 'online' | 'paper'
        enteredBy: number | null
      },
      choices: Choices,
    ): Promise<CastOutcome> {
      const options = await listOptions(db, round.id)
      const problem = checkBallot(round.rules, options, choices)
      if (problem) return { ok: false, reason: 'invalid', problem }
      return write(async (trx) => {
        const now = await trx
          .selectFrom('prioritisation_round')
          .select('status')
          .where('id', '=', round.id)
          .executeTakeFirst()
        if (now?.status !== 'open') return { ok: false, reason: 'closed' } as const
        // A paper ballot for this name and postcode (or an online one, for a paper entry) blocks a second vote.
        const sameName = await nameKeyVoted(trx, round.id, voter.nameKey)
        const existing = await findVoted(trx, round.id, voter.personKey)
        if (!existing && sameName)
          return { ok: false, reason: voter.channel === 'online' ? 'votedOnPaper' : 'alreadyVoted' } as const
        const tokenHash =
          round.allowChange && voter.channel === 'online'
            ? createHash('sha256').update(randomBytes(32)).digest('hex')
            : null
        if (!existing) {
          const inserted = await insertVoted(trx, {
            roundId: round.id,
            personKey: voter.personKey,
            userId: voter.userId,
            nameKey: voter.nameKey,
            channel: voter.channel,
            tokenHash,
            enteredBy: voter.enteredBy,
          })
          if (inserted) {
            await insertBallot(trx, round.id, choices, tokenHash === null ? null : replaceHashOf(tokenHash))
            return { ok: true, replaced: false } as const
          }
        }
        // Already on the register: replace the ballot when the round allows it and the voter voted online.
        if (!round.allowChange || voter.channel !== 'online') return { ok: false, reason: 'alreadyVoted' } as const
        await touchVoted(trx, round.id, voter.personKey)
        const row = await findVoted(trx, round.id, voter.personKey)
        if (!row?.tokenHash || row.channel !== 'online') return { ok: false, reason: 'alreadyVoted' } as const
        const replaceHash = replaceHashOf(row.tokenHash)
        await deleteBallotByReplaceHash(trx, round.id, replaceHash)
        await insertBallot(trx, round.id, choices, replaceHash)
        return { ok: true, replaced: true } as const
      })
    },

    async open(
      round: Round,
    ): Promise<{ ok: true } | { ok: false; reason: 'notDraft' | 'noOptions' | 'optionOverBudget' }> {
      return write(async (trx) => {
        // Read in the same unit as the status change, so the options checked are the options frozen.
        const fresh = await findRound(trx, round.wardId, round.id)
        const options = await listOptions(trx, round.id)
        if (options.length === 0) return { ok: false, reason: 'noOptions' } as const
        // The forms refuse such options; this also catches rounds set up before they did. Counting the round
        // would fail, since the published .pb file cannot hold a project dearer than the budget.
        if (fresh && options.some((o) => o.costPence > fresh.rules.budgetPence))
          return { ok: false, reason: 'optionOverBudget' } as const
        const ok = await setStatus(trx, round.id, 'draft', 'open')
        return ok ? ({ ok: true } as const) : ({ ok: false, reason: 'notDraft' } as const)
      })
    },

    /**
     * Closes the round and counts it with its frozen rule. The ballots are written out as Pabulib first and the
     * count reads that text back, so the stored result is by construction the result of the published file.
     * The close and the file are committed first; the count runs on a worker thread, outside any transaction,
     * and its result is stored when it ends (a stop in between is made good by `countUncounted`).
     */
    async close(
      round: Round,
      ward: { code: string; name: string },
    ): Promise<{ ok: true; result: StoredResult } | { ok: false; reason: 'notOpen' | 'optionOverBudget' }> {
      const closing = await write(async (trx) => {
        const before = await findRound(trx, round.wardId, round.id)
        const options = await listOptions(trx, round.id)
        // Only a round opened before `open` refused these: its .pb file would not parse, so it stays open and
        // officers are told why (options and budget are frozen while open, so this reads what would be counted).
        if (before?.status === 'open' && options.some((o) => o.costPence > before.rules.budgetPence))
          return { ok: false, reason: 'optionOverBudget' } as const
        if (!(await setStatus(trx, round.id, 'open', 'closed'))) return { ok: false, reason: 'notOpen' } as const
        const fresh = (await findRound(trx, round.wardId, round.id))!
        const ballots = await listBallots(trx, round.id)
        const pb = roundToPabulib({
          id: round.id,
          title: fresh.title,
          description: fresh.description,
          wardCode: ward.code,
          wardName: ward.name,
          rules: fresh.rules,
          options,
          ballots,
        })
        await saveBallotsFile(trx, round.id, pb)
        return { ok: true, pb, ruleId: fresh.rules.ruleId, ballots: ballots.length } as const
      })
      if (!closing.ok) return closing
      return { ok: true, result: await countAndSave(round.id, closing.pb, closing.ruleId, closing.ballots) }
    },

    /** Counts the closed rounds whose count a stop cut short; the app does this as it starts. */
    async countUncounted(): Promise<number> {
      let counted = 0
      for (const { id, wardId } of await listUncounted(db)) {
        const round = await findRound(db, wardId, id)
        const published = await getPublished(db, id)
        if (round === undefined || !published?.pb) continue
        await countAndSave(id, published.pb, round.rules.ruleId, await countBallots(db, id))
        counted++
      }
      return counted
    },

    countBallots: (roundId: number) => countBallots(db, roundId),
  }
}

export type PrioritisationService = ReturnType<typeof createPrioritisationService>
