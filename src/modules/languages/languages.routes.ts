import type { FastifyInstance } from 'fastify'
import type { PlatformContext } from '../../platform/module.js'
import { setPreferredLanguage } from '../accounts/index.js'

const YEAR_SECONDS = 365 * 24 * 60 * 60

/** Only a path on this site, so the switcher cannot be used to send people elsewhere. */
export function safeReturnPath(v: unknown): string {
  if (typeof v !== 'string' || !v.startsWith('/') || v.startsWith('//') || v.startsWith('/\\')) return '/'
  return v.slice(0, 500)
}

export function registerLanguagesRoutes(app: FastifyInstance, ctx: PlatformContext): void {
  // A plain link (no form, no JavaScript) remembers the choice in the `lang` cookie that every page reads.
  app.get('/language', { config: { access: { permission: 'public' } } }, async (req, reply) => {
    const q = req.query as Record<string, unknown>
    const lang = typeof q.lang === 'string' && ctx.tenant.languages.includes(q.lang) ? q.lang : undefined
    if (lang)
      reply.setCookie('lang', lang, {
        path: '/',
        maxAge: YEAR_SECONDS,
        sameSite: 'lax',
        httpOnly: true,
        secure: ctx.config.isProduction,
      })
    // Signed in, the choice is also the language of the person's emails (they can change it on /account/notifications).
    // This GET changes stored state, so only a person's own click counts: browsers mark a link followed on this site
    // (or a typed address) as same-origin/none, and an image or link planted on another site as cross-site.
    const fetchSite = req.headers['sec-fetch-site']
    const ownClick = fetchSite === undefined || fetchSite === 'same-origin' || fetchSite === 'none'
    if (lang && req.actor.kind === 'user' && ownClick) {
      const userId = req.actor.userId
      await ctx.write((trx) => setPreferredLanguage(trx, userId, lang))
    }
    return reply.redirect(safeReturnPath(q.returnTo), 303)
  })
}
