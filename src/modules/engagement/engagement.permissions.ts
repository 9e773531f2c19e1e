import type { Rule } from '../../platform/access/index.js'

export const engagementPermissions: Record<string, Rule> = {
  /** Build, open and close consultations, add themes, see counts and export responses: the ward's officers. */
  'engagement.manage': { kind: 'ward_role', roles: ['officer'] },
  /** Enter responses gathered on paper, at events, by phone or on the doorstep, and record outreach events. */
  'engagement.enter': { kind: 'ward_role', roles: ['volunteer', 'officer'] },
}
