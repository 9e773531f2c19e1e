import type { Rule } from '../../platform/access/index.js'

export const ideasPermissions: Record<string, Rule> = {
  /** Post, support, comment and report: anyone signed in (a role in a ward is not needed to have a say). */
  'ideas.take-part': { kind: 'signed_in' },
  /** Reply publicly, set an idea's status, see reports and hide content: the ward's officers (moderators). */
  'ideas.moderate': { kind: 'ward_role', roles: ['officer'] },
}
