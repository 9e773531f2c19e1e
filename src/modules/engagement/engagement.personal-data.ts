import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import { equalityOwnerTag } from './engagement.equality.js'
import { answerText, type QuestionKind } from './engagement.rules.js'
import './engagement.tables.js'

type Db = Kysely<Database>

/**
 * A person's responses (with the question asked and their answer), unfinished drafts, responses they entered for
 * others as staff (counted, not copied: those are the other people's answers), and how many equality forms are
 * held under their pseudonym. The equality answers themselves are not written into the download: they are
 * special-category data, never shown one by one, and a downloaded file is easily left on a shared computer; they
 * are erased with everything else (see docs/adr on data rights).
 */
export async function exportEngagementPersonalData(
  db: Db,
  userId: number,
  keys: { secretKey: string },
): Promise<Record<string, unknown>> {
  const responses = await db
    .selectFrom('engagement_response as r')
    .innerJoin('engagement_consultation as c', 'c.id', 'r.consultation_id')
    .select(['r.id', 'c.title', 'r.channel', 'r.postcode', 'r.area_code', 'r.responded_on', 'r.created_at'])
    .where('r.respondent_user_id', '=', userId)
    .orderBy('r.id')
    .execute()
  const answers =
    responses.length === 0
      ? []
      : await db
          .selectFrom('engagement_answer as a')
          .innerJoin('engagement_question as q', 'q.id', 'a.question_id')
          .select(['a.response_id', 'q.position', 'q.prompt', 'q.kind', 'a.value'])
          .where(
            'a.response_id',
            'in',
            responses.map((r) => r.id),
          )
          .orderBy('a.response_id')
          .orderBy('q.position')
          .execute()
  const drafts = await db
    .selectFrom('engagement_draft as d')
    .innerJoin('engagement_consultation as c', 'c.id', 'd.consultation_id')
    .select(['c.title', 'd.answers_json', 'd.updated_at'])
    .where('d.user_id', '=', userId)
    .execute()
  const entered = await db
    .selectFrom('engagement_response')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('entered_by_user_id', '=', userId)
    .executeTakeFirstOrThrow()
  const equality = await db
    .selectFrom('engagement_equality')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('pseudonym', 'like', `${equalityOwnerTag(keys.secretKey, userId)}.%`)
    .executeTakeFirstOrThrow()
  return {
    responses: responses.map((r) => ({
      reference: `R${String(Number(r.id)).padStart(6, '0')}`,
      consultation: r.title,
      channel: r.channel,
      postcode: r.postcode,
      smallArea: r.area_code,
      respondedOn: r.responded_on,
      answers: answers
        .filter((a) => Number(a.response_id) === Number(r.id))
        .map((a) => ({ question: a.prompt, answer: answerText(a.kind as QuestionKind, a.value, []).join('; ') })),
    })),
    drafts: drafts.map((d) => ({
      consultation: d.title,
      savedAnswers: safeJson(d.answers_json),
      savedAt: d.updated_at,
    })),
    responsesEnteredForOthers: Number(entered.n),
    equalityFormsHeld: Number(equality.n),
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return {}
  }
}

/**
 * Responses stay and keep counting (channel, small area, answers), but no longer point at the person and lose the
 * full postcode; drafts and the person's equality answers are deleted.
 */
export async function eraseEngagementPersonalData(
  trx: Db,
  userId: number,
  keys: { secretKey: string },
): Promise<Record<string, number>> {
  const responses = await trx
    .updateTable('engagement_response')
    .set({ respondent_user_id: null, postcode: null })
    .where('respondent_user_id', '=', userId)
    .executeTakeFirst()
  const entered = await trx
    .updateTable('engagement_response')
    .set({ entered_by_user_id: null })
    .where('entered_by_user_id', '=', userId)
    .executeTakeFirst()
  const drafts = await trx.deleteFrom('engagement_draft').where('user_id', '=', userId).executeTakeFirst()
  const equality = await trx
    .deleteFrom('engagement_equality')
    .where('pseudonym', 'like', `${equalityOwnerTag(keys.secretKey, userId)}.%`)
    .executeTakeFirst()
  const events = await trx
    .updateTable('engagement_event')
    .set({ created_by_user_id: null })
    .where('created_by_user_id', '=', userId)
    .executeTakeFirst()
  const consultations = await trx
    .updateTable('engagement_consultation')
    .set({ created_by_user_id: null })
    .where('created_by_user_id', '=', userId)
    .executeTakeFirst()
  return {
    responsesAnonymised: Number(responses.numUpdatedRows),
    responsesEnteredUnlinked: Number(entered.numUpdatedRows),
    draftsDeleted: Number(drafts.numDeletedRows),
    equalityFormsDeleted: Number(equality.numDeletedRows),
    recordsCreatedUnlinked: Number(events.numUpdatedRows) + Number(consultations.numUpdatedRows),
  }
}

/** Cut-off instants (ISO) before which each kind of engagement data is no longer kept in identifying form. */
export interface EngagementRetentionCutoffs {
  /** Unfinished answers saved to come back to. */
  draftsBefore: string
  /** Full postcodes on responses (the small area stays for counting). */
  postcodesBefore: string
  /** The link from a response to the account that gave it. */
  respondentLinksBefore: string
  /** Equality monitoring answers (the day they were given). */
  equalityBefore: string
}

export async function purgeEngagementExpired(
  trx: Db,
  cutoffs: EngagementRetentionCutoffs,
): Promise<Record<string, number>> {
  const drafts = await trx
    .deleteFrom('engagement_draft')
    .where('updated_at', '<', cutoffs.draftsBefore)
    .executeTakeFirst()
  const postcodes = await trx
    .updateTable('engagement_response')
    .set({ postcode: null })
    .where('postcode', 'is not', null)
    .where('created_at', '<', cutoffs.postcodesBefore)
    .executeTakeFirst()
  const links = await trx
    .updateTable('engagement_response')
    .set({ respondent_user_id: null })
    .where('respondent_user_id', 'is not', null)
    .where('created_at', '<', cutoffs.respondentLinksBefore)
    .executeTakeFirst()
  // consented_on is a day (YYYY-MM-DD); comparing with the cut-off's day keeps whole days together.
  const equality = await trx
    .deleteFrom('engagement_equality')
    .where('consented_on', '<', cutoffs.equalityBefore.slice(0, 10))
    .executeTakeFirst()
  return {
    draftsDeleted: Number(drafts.numDeletedRows),
    postcodesRemoved: Number(postcodes.numUpdatedRows),
    respondentLinksRemoved: Number(links.numUpdatedRows),
    equalityFormsDeleted: Number(equality.numDeletedRows),
  }
}
