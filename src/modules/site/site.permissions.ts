import type { Rule } from '../../platform/access/index.js'

/** The site's routes are public; this module declares no extra permissions. */
export const sitePermissions: Record<string, Rule> = {}
