import type { Rule } from '../../platform/access/index.js'

export const notificationsPermissions: Record<string, Rule> = {
  /** Anyone signed in chooses which emails they get; nobody else can see or change that choice. */
  'notifications.preferences': { kind: 'signed_in' },
}
