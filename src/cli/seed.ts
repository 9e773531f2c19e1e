import type { Kysely } from 'kysely'
import type { Database } from '../platform/db/index.js'
import type { StaffRole } from '../platform/access/index.js'
import { hashPassword } from '../platform/security/index.js'
import { findWardByCode, type TenantProfile } from '../platform/tenancy/index.js'
import { findUserByEmail, insertUser } from '../modules/accounts/index.js'
import { insertFeedbackOnce } from '../modules/site/index.js'
import { seedEngagement } from '../modules/engagement/index.js'
import { seedDemoRound } from '../modules/prioritisation/index.js'
import { seedDemoProposals } from '../modules/prioritisation/index.js'
import { seedLedgerDemo } from '../modules/ledger/index.js'
import { seedDirectoryDemo } from '../modules/directory/index.js'
import { seedUnderstandingDemo } from '../modules/understanding/index.js'
import { listWardAreas } from '../modules/geography/index.js'
import { seedCommissioningDemo } from '../modules/commissioning/index.js'
import { seedIdeasDemo } from '../modules/ideas/index.js'
import { seedDeliveryDemo } from '../modules/delivery/index.js'
import { seedReachDemo } from '../modules/reach/index.js'
import { seedPanelDemo } from '../modules/panel/index.js'

/**
 * Demo content for trying the pilot: one account per role (listed in the README) and a little
 * activity. The people are fictional and marked as demo accounts; every figure about the ward comes
 * from the geography pack. Refused in production by config (DEMO_MODE cannot be on there).
 */
export const DEMO_PASSWORD = 'norbiton-demo-2026'

export const DEMO_ACCOUNTS: { email: string; name: string; role: StaffRole | 'resident'; postcode: string }[] = [
  { email: 'resident@demo.example', name: 'Ruth Resident', role: 'resident', postcode: 'KT2 7AA' },
  { email: 'volunteer@demo.example', name: 'Victor Volunteer', role: 'volunteer', postcode: 'KT2 6NX' },
  { email: 'officer@demo.example', name: 'Olivia Officer', role: 'officer', postcode: 'KT1 3DQ' },
  { email: 'panel@demo.example', name: 'Priya Panel', role: 'panel_member', postcode: 'KT2 7AA' },
  { email: 'provider@demo.example', name: 'Peter Provider', role: 'provider', postcode: 'KT1 3DQ' },
  { email: 'partner@demo.example', name: 'Bella Budget-Partner', role: 'budget_partner', postcode: 'KT1 3DQ' },
  { email: 'admin@demo.example', name: 'Adam Admin', role: 'admin', postcode: 'KT1 3DQ' },
  // A second officer, so the demo's two-person award is made by two real people.
  { email: 'officer2@demo.example', name: 'Owen Officer', role: 'officer', postcode: 'KT1 3DQ' },
]

export interface SeedResult {
  created: string[]
  skipped: string[]
}

export async function seedDemo(
  db: Kysely<Database>,
  tenant: TenantProfile,
  councilId: number,
  passwordLog2N: number,
): Promise<SeedResult> {
  const pilot = await findWardByCode(db, tenant.pilotWards[0]!)
  if (!pilot) throw new Error('pilot ward missing: the geography pack was not imported')
  const result: SeedResult = { created: [], skipped: [] }
  const passwordHash = await hashPassword(DEMO_PASSWORD, passwordLog2N)
  for (const a of DEMO_ACCOUNTS) {
    if (await findUserByEmail(db, a.email)) {
      result.skipped.push(a.email)
      continue
    }
    const pc = await db
      .selectFrom('geography_postcode')
      .select('ward_id')
      .where('postcode', '=', a.postcode)
      .executeTakeFirst()
    const userId = await insertUser(db, {
      email: a.email,
      name: a.name,
      postcode: a.postcode,
      homeWardId: pc ? Number(pc.ward_id) : null,
      passwordHash,
      isDemo: true,
    })
    if (userId === undefined) continue
    if (a.role !== 'resident') {
      await db
        .insertInto('accounts_role_grant')
        .values({
          user_id: userId,
          council_id: councilId,
          ward_id: a.role === 'admin' ? null : pilot.id,
          role: a.role,
          granted_by_user_id: null,
          created_at: new Date().toISOString(),
        })
        .execute()
    }
    result.created.push(a.email)
  }
  const samples: [string, string][] = [
    ['satisfied', 'Easy to register. Please add more languages.'],
    ['very-satisfied', ''],
    ['neither', 'I would like to hear about events near Cambridge Road.'],
  ]
  for (const [i, [rating, comments]] of samples.entries()) {
    await insertFeedbackOnce(db, {
      wardId: pilot.id,
      userId: null,
      submissionKey: `demo-feedback-${i + 1}-0000000`,
      rating,
      comments,
    })
  }
  await seedDemoRound(db, pilot)
  await seedLedgerDemo(db, { wardId: pilot.id, wardName: pilot.name, partnerEmail: 'partner@demo.example' })
  await seedDirectoryDemo(db, { wardId: pilot.id, providerEmail: 'provider@demo.example' })
  // The demo panel member needs an accepted seat to score bids in commissioning: a real LEXIMIN run and draw
  // (with a seed chosen to include that account; demo only, see panel.seed.ts).
  await seedPanelDemo(db, {
    wardId: pilot.id,
    panelEmail: 'panel@demo.example',
    officerEmail: 'officer@demo.example',
    async grantPanelRole(userId, wardId) {
      const has = await db
        .selectFrom('accounts_role_grant')
        .select('id')
        .where('user_id', '=', userId)
        .where('ward_id', '=', wardId)
        .where('role', '=', 'panel_member')
        .executeTakeFirst()
      if (has) return
      await db
        .insertInto('accounts_role_grant')
        .values({
          user_id: userId,
          council_id: councilId,
          ward_id: wardId,
          role: 'panel_member',
          granted_by_user_id: null,
          created_at: new Date().toISOString(),
        })
        .execute()
    },
  })
  await seedCommissioningDemo(db, {
    wardId: pilot.id,
    officerEmail: 'officer@demo.example',
    secondOfficerEmail: 'officer2@demo.example',
    providerEmail: 'provider@demo.example',
  })
  await seedEngagement(db, tenant, pilot.id, { demo: true })
  await seedIdeasDemo(db, {
    wardId: pilot.id,
    authorEmails: ['resident@demo.example', 'volunteer@demo.example', 'panel@demo.example', 'partner@demo.example'],
    officerEmail: 'officer@demo.example',
  })
  await seedUnderstandingDemo(db, {
    wardId: pilot.id,
    officerEmail: 'officer@demo.example',
    secondCoderEmail: 'admin@demo.example',
    areaCodes: (await listWardAreas(db, pilot.id, 'lsoa')).map((a) => a.code),
  })
  await seedDemoProposals(db, pilot, { residentEmail: 'resident@demo.example' })
  await seedDeliveryDemo(db, { wardId: pilot.id, officerEmail: 'officer@demo.example' })
  await seedReachDemo(db, pilot, {
    officer: 'officer@demo.example',
    secondOfficer: 'officer2@demo.example',
    volunteer: 'volunteer@demo.example',
  })
  return result
}
