import type { Rule } from '../../platform/access/index.js'

export const accountsPermissions: Record<string, Rule> = {
  'account.view': { kind: 'signed_in' },
  'account.second-factor': { kind: 'signed_in' },
  'session.keep-alive': { kind: 'signed_in' },
  'session.sign-out': { kind: 'signed_in' },
}
