import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

/**
 * Where the project's shared open data lives (`../shared/data` beside the repository), or
 * SHARED_DATA_DIR when set. Tests that read it skip with a reason when it is absent, except on CI,
 * where its absence is a failure (CI=true always has it).
 */
export const sharedDataDir = process.env.SHARED_DATA_DIR ?? path.resolve(repoRoot, '..', 'shared', 'data')

export function sharedDataPath(...parts: string[]): string {
  return path.join(sharedDataDir, ...parts)
}

/** `{ skip: reason }` for node:test when shared data is missing outside CI; throws on CI. */
export function needsSharedData(): { skip?: string } {
  if (existsSync(sharedDataDir)) return {}
  if (process.env.CI === 'true') throw new Error(`shared data is required on CI but ${sharedDataDir} is absent`)
  return { skip: `shared data not found at ${sharedDataDir}` }
}
