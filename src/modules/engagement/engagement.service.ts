import type { Kysely } from 'kysely'
import type { Database, Write } from '../../platform/db/index.js'
import { createTtlCache } from '../../platform/cache.js'
import { listWardAreas, type SmallArea } from '../geography/index.js'
import { checkAnswer, parseList, type Channel, type ThemeRef } from './engagement.rules.js'
import { insertResponseOnce, type Question } from './engagement.repository.js'
import { findPostcodePoint } from '../geography/index.js'

export interface EngagementServiceDeps {
  db: Kysely<Database>
  write: Write
}

export type SubmitOutcome =
  { ok: true; id: number; duplicate: boolean } | { ok: false; missing: Question[]; invalid: Question[] }

export function createEngagementService(deps: EngagementServiceDeps) {
  const { db } = deps
  // Output areas change only when a geography pack is imported.
  const oas = createTtlCache<number, SmallArea[]>(60_000, (wardId) => listWardAreas(db, wardId, 'oa'))

  /** The LSOA a postcode in this ward falls in (nearest output area centroid); null outside the ward or unknown. */
  async function placePostcode(wardId: number, postcode: string | null): Promise<string | null> {
    if (!postcode) return null
    const point = await findPostcodePoint(db, postcode)
    if (!point || point.wardId !== wardId) return null
    let best: SmallArea | undefined
    let bestD = Infinity
    const k = Math.cos((point.lat * Math.PI) / 180)
    for (const a of await oas.get(wardId)) {
      const d = (a.centroid.lat - point.lat) ** 2 + ((a.centroid.lon - point.lon) * k) ** 2
      if (d < bestD) {
        bestD = d
        best = a
      }
    }
    return best?.parentCode ?? null
  }

  /**
   * Checks every answer against its question again (a draft may be stale) and stores the response once per
   * submission key, committed before this resolves.
   */
  async function submit(input: {
    wardId: number
    consultationId: number
    questions: Question[]
    themes: ThemeRef[]
    answers: Record<string, string | string[] | undefined>
    submissionKey: string
    channel: Channel
    postcode: string | null
    respondentUserId: number | null
    enteredByUserId: number | null
    eventId: number | null
    respondedOn: string
  }): Promise<SubmitOutcome> {
    const missing: Question[] = []
    const invalid: Question[] = []
    const answers: { questionId: number; value: string }[] = []
    for (const q of input.questions) {
      const raw = input.answers[`q${q.id}`]
      // Drafts hold already-checked values (JSON arrays for lists); the entry screen sends raw form values.
      const value =
        typeof raw === 'string' && (q.kind === 'multiple' || q.kind === 'themes') && raw.startsWith('[')
          ? parseList(raw)
          : raw
      const checked = checkAnswer(q, value, input.themes)
      if (!checked.ok) (checked.error.startsWith('engagement.errors.required') ? missing : invalid).push(q)
      else if (checked.value !== null) answers.push({ questionId: q.id, value: checked.value })
    }
    if (missing.length > 0 || invalid.length > 0) return { ok: false, missing, invalid }
    const areaCode = await placePostcode(input.wardId, input.postcode)
    const saved = await deps.write((trx) =>
      insertResponseOnce(trx, {
        wardId: input.wardId,
        consultationId: input.consultationId,
        submissionKey: input.submissionKey,
        channel: input.channel,
        postcode: input.postcode,
        areaCode,
        respondentUserId: input.respondentUserId,
        enteredByUserId: input.enteredByUserId,
        eventId: input.eventId,
        respondedOn: input.respondedOn,
        answers,
      }),
    )
    return { ok: true, ...saved }
  }

  return { placePostcode, submit }
}

export type EngagementService = ReturnType<typeof createEngagementService>
