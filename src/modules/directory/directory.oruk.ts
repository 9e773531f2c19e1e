import { stableUuid, orgIdentifiers, LANGUAGES, type Organisation, type Service } from './directory.rules.js'

/**
 * Open Referral UK 3.0 (HSDS 3.0 with the UK profile) shapes, built from directory records with no I/O.
 * Themes are published as one taxonomy of this programme; ids derived from names stay stable.
 */
export interface Theme {
  slug: string
  name: string
  description: string
}

export const TAXONOMY_NAME = 'Working Together themes'
export const taxonomyId = () => stableUuid(`taxonomy:${TAXONOMY_NAME}`)
export const termId = (slug: string) => stableUuid(`term:${slug}`)

export function orukTaxonomy(themes: Theme[], withTerms: boolean) {
  return {
    id: taxonomyId(),
    name: TAXONOMY_NAME,
    description: 'The programme themes services are listed under.',
    version: '1',
    ...(withTerms ? { taxonomy_terms: themes.map((t) => orukTerm(t)) } : {}),
  }
}

export function orukTerm(t: Theme) {
  return {
    id: termId(t.slug),
    name: t.name,
    description: t.description,
    taxonomy: TAXONOMY_NAME,
    taxonomy_id: taxonomyId(),
    term: t.slug,
  }
}

export function orukOrganisation(o: Organisation) {
  return {
    id: o.uuid,
    name: o.name,
    description: o.description || o.name,
    ...(o.email ? { email: o.email } : {}),
    ...(o.website ? { website: o.website } : {}),
    organization_identifiers: orgIdentifiers(o).map((i) => ({
      id: stableUuid(`orgid:${o.uuid}:${i.orgId}`),
      organization_id: o.uuid,
      identifier_scheme: i.scheme,
      identifier_type: i.scheme === 'GB-CHC' ? 'Charity number' : 'Company number',
      identifier: i.identifier,
    })),
  }
}

/** The one-to-one fields of a service (the list endpoint). */
export function orukServiceSummary(s: Service, organisationUuid: string) {
  return {
    id: s.uuid,
    organization_id: organisationUuid,
    name: s.name,
    description: s.description,
    status: s.status,
    ...(s.url ? { url: s.url } : {}),
    ...(s.email ? { email: s.email } : {}),
    fees: s.costPence === null ? 'Free' : `£${(s.costPence / 100).toFixed(2)}`,
    ...(s.minAge !== null ? { minimum_age: s.minAge } : {}),
    ...(s.maxAge !== null ? { maximum_age: s.maxAge } : {}),
    last_modified: s.updatedAt,
  }
}

/** A fully nested service (the /services/{id} endpoint). */
export function orukService(s: Service, o: Organisation, themes: Theme[]) {
  const locationId = stableUuid(`location:${s.uuid}`)
  const summary = orukServiceSummary(s, o.uuid)
  return {
    ...summary,
    organization: orukOrganisation(o),
    schedules:
      s.days.length > 0
        ? [
            {
              id: stableUuid(`schedule:${s.uuid}`),
              service_id: s.uuid,
              freq: 'WEEKLY',
              byday: s.days.join(','),
              ...(s.opensAt ? { opens_at: s.opensAt } : {}),
              ...(s.closesAt ? { closes_at: s.closesAt } : {}),
              description: s.days.join(', '),
            },
          ]
        : [],
    service_at_locations: s.address
      ? [
          {
            id: stableUuid(`sal:${s.uuid}`),
            service_id: s.uuid,
            location_id: locationId,
            location: {
              id: locationId,
              location_type: 'physical',
              name: s.locationName || s.name,
              addresses: [
                {
                  id: stableUuid(`address:${s.uuid}`),
                  location_id: locationId,
                  address_1: s.address,
                  city: 'Kingston upon Thames',
                  state_province: 'Greater London',
                  postal_code: s.postcode,
                  country: 'GB',
                  address_type: 'physical',
                },
              ],
              accessibility: s.accessibility
                ? [{ id: stableUuid(`access:${s.uuid}`), location_id: locationId, description: s.accessibility }]
                : [],
            },
          },
        ]
      : [],
    // The UK profile drops name/code from language (a known slip in the profile); HSDS 3.0 has them.
    languages: s.languages.map((code) => ({
      id: stableUuid(`lang:${s.uuid}:${code}`),
      service_id: s.uuid,
      name: LANGUAGES[code] ?? code,
      code,
    })),
    cost_options:
      s.costPence === null
        ? []
        : [{ id: stableUuid(`cost:${s.uuid}`), service_id: s.uuid, amount: s.costPence / 100, option: 'Per session' }],
    attributes: s.themes
      .filter((slug) => themes.some((t) => t.slug === slug))
      .map((slug) => ({
        id: stableUuid(`attr:${s.uuid}:${slug}`),
        link_id: s.uuid,
        link_type: 'service',
        taxonomy_term_id: termId(slug),
        taxonomy_term: orukTerm(themes.find((t) => t.slug === slug)!),
      })),
  }
}

export function page<T>(contents: T[], pageNumber: number, perPage: number, total: number) {
  const totalPages = Math.max(1, Math.ceil(total / perPage))
  return {
    total_items: total,
    total_pages: totalPages,
    page_number: pageNumber,
    size: contents.length,
    first_page: pageNumber === 1,
    last_page: pageNumber >= totalPages,
    empty: contents.length === 0,
    contents,
  }
}
