import type { Kysely, Transaction } from 'kysely'
import type { Database, Write } from '../../platform/db/index.js'
import { createTtlCache } from '../../platform/cache.js'
import {
  containsPoint,
  listWardAreas,
  listWardBoundaries,
  type AreaGeometry,
  type SmallArea,
} from '../geography/index.js'
import {
  checkAnswer,
  formatPlace,
  isListKind,
  parseList,
  parsePlace,
  type Channel,
  type ThemeRef,
} from './engagement.rules.js'
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
  const lsoaShapes = createTtlCache<number, { code: string; geometry: AreaGeometry }[]>(60_000, async (wardId) =>
    (await listWardBoundaries(db, wardId, 'lsoa')).flatMap((b) =>
      b.boundaryGeojson ? [{ code: b.code, geometry: JSON.parse(b.boundaryGeojson) as AreaGeometry }] : [],
    ),
  )

  /** The ward's LSOA a point falls in (by boundary), or null when it is outside the ward. */
  async function placePoint(wardId: number, lat: number, lon: number): Promise<string | null> {
    const shapes = await lsoaShapes.get(wardId)
    return shapes.find((s) => containsPoint(s.geometry, lon, lat))?.code ?? null
  }

  /**
   * Places a "place" answer in the ward's small areas, as postcodes are: a pin by the LSOA boundary it falls in, a
   * postcode by its nearest output area, an area as itself (when it is one of the ward's). Stored with the LSOA.
   */
  async function placeAnswer(wardId: number, value: string): Promise<string> {
    const p = parsePlace(value)
    if (!p) return value
    if (p.how === 'pin') return formatPlace({ ...p, area: await placePoint(wardId, p.lat, p.lon) })
    if (p.how === 'postcode') return formatPlace({ ...p, area: await placePostcode(wardId, p.postcode) })
    return formatPlace(p)
  }

  /** The ward's LSOAs, for the "choose an area" alternative to the map. */
  async function wardAreas(wardId: number): Promise<{ code: string; name: string }[]> {
    return (await listWardAreas(db, wardId, 'lsoa')).map((a) => ({ code: a.code, name: a.name }))
  }

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
    /**
     * More work for the same unit, after the response is stored (or found stored): what belongs with it, such as
     * clearing the draft or the "saved" message, commits with it rather than paying a commit of its own.
     */
    within?: (trx: Transaction<Database>, saved: { id: number; duplicate: boolean }) => Promise<void>
  }): Promise<SubmitOutcome> {
    const missing: Question[] = []
    const invalid: Question[] = []
    const answers: { questionId: number; value: string }[] = []
    for (const q of input.questions) {
      const raw = input.answers[`q${q.id}`]
      // Drafts hold already-checked values (JSON arrays for lists); the entry screen sends raw form values.
      const value = typeof raw === 'string' && isListKind(q.kind) && raw.startsWith('[') ? parseList(raw) : raw
      const checked = checkAnswer(q, value, input.themes)
      if (!checked.ok) (checked.error.startsWith('engagement.errors.required') ? missing : invalid).push(q)
      else if (checked.value !== null)
        answers.push({
          questionId: q.id,
          value: q.kind === 'place' ? await placeAnswer(input.wardId, checked.value) : checked.value,
        })
    }
    if (missing.length > 0 || invalid.length > 0) return { ok: false, missing, invalid }
    const areaCode = await placePostcode(input.wardId, input.postcode)
    const saved = await deps.write(async (trx) => {
      const stored = await insertResponseOnce(trx, {
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
      })
      await input.within?.(trx, stored)
      return stored
    })
    return { ok: true, ...saved }
  }

  return {
    placePostcode,
    placePoint,
    placeAnswer,
    wardAreas,
    lsoaShapes: (wardId: number) => lsoaShapes.get(wardId),
    submit,
  }
}

export type EngagementService = ReturnType<typeof createEngagementService>
