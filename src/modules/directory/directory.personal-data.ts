import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import './directory.tables.js'

type Db = Kysely<Database>

/** The organisations the person manages in the services directory. */
export async function exportDirectoryPersonalData(db: Db, userId: number): Promise<Record<string, unknown>> {
  const rows = await db
    .selectFrom('directory_org_user as m')
    .innerJoin('directory_organisation as o', 'o.id', 'm.organisation_id')
    .select(['o.id', 'o.name', 'm.created_at'])
    .where('m.user_id', '=', userId)
    .orderBy('o.id')
    .execute()
  return {
    organisations: rows.map((r) => ({ reference: Number(r.id), name: r.name, since: r.created_at })),
  }
}

/** An erased account manages nothing: its memberships end. The organisations and their services stay. */
export async function eraseDirectoryPersonalData(trx: Db, userId: number): Promise<Record<string, number>> {
  const r = await trx.deleteFrom('directory_org_user').where('user_id', '=', userId).executeTakeFirst()
  return { directoryMembershipsEnded: Number(r.numDeletedRows) }
}
