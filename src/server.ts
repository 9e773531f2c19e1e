import { buildApp, type BuildOptions } from './app.js'
import { ConfigError, loadConfig } from './config.js'
import { seedDemo } from './cli/seed.js'
import { countUsers } from './modules/accounts/index.js'
import { findCouncilByCode } from './platform/tenancy/index.js'

/** Process entry: validate config, build the app, seed the demo on first start, listen, close gracefully. */
export async function startServer(
  env: Record<string, string | undefined> = process.env,
  options: Pick<BuildOptions, 'beforeReady'> = {},
): Promise<void> {
  let config
  try {
    config = loadConfig(env)
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`)
      process.exit(78)
    }
    throw e
  }
  const built = await buildApp(config, options)
  if (config.demoMode && (await countUsers(built.db.db)) === 0) {
    const council = await findCouncilByCode(built.db.db, built.tenant.council.code)
    const seeded = await seedDemo(built.db.db, built.tenant, council!.id, config.passwordScryptLog2N)
    built.app.log.info({ accounts: seeded.created.length }, 'demo content seeded (see README for the demo accounts)')
  }
  let closing = false
  const shutdown = (signal: string) => {
    if (closing) return
    closing = true
    built.app.log.info({ signal }, 'closing')
    built
      .close()
      .then(() => process.exit(0))
      .catch(() => process.exit(1))
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))
  const address = await built.app.listen({ port: config.port, host: config.host })
  built.app.log.info(`${built.tenant.serviceName} listening on ${address} (${built.db.dialect})`)
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  startServer().catch((e: unknown) => {
    process.stderr.write(`failed to start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`)
    process.exit(1)
  })
}
