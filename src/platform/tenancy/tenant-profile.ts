import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { z } from 'zod'

/**
 * What differs between councils is data in tenants/<id>/tenant.json, never a code branch
 * (FixMyStreet's lesson). Missing optional fields take the defaults below.
 */
const TenantSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  council: z.object({ code: z.string().regex(/^[EWSN]\d{8}$/), name: z.string().min(1) }),
  serviceName: z.string().min(1).default('Working Together'),
  programme: z.object({
    /** `{ward}` is replaced by the ward's name. */
    nameTemplate: z.string().includes('{ward}').default('{ward} Working Together'),
    strapline: z.string().default(''),
  }),
  pilotWards: z.array(z.string().regex(/^[EWSN]\d{8}$/)).min(1),
  languages: z
    .array(z.string().regex(/^[a-z]{2,3}(-[A-Za-z]{2,4})?$/))
    .min(1)
    .default(['en']),
  brand: z
    .object({
      colour: z
        .string()
        .regex(/^#[0-9a-fA-F]{6}$/)
        .default('#1d70b8'),
      logoText: z.string().optional(),
    })
    .default({ colour: '#1d70b8' }),
  geographyPack: z.string().default('seed-pack/geography.json'),
  privacyContact: z.string().default(''),
  /**
   * Identifiers for the open data the council publishes (OCDS and 360Giving). Without this block the open-data
   * endpoints answer 404 with a reason rather than publish made-up identifiers.
   */
  openData: z
    .object({
      /** OCDS: the ocid prefix the Open Contracting Partnership registered for this publisher (`ocds-` + 6). */
      ocidPrefix: z.string().regex(/^ocds-[a-z0-9]{6}$/),
      /** org-id.guide identifier of the council (OCDS buyer, 360Giving funder), e.g. `GB-LAE-…`. */
      councilOrgId: z.string().regex(/^[A-Z]{2}-[A-Z0-9]+-[A-Za-z0-9-]+$/),
      /** 360Giving: the publisher prefix registered with 360Giving (`360G-…`); every grant id starts with it. */
      grantIdPrefix: z.string().regex(/^360G-[A-Za-z0-9-]+$/),
      /** True while the values above are placeholders not yet registered; the packages then say so. */
      provisional: z.boolean().default(false),
    })
    .optional(),
  /** Themes every new ward's programme starts with (its coding frame grows from them). */
  startingThemes: z
    .array(
      z.object({
        slug: z.string().regex(/^[a-z0-9-]+$/),
        name: z.string().min(1),
        description: z.string().default(''),
      }),
    )
    .default([]),
})

export type TenantProfile = z.infer<typeof TenantSchema> & { dir: string }

export function loadTenantProfile(tenantsDir: string, id: string): TenantProfile {
  const dir = path.join(tenantsDir, id)
  const file = path.join(dir, 'tenant.json')
  if (!existsSync(file)) throw new Error(`tenant "${id}" not found: ${file} does not exist`)
  const parsed = TenantSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')))
  if (!parsed.success) {
    throw new Error(
      `tenant "${id}" is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    )
  }
  return { ...parsed.data, dir }
}

export function programmeName(profile: Pick<TenantProfile, 'programme'>, wardName: string): string {
  return profile.programme.nameTemplate.replace('{ward}', wardName)
}
