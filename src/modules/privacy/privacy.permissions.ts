import type { Rule } from '../../platform/access/index.js'

export const privacyPermissions: Record<string, Rule> = {
  /** See and download what is held about oneself, and ask for (or cancel) erasure: anyone signed in, for themselves. */
  'privacy.self': { kind: 'signed_in' },
  /** See erasure requests and carry one out before its cooling-off period ends: council-wide admins. */
  'privacy.process': { kind: 'admin' },
}
