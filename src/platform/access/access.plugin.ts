import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Ward } from '../tenancy/ward.repository.js'
import { authorize, getRule, type Decision } from './authorize.js'

/** Every route declares this; a route without it stops the app at boot (deny by default). */
export interface RouteAccess {
  permission: string
  /** Name of the route parameter that holds the ward's GSS code, for ward-scoped permissions. */
  wardParam?: string
}

export interface AccessPluginOptions {
  findWard: (code: string) => Promise<Ward | undefined>
  /** URL prefixes served by static-file plugins: public by nature, declared here rather than per file. */
  publicPrefixes: string[]
  onDenied?: (req: FastifyRequest, decision: Decision & { allowed: false }) => Promise<void>
  renderDenied: (req: FastifyRequest, reply: FastifyReply, status: 403 | 404) => Promise<FastifyReply>
}

export interface RouteInventoryEntry {
  method: string
  url: string
  access: RouteAccess
  audit: string | undefined
}

export function accessPlugin(app: FastifyInstance, opts: AccessPluginOptions): RouteInventoryEntry[] {
  const inventory: RouteInventoryEntry[] = []
  app.decorateRequest('ward', undefined)

  app.addHook('onRoute', (route) => {
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter((m) => m !== 'HEAD')
    if (methods.length === 0) return
    if (!route.config?.access) {
      if (opts.publicPrefixes.some((p) => route.url.startsWith(p))) {
        route.config = { ...(route.config ?? {}), access: { permission: 'public' } }
      } else {
        throw new Error(`route ${methods.join(',')} ${route.url} declares no access permission (deny by default)`)
      }
    }
    const access = route.config.access!
    if (access.permission !== 'public' && !getRule(access.permission)) {
      throw new Error(`route ${route.url} uses undeclared permission ${access.permission}`)
    }
    if (access.wardParam && !route.url.includes(`:${access.wardParam}`)) {
      throw new Error(`route ${route.url} names ward parameter ${access.wardParam} but has no such parameter`)
    }
    for (const method of methods) inventory.push({ method, url: route.url, access, audit: route.config.audit })
  })

  app.addHook('preHandler', async (req, reply) => {
    const access = req.routeOptions.config.access
    if (!access) {
      // Only the not-found handler has no declared access (every route is checked at registration).
      if (req.is404) return
      return reply.code(404).send()
    }
    if (access.permission === 'public' && !access.wardParam) return
    if (access.wardParam) {
      const code = (req.params as Record<string, string | undefined>)[access.wardParam]
      const ward = code && /^[EWSN]\d{8}$/.test(code) ? await opts.findWard(code) : undefined
      const isAdmin = req.actor.kind === 'user' && req.actor.grants.some((g) => g.role === 'admin' && g.wardId === null)
      if (!ward || (!ward.isActive && !isAdmin)) return opts.renderDenied(req, reply, 404)
      req.ward = ward
    }
    if (access.permission === 'public') return
    const decision = authorize(req.actor, access.permission, req.ward ? { ward: req.ward } : {})
    if (decision.allowed) return
    reply.header('x-access-denied', decision.reason)
    if (opts.onDenied) await opts.onDenied(req, decision)
    const isApi = req.url.startsWith('/api/')
    if (decision.reason === 'signed_out') {
      if (isApi) return reply.code(401).send({ error: 'signed_out', message: 'Sign in to use this API' })
      const query = new URLSearchParams()
      if (req.method === 'GET') query.set('returnTo', req.url)
      if (req.sessionExpired) query.set('timedOut', '1')
      const qs = query.toString()
      return reply.redirect(`/sign-in${qs ? `?${qs}` : ''}`, 303)
    }
    if (decision.reason === 'mfa_required') {
      if (isApi)
        return reply.code(403).send({ error: 'mfa_required', message: 'A second factor is required for this role' })
      return reply.redirect('/account/two-factor', 303)
    }
    if (isApi) return reply.code(403).send({ error: 'forbidden', message: 'You do not have permission to do this' })
    return opts.renderDenied(req, reply, 403)
  })
  return inventory
}
