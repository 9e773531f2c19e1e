import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import type { Day, OrgKind, Organisation, Service } from './directory.rules.js'

/** The only code that touches `directory_*` tables. */
type Db = Kysely<Database>
const now = () => new Date().toISOString()

export type OrganisationInput = Omit<Organisation, 'id' | 'uuid' | 'wardId' | 'isDemo'>
export type ServiceInput = Omit<Service, 'id' | 'uuid' | 'organisationId' | 'wardId' | 'updatedAt'>

type OrgRow = Database['directory_organisation']
const toOrg = (r: { [K in keyof OrgRow]: unknown } & { id: number | string }): Organisation => ({
  id: Number(r.id),
  uuid: String(r.uuid),
  wardId: Number(r.ward_id),
  name: String(r.name),
  kind: String(r.kind) as OrgKind,
  description: String(r.description),
  website: String(r.website),
  email: String(r.email),
  charityNumber: String(r.charity_number),
  companyNumber: String(r.company_number),
  isDemo: Number(r.is_demo) === 1,
})

type ServiceRow = Database['directory_service']
const toService = (r: { [K in keyof ServiceRow]: unknown } & { id: number | string }): Service => ({
  id: Number(r.id),
  uuid: String(r.uuid),
  organisationId: Number(r.organisation_id),
  wardId: Number(r.ward_id),
  name: String(r.name),
  description: String(r.description),
  status: r.status === 'inactive' ? 'inactive' : 'active',
  themes: JSON.parse(String(r.themes_json)) as string[],
  locationName: String(r.location_name),
  address: String(r.address),
  postcode: String(r.postcode),
  days: JSON.parse(String(r.days_json)) as Day[],
  opensAt: String(r.opens_at),
  closesAt: String(r.closes_at),
  minAge: r.min_age === null ? null : Number(r.min_age),
  maxAge: r.max_age === null ? null : Number(r.max_age),
  costPence: r.cost_pence === null ? null : Number(r.cost_pence),
  languages: JSON.parse(String(r.languages_json)) as string[],
  accessibility: String(r.accessibility),
  email: String(r.email),
  url: String(r.url),
  updatedAt: String(r.updated_at),
})

const orgColumns = (o: OrganisationInput) => ({
  name: o.name,
  kind: o.kind,
  description: o.description,
  website: o.website,
  email: o.email,
  charity_number: o.charityNumber,
  company_number: o.companyNumber,
})

const serviceColumns = (s: ServiceInput) => ({
  name: s.name,
  description: s.description,
  status: s.status,
  themes_json: JSON.stringify(s.themes),
  location_name: s.locationName,
  address: s.address,
  postcode: s.postcode,
  days_json: JSON.stringify(s.days),
  opens_at: s.opensAt,
  closes_at: s.closesAt,
  min_age: s.minAge,
  max_age: s.maxAge,
  cost_pence: s.costPence,
  languages_json: JSON.stringify(s.languages),
  accessibility: s.accessibility,
  email: s.email,
  url: s.url,
})

export async function insertOrganisation(
  db: Db,
  wardId: number,
  o: OrganisationInput,
  opts: { isDemo?: boolean } = {},
): Promise<number> {
  const t = now()
  const r = await db
    .insertInto('directory_organisation')
    .values({
      uuid: randomUUID(),
      ward_id: wardId,
      ...orgColumns(o),
      is_demo: opts.isDemo ? 1 : 0,
      created_at: t,
      updated_at: t,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return Number(r.id)
}

export async function updateOrganisation(db: Db, id: number, o: OrganisationInput): Promise<void> {
  await db
    .updateTable('directory_organisation')
    .set({ ...orgColumns(o), updated_at: now() })
    .where('id', '=', id)
    .execute()
}

export async function linkOrgUser(db: Db, organisationId: number, userId: number): Promise<void> {
  await db
    .insertInto('directory_org_user')
    .values({ organisation_id: organisationId, user_id: userId, created_at: now() })
    .onConflict((oc) => oc.doNothing())
    .execute()
}

/** The organisation this provider manages in this ward, if any. */
export async function findOrganisationOfUser(
  db: Db,
  wardId: number,
  userId: number,
): Promise<Organisation | undefined> {
  const r = await db
    .selectFrom('directory_org_user as u')
    .innerJoin('directory_organisation as o', 'o.id', 'u.organisation_id')
    .selectAll('o')
    .where('u.user_id', '=', userId)
    .where('o.ward_id', '=', wardId)
    .executeTakeFirst()
  return r ? toOrg(r) : undefined
}

export async function findOrganisationByName(db: Db, wardId: number, name: string): Promise<Organisation | undefined> {
  const r = await db
    .selectFrom('directory_organisation')
    .selectAll()
    .where('ward_id', '=', wardId)
    .where('name', '=', name)
    .executeTakeFirst()
  return r ? toOrg(r) : undefined
}

export async function listOrganisations(db: Db, wardIds: number[]): Promise<Organisation[]> {
  if (wardIds.length === 0) return []
  const rows = await db
    .selectFrom('directory_organisation')
    .selectAll()
    .where('ward_id', 'in', wardIds)
    .orderBy('name')
    .execute()
  return rows.map(toOrg)
}

export async function insertService(db: Db, organisation: Organisation, s: ServiceInput): Promise<string> {
  const t = now()
  const uuid = randomUUID()
  await db
    .insertInto('directory_service')
    .values({
      uuid,
      organisation_id: organisation.id,
      ward_id: organisation.wardId,
      ...serviceColumns(s),
      created_at: t,
      updated_at: t,
    })
    .execute()
  return uuid
}

/** Updates a service only if it belongs to this organisation; false when it does not (nothing changes). */
export async function updateOwnService(
  db: Db,
  organisationId: number,
  uuid: string,
  s: ServiceInput,
): Promise<boolean> {
  const r = await db
    .updateTable('directory_service')
    .set({ ...serviceColumns(s), updated_at: now() })
    .where('uuid', '=', uuid)
    .where('organisation_id', '=', organisationId)
    .executeTakeFirst()
  return Number(r.numUpdatedRows) === 1
}

export async function listServices(db: Db, wardIds: number[]): Promise<Service[]> {
  if (wardIds.length === 0) return []
  const rows = await db
    .selectFrom('directory_service')
    .selectAll()
    .where('ward_id', 'in', wardIds)
    .orderBy('name')
    .orderBy('id')
    .execute()
  return rows.map(toService)
}

export async function findService(db: Db, uuid: string): Promise<Service | undefined> {
  const r = await db.selectFrom('directory_service').selectAll().where('uuid', '=', uuid).executeTakeFirst()
  return r ? toService(r) : undefined
}
