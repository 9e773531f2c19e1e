import type { Rule } from '../../platform/access/index.js'

export const programmePermissions: Record<string, Rule> = {
  /** Switching on a ward and copying a programme into it changes what the public sees: council-wide admins only. */
  'programme.replicate': { kind: 'admin' },
}
