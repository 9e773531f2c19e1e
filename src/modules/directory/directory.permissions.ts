import type { Rule } from '../../platform/access/index.js'

export const directoryPermissions: Record<string, Rule> = {
  /** A provider manages its own organisation and services in the ward (ownership is checked per record). */
  'directory.provider': { kind: 'ward_role', roles: ['provider'] },
}
