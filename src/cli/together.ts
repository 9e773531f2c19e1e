import { allMigrations, ensureTenantData, importTenantPack } from '../app.js'
import { ConfigError, loadConfig } from '../config.js'
import {
  backupDatabase,
  connectDatabase,
  migrateToLatest,
  restoreDatabase,
  RestoreError,
} from '../platform/db/index.js'
import { loadTenantProfile } from '../platform/tenancy/index.js'
import type { CliIo } from './cli-io.js'
import { importGeographyCommand } from './commands/import-geography.js'
import { seedDemo } from './seed.js'

const USAGE = `together <command>

  serve                         run the web service (same as npm start)
  migrate                       bring the database schema up to date
  seed                          load or refresh the council's geography pack; in demo mode, add the demo accounts
  backup FILE                   write a portable backup (NDJSON) of the whole database
  restore FILE [--replace]      restore a backup into this database (empty, or --replace)
  import geography …            derive a geography pack from ONS files (see together import geography --help)
  tally FILE.pb --rule R        count a Pabulib election (greedy, mes, phragmen, …) [--json]
  panel select …                fair stratified panel selection [--json]
  purge [--now T] [--json]      carry out due erasure requests and enforce retention periods (privacy.json)

Configuration comes from the environment (DATABASE_URL, DATA_DIR, TENANT, …): see README.`

type Command = (args: string[], io: CliIo) => Promise<number>

async function withDb<T>(
  fn: (ctx: { config: ReturnType<typeof loadConfig>; db: ReturnType<typeof connectDatabase> }) => Promise<T>,
): Promise<T> {
  const config = loadConfig()
  const db = connectDatabase(config.database)
  try {
    return await fn({ config, db })
  } finally {
    await db.close()
  }
}

const commands: Record<string, Command> = {
  async serve() {
    const { startServer } = await import('../server.js')
    await startServer()
    return -1
  },
  async migrate(_args, io) {
    return withDb(async ({ db }) => {
      const r = await migrateToLatest(db, allMigrations)
      io.stdout(
        r.applied.length
          ? `applied ${r.applied.length} migrations:\n${r.applied.join('\n')}\n`
          : 'database is up to date\n',
      )
      return 0
    })
  },
  async seed(_args, io) {
    return withDb(async ({ config, db }) => {
      await migrateToLatest(db, allMigrations)
      const tenant = loadTenantProfile(config.tenantsDir, config.tenant)
      await importTenantPack(db, tenant)
      const councilId = await ensureTenantData(db, tenant)
      io.stdout(
        `council, wards, small areas and reference figures of ${tenant.council.name} are loaded (refreshed from the seed pack)\n`,
      )
      if (!config.demoMode) {
        io.stdout('demo mode is off: no demo accounts created\n')
        return 0
      }
      const r = await seedDemo(db.db, tenant, councilId, config.passwordScryptLog2N)
      io.stdout(`demo accounts: ${r.created.length} created, ${r.skipped.length} already there\n`)
      return 0
    })
  },
  async backup(args, io) {
    const file = args[0]
    if (!file) {
      io.stderr('usage: together backup FILE\n')
      return 2
    }
    return withDb(async ({ db }) => {
      const h = await backupDatabase(db, file)
      io.stdout(
        `backed up ${h.tables.reduce((s, t) => s + t.rows, 0)} rows from ${h.tables.length} tables to ${file}\n`,
      )
      return 0
    })
  },
  async restore(args, io) {
    const file = args.find((a) => !a.startsWith('--'))
    if (!file) {
      io.stderr('usage: together restore FILE [--replace]\n')
      return 2
    }
    return withDb(async ({ db }) => {
      await migrateToLatest(db, allMigrations)
      try {
        const h = await restoreDatabase(db, file, { replace: args.includes('--replace') })
        io.stdout(
          `restored ${h.tables.reduce((s, t) => s + t.rows, 0)} rows (backup of ${h.createdAt}, from ${h.dialect})\n`,
        )
        return 0
      } catch (e) {
        if (e instanceof RestoreError) {
          io.stderr(`${e.message}\n`)
          return 1
        }
        throw e
      }
    })
  },
  async import(args, io) {
    if (args[0] === 'geography') return importGeographyCommand(args.slice(1), io)
    io.stderr('usage: together import geography …\n')
    return 2
  },
  async tally(args, io) {
    const { tallyCommand } = await import('./commands/tally.js')
    return tallyCommand(args, io)
  },
  async purge(args, io) {
    const { purgeCommand } = await import('./commands/purge.js')
    return withDb(async ({ config, db }) => {
      await migrateToLatest(db, allMigrations)
      return purgeCommand(args, io, { config, db })
    })
  },
  async panel(args, io) {
    const { panelCommand } = await import('./commands/panel.js')
    return panelCommand(args, io)
  },
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(`${USAGE}\n`)
    return name ? 0 : 2
  }
  const command = commands[name]
  if (!command) {
    io.stderr(`unknown command "${name}"\n\n${USAGE}\n`)
    return 2
  }
  try {
    return await command(args, io)
  } catch (e) {
    if (e instanceof ConfigError) {
      io.stderr(`${e.message}\n`)
      return 78
    }
    io.stderr(`${e instanceof Error ? e.message : String(e)}\n`)
    return 1
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const io: CliIo = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) }
  runCli(process.argv.slice(2), io).then((code) => {
    if (code >= 0) process.exitCode = code
  })
}
