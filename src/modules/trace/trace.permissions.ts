import type { Rule } from '../../platform/access/index.js'

export const tracePermissions: Record<string, Rule> = {
  /** A person's own contributions and what came of them: only ever their own (the route reads the signed-in id). */
  'trace.mine': { kind: 'signed_in' },
}
