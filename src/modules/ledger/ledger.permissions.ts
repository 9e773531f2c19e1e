import type { Rule } from '../../platform/access/index.js'

export const ledgerPermissions: Record<string, Rule> = {
  /** Partners, pledges, receipts, allocations, returns and reversals: the ward's officers (second factor). */
  'ledger.manage': { kind: 'ward_role', roles: ['officer'] },
  /** A budget partner's own money: what it put in, where it went, what is left; approving its pledges. */
  'ledger.partner': { kind: 'ward_role', roles: ['budget_partner'] },
}
