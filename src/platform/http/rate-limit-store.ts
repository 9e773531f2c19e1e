import type { FastifyRateLimitOptions, FastifyRateLimitStore } from '@fastify/rate-limit'
import { sql, type Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import '../platform.tables.js'

type RouteOptions = Parameters<FastifyRateLimitStore['child']>[0]

/** What the plugin actually passes to `child` and the constructor: the route's merged limit options. */
interface RouteLimitOptions {
  continueExceeding?: boolean
  exponentialBackoff?: boolean
  routeInfo?: { method?: string | string[]; url?: string }
}

/**
 * Rate-limit counters in the database, for deployments that run several app processes on one PostgreSQL
 * database: each process's in-memory counters would let a guesser multiply the sign-in limit by the number
 * of processes (security checklist I-5). One row per route and client; a single upsert counts a hit and
 * starts a new window when the last one has ended, atomically, whichever process takes the request.
 *
 * Fixed windows, as the plugin's own stores count. `continueExceeding` and `exponentialBackoff` are not
 * offered: a route asking for them fails at start-up rather than being counted differently than it asked.
 */
export function databaseRateLimitStore(db: Kysely<Database>, now: () => number = Date.now) {
  return class DatabaseRateLimitStore implements FastifyRateLimitStore {
    constructor(
      options: FastifyRateLimitOptions = {},
      private readonly prefix = '',
    ) {
      const asked = options as RouteLimitOptions
      if (asked.continueExceeding === true || asked.exponentialBackoff === true)
        throw new Error('the database rate-limit store counts fixed windows only')
    }

    incr(
      key: string,
      cb: (error: Error | null, result?: { current: number; ttl: number }) => void,
      timeWindow: number,
    ): void {
      const at = now()
      const id = this.prefix + key
      sql<{ hits: number; reset_at: number }>`
        insert into platform_rate_limit as r (key, hits, reset_at) values (${id}, 1, ${at + timeWindow})
        on conflict (key) do update set
          hits = case when r.reset_at <= ${at} then 1 else r.hits + 1 end,
          reset_at = case when r.reset_at <= ${at} then ${at + timeWindow} else r.reset_at end
        returning hits, reset_at`
        .execute(db)
        .then((r) => {
          const row = r.rows[0]
          if (!row) throw new Error('rate-limit upsert returned no row')
          cb(null, { current: Number(row.hits), ttl: Math.max(0, Number(row.reset_at) - at) })
        })
        .catch((e: unknown) => cb(e instanceof Error ? e : new Error(String(e))))
    }

    child(options: RouteOptions): FastifyRateLimitStore {
      const routeOptions = options as unknown as RouteLimitOptions
      const method = routeOptions.routeInfo?.method
      const route = `${Array.isArray(method) ? method.join(',') : (method ?? '')}${routeOptions.routeInfo?.url ?? ''}`
      return new DatabaseRateLimitStore(routeOptions, `${this.prefix}${route}|`)
    }
  }
}

/** Deletes counters whose window ended before `before` (ms since the epoch); returns how many went. */
export async function purgeRateLimits(db: Kysely<Database>, before: number): Promise<number> {
  const r = await db.deleteFrom('platform_rate_limit').where('reset_at', '<', before).executeTakeFirst()
  return Number(r.numDeletedRows)
}
