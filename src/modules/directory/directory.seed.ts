import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import { findUserByEmail } from '../accounts/index.js'
import {
  findOrganisationByName,
  insertOrganisation,
  insertService,
  linkOrgUser,
  type OrganisationInput,
  type ServiceInput,
} from './directory.repository.js'

type DemoOrg = OrganisationInput & { services: ServiceInput[] }

const service = (s: Partial<ServiceInput> & Pick<ServiceInput, 'name' | 'description' | 'themes'>): ServiceInput => ({
  status: 'active',
  locationName: '',
  address: '',
  postcode: '',
  days: [],
  opensAt: '',
  closesAt: '',
  minAge: null,
  maxAge: null,
  costPence: null,
  languages: ['en'],
  accessibility: '',
  email: '',
  url: '',
  ...s,
})

// Fictional organisations; names say "Demo", numbers are in no register.
const DEMO: DemoOrg[] = [
  {
    name: 'Demo: Norbiton Community Kitchen',
    kind: 'charity',
    description: 'Demo organisation: a community kitchen and food club run by local volunteers.',
    website: '',
    email: '',
    charityNumber: '1999001',
    companyNumber: '',
    services: [
      service({
        name: 'Demo: Friday food club',
        description: 'Low-cost groceries and a hot meal. Everyone welcome.',
        themes: ['financial-support', 'family-and-life-chances'],
        locationName: 'Demo community hall',
        address: '1 Demo Road',
        postcode: 'KT2 7AA',
        days: ['FR'],
        opensAt: '12:00',
        closesAt: '15:00',
        costPence: 350,
        languages: ['en', 'pl', 'ta'],
        accessibility: 'Step-free entrance and accessible toilet.',
      }),
    ],
  },
  {
    name: 'Demo: Cambridge Road Youth Co-op',
    kind: 'cooperative',
    description: 'Demo organisation: a youth co-operative running clubs and mentoring.',
    website: '',
    email: '',
    charityNumber: '',
    companyNumber: 'IP099001',
    services: [
      service({
        name: 'Demo: After-school club',
        description: 'Homework help, games and sport for young people.',
        themes: ['family-and-life-chances'],
        locationName: 'Demo youth centre',
        address: '2 Demo Street',
        postcode: 'KT1 3DQ',
        days: ['MO', 'WE', 'TH'],
        opensAt: '15:30',
        closesAt: '18:00',
        minAge: 8,
        maxAge: 16,
        languages: ['en', 'ko'],
      }),
    ],
  },
  {
    name: 'Demo: Kingston Skills Partnership',
    kind: 'social_enterprise',
    description: 'Demo organisation: training and job coaching for local people.',
    website: '',
    email: '',
    charityNumber: '',
    companyNumber: '09999001',
    services: [
      service({
        name: 'Demo: Job coaching drop-in',
        description: 'CV help, interview practice and job search support.',
        themes: ['employment-and-skills'],
        locationName: 'Demo library',
        address: '3 Demo Lane',
        postcode: 'KT2 6NX',
        days: ['TU'],
        opensAt: '10:00',
        closesAt: '13:00',
        minAge: 16,
        languages: ['en', 'ar', 'so'],
      }),
      service({
        name: 'Demo: Money and debt advice',
        description: 'Free, confidential help with benefits, bills and debt.',
        themes: ['financial-support'],
        locationName: 'Demo library',
        address: '3 Demo Lane',
        postcode: 'KT2 6NX',
        days: ['TU', 'TH'],
        opensAt: '09:30',
        closesAt: '16:30',
        minAge: 18,
      }),
    ],
  },
]

/** Demo providers and services for the pilot ward; the demo provider account manages the first. Runs once. */
export async function seedDirectoryDemo(
  db: Kysely<Database>,
  opts: { wardId: number; providerEmail?: string },
): Promise<void> {
  for (const [i, o] of DEMO.entries()) {
    if (await findOrganisationByName(db, opts.wardId, o.name)) continue
    const { services, ...org } = o
    const id = await insertOrganisation(db, opts.wardId, org, { isDemo: true })
    const saved = (await findOrganisationByName(db, opts.wardId, o.name))!
    for (const s of services) await insertService(db, saved, s)
    if (i === 0 && opts.providerEmail) {
      const user = await findUserByEmail(db, opts.providerEmail)
      if (user) await linkOrgUser(db, id, user.id)
    }
  }
}
