import type { FastifyInstance } from 'fastify'
import type { PlatformContext } from '../../platform/module.js'
import { traceForPerson, wardSummary, type TracedItem } from './trace.service.js'

const V = 'trace/views'

/** Links to each step, by ward code (the trace itself only knows ids). */
function withLinks(item: TracedItem, code: string) {
  const w = `/wards/${code}`
  const self =
    item.kind === 'response'
      ? `${w}/consultations/${item.ref.consultationId}`
      : item.kind === 'idea'
        ? `${w}/ideas/${item.ref.ideaId}`
        : `${w}/priorities/${item.ref.roundId}`
  return {
    ...item,
    wardCode: code,
    href: self,
    roundResultsHref: item.kind === 'vote' ? `${w}/priorities/${item.ref.roundId}/results` : undefined,
    priorities: item.chain.priorities.map((p) => ({ ...p, href: `${w}/priorities/${p.roundId}` })),
    processes: item.chain.processes.map((p) => ({ ...p, href: `${w}/commissioning/${p.processId}` })),
    services: item.chain.services.map((s) => ({ ...s, href: `${w}/delivery/services/${s.serviceId}` })),
  }
}

export function registerTraceRoutes(app: FastifyInstance, ctx: PlatformContext): void {
  app.get(
    '/account/what-happened',
    { config: { access: { permission: 'trace.mine' }, rateLimit: { max: 60, timeWindow: '1 minute' } } },
    async (req, reply) => {
      if (req.actor.kind !== 'user') return reply.redirect('/sign-in?returnTo=%2Faccount%2Fwhat-happened', 303)
      const [items, wards] = await Promise.all([traceForPerson(ctx.db, req.actor.userId), ctx.wards.list()])
      const codes = new Map(wards.map((w) => [w.id, { code: w.code, name: w.name }]))
      return reply.page(`${V}/mine.njk`, {
        items: items
          .filter((i) => codes.has(i.wardId))
          .map((i) => ({ ...withLinks(i, codes.get(i.wardId)!.code), wardName: codes.get(i.wardId)!.name })),
      })
    },
  )

  app.get(
    '/wards/:wardCode/you-said-we-did',
    { config: { access: { permission: 'public', wardParam: 'wardCode' } } },
    async (req, reply) => {
      const ward = req.ward!
      const summary = await wardSummary(ctx.db, ward.id)
      const w = `/wards/${ward.code}`
      return reply.page(`${V}/ward.njk`, {
        ward,
        responses: summary.responses,
        themes: summary.themes.map((t) => ({
          ...t,
          priorities: t.chain.priorities.map((p) => ({ ...p, href: `${w}/priorities/${p.roundId}` })),
          processes: t.chain.processes.map((p) => ({ ...p, href: `${w}/commissioning/${p.processId}` })),
          services: t.chain.services.map((s) => ({ ...s, href: `${w}/delivery/services/${s.serviceId}` })),
        })),
      })
    },
  )
}
