import type { Rule } from '../../platform/access/index.js'

export const deliveryPermissions: Record<string, Rule> = {
  /** Rating a service and reporting a comment: anyone signed in (service users need no staff role). */
  'delivery.rate': { kind: 'signed_in' },
  /** The delivery dashboard, tracking contracts, reviewing returns, moderating ratings, sending surveys. */
  'delivery.officer': { kind: 'ward_role', roles: ['officer'] },
  /** Submitting returns, for the provider's own organisation's services only (checked per record). */
  'delivery.provider': { kind: 'ward_role', roles: ['provider'] },
}
