import { createHash } from 'node:crypto'

/** Pure rules for the directory: identifiers, search filters and the Open Referral UK shapes. No I/O. */

export const ORG_KINDS = [
  'public_body',
  'charity',
  'community_group',
  'cooperative',
  'social_enterprise',
  'company',
] as const
export type OrgKind = (typeof ORG_KINDS)[number]

export const DAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const
export type Day = (typeof DAYS)[number]

export const LANGUAGES: Record<string, string> = {
  en: 'English',
  pl: 'Polish',
  ta: 'Tamil',
  ko: 'Korean',
  ar: 'Arabic',
  ur: 'Urdu',
  so: 'Somali',
  ro: 'Romanian',
}

export interface Organisation {
  id: number
  uuid: string
  wardId: number
  name: string
  kind: OrgKind
  description: string
  website: string
  email: string
  charityNumber: string
  companyNumber: string
  isDemo: boolean
}

export interface Service {
  id: number
  uuid: string
  organisationId: number
  wardId: number
  name: string
  description: string
  status: 'active' | 'inactive'
  themes: string[]
  locationName: string
  address: string
  postcode: string
  days: Day[]
  opensAt: string
  closesAt: string
  minAge: number | null
  maxAge: number | null
  costPence: number | null
  languages: string[]
  accessibility: string
  email: string
  url: string
  updatedAt: string
}

/** org-id.guide identifiers: registered charities (GB-CHC) and companies (GB-COH). */
export function orgIdentifiers(o: Pick<Organisation, 'charityNumber' | 'companyNumber'>): {
  scheme: string
  identifier: string
  orgId: string
}[] {
  const out: { scheme: string; identifier: string; orgId: string }[] = []
  if (o.charityNumber) out.push({ scheme: 'GB-CHC', identifier: o.charityNumber, orgId: `GB-CHC-${o.charityNumber}` })
  if (o.companyNumber) out.push({ scheme: 'GB-COH', identifier: o.companyNumber, orgId: `GB-COH-${o.companyNumber}` })
  return out
}

/** Charity Commission numbers are 6–8 digits; Companies House numbers are 8 characters (2 may be letters). */
export const CHARITY_NUMBER = /^\d{6,8}$/
export const COMPANY_NUMBER = /^(\d{8}|[A-Z]{2}\d{6})$/

/** A UUID derived from a name, so taxonomy ids are stable across restarts and databases (RFC 4122 v5 layout). */
export function stableUuid(name: string): string {
  const h = createHash('sha1').update(`working-together:${name}`).digest()
  h[6] = (h[6]! & 0x0f) | 0x50
  h[8] = (h[8]! & 0x3f) | 0x80
  const x = h.subarray(0, 16).toString('hex')
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`
}

export interface SearchFilter {
  q?: string
  theme?: string
  /** Matches the place name, address or postcode (e.g. "KT2 7" or "Cambridge Road"). */
  place?: string
  age?: number
  day?: Day
}

export function matches(s: Service, org: Organisation | undefined, f: SearchFilter): boolean {
  if (s.status !== 'active') return false
  const has = (hay: string, needle: string) => hay.toLowerCase().includes(needle.trim().toLowerCase())
  if (f.q && !has(`${s.name} ${s.description} ${org?.name ?? ''}`, f.q)) return false
  if (f.theme && !s.themes.includes(f.theme)) return false
  if (f.place) {
    const compact = (v: string) => v.toLowerCase().replace(/\s+/g, '')
    if (!has(`${s.locationName} ${s.address}`, f.place) && !compact(s.postcode).startsWith(compact(f.place)))
      return false
  }
  if (f.age !== undefined) {
    if (s.minAge !== null && f.age < s.minAge) return false
    if (s.maxAge !== null && f.age > s.maxAge) return false
  }
  if (f.day && !s.days.includes(f.day)) return false
  return true
}
