import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import './panel.tables.js'

type Db = Kysely<Database>

/** The person's place in a ward's panel pool (with the answers they gave for selection) and any invitations. */
export async function exportPanelPersonalData(db: Db, userId: number): Promise<Record<string, unknown>> {
  const volunteers = await db
    .selectFrom('panel_volunteer')
    .select([
      'id',
      'ward_id',
      'pseudonym',
      'age_band',
      'sex',
      'ethnic_group',
      'disability',
      'tenure',
      'area',
      'household',
      'status',
      'consent_at',
      'created_at',
      'updated_at',
    ])
    .where('user_id', '=', userId)
    .orderBy('id')
    .execute()
  const ids = volunteers.map((v) => v.id)
  const members =
    ids.length === 0
      ? []
      : await db
          .selectFrom('panel_member')
          .select(['volunteer_id', 'run_id', 'status', 'interests', 'responded_at', 'created_at'])
          .where('volunteer_id', 'in', ids)
          .orderBy('id')
          .execute()
  return {
    volunteering: volunteers.map((v) => ({
      wardReference: Number(v.ward_id),
      pseudonym: v.pseudonym,
      ageBand: v.age_band,
      sex: v.sex,
      ethnicGroup: v.ethnic_group,
      disability: v.disability,
      tenure: v.tenure,
      area: v.area,
      household: v.household,
      status: v.status,
      consentedAt: v.consent_at,
      joinedAt: v.created_at,
      changedAt: v.updated_at,
    })),
    invitations: members.map((m) => ({
      pseudonym: volunteers.find((v) => v.id === m.volunteer_id)?.pseudonym ?? null,
      runReference: Number(m.run_id),
      status: m.status,
      interests: m.interests,
      respondedAt: m.responded_at,
      invitedAt: m.created_at,
    })),
  }
}

/**
 * The person leaves every pool the way a withdrawal does: the special-category features and household key are
 * blanked. Invitations stay (a panel's size and replacement history hold) with their free-text interests cleared.
 * Run records hold pseudonyms only and are kept as they are, so every draw can still be re-checked.
 */
export async function erasePanelPersonalData(trx: Db, userId: number): Promise<Record<string, number>> {
  const volunteers = await trx.selectFrom('panel_volunteer').select('id').where('user_id', '=', userId).execute()
  const ids = volunteers.map((v) => v.id)
  if (ids.length === 0) return { panelVolunteersWithdrawn: 0, panelInvitationsAnonymised: 0 }
  await trx
    .updateTable('panel_volunteer')
    .set({
      status: 'withdrawn',
      age_band: '',
      sex: '',
      ethnic_group: '',
      disability: '',
      tenure: '',
      area: '',
      household: null,
      external_ref: null,
      updated_at: new Date().toISOString(),
    })
    .where('id', 'in', ids)
    .execute()
  const m = await trx
    .updateTable('panel_member')
    .set({ interests: '' })
    .where('volunteer_id', 'in', ids)
    .executeTakeFirst()
  return { panelVolunteersWithdrawn: ids.length, panelInvitationsAnonymised: Number(m.numUpdatedRows) }
}
