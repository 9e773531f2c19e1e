import type { Rule } from '../../platform/access/index.js'

export const commissioningPermissions: Record<string, Rule> = {
  /** Creating processes, publishing opportunities, answering questions, moderation, award, contracts, payments. */
  'commissioning.officer': { kind: 'ward_role', roles: ['officer'] },
  /** Co-writing specifications and scoring bids: the ward's officers and community panel members. */
  'commissioning.team': { kind: 'ward_role', roles: ['officer', 'panel_member'] },
  /** Asking questions and bidding, for the provider's own organisation only (checked per record). */
  'commissioning.provider': { kind: 'ward_role', roles: ['provider'] },
}
