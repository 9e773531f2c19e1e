import { parseArgs } from 'node:util'
import type { Config } from '../../config.js'
import { createAuditLog } from '../../platform/audit/index.js'
import { createWriter, type Db } from '../../platform/db/index.js'
import { SessionStore } from '../../platform/http/session-store.js'
import { loadTenantProfile } from '../../platform/tenancy/index.js'
import { createPrivacyService, loadRetentionPolicy } from '../../modules/privacy/index.js'
import type { CliIo } from '../cli-io.js'

const USAGE = `Usage: together purge [--now ISO-TIME] [--json]

Carries out erasure requests whose cooling-off period is over, then cuts each kind of personal data back to the
retention period in tenants/<tenant>/privacy.json (the server also does this on a timer).

  --now ISO-TIME   act as if it were this time (for rehearsing a policy change); default: now
  --json           print the report as one JSON object`

/** `together purge`: the same purge the server's timer runs, for cron or an operator. */
export async function purgeCommand(args: string[], io: CliIo, env: { config: Config; db: Db }): Promise<number> {
  let values: { now?: string; json?: boolean; help?: boolean }
  try {
    values = parseArgs({
      args,
      options: { now: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }).values
  } catch (e) {
    io.stderr(`${e instanceof Error ? e.message : String(e)}\n\n${USAGE}\n`)
    return 2
  }
  if (values.help) {
    io.stdout(`${USAGE}\n`)
    return 0
  }
  const now = values.now === undefined ? new Date() : new Date(values.now)
  if (Number.isNaN(now.getTime())) {
    io.stderr(`--now: "${values.now}" is not a date and time like 2027-01-31T00:00:00Z\n`)
    return 2
  }
  const { config, db } = env
  const tenant = loadTenantProfile(config.tenantsDir, config.tenant)
  const sessions = new SessionStore(db.db, { idleMs: config.sessionIdleMs, absoluteMs: config.sessionAbsoluteMs })
  const service = createPrivacyService({
    db: db.db,
    write: createWriter(db),
    audit: createAuditLog(db.db, db.dialect),
    policy: loadRetentionPolicy(tenant.dir),
    secretKey: config.secretKey,
    endSessions: (userId) => sessions.destroyForUser(userId),
  })
  const report = await service.runPurge(now)
  if (values.json) io.stdout(`${JSON.stringify(report)}\n`)
  else
    io.stdout(
      `erasures carried out: ${report.erasures}\n${Object.entries(report.retention)
        .map(([k, n]) => `${k}: ${n}`)
        .join('\n')}\n`,
    )
  return 0
}
