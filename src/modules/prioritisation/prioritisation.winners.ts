import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import { projectId, type StoredResult } from './ballot.rules.js'
import { getPublished, listOptions, listRounds } from './prioritisation.repository.js'

export interface WinningOption {
  roundId: number
  roundTitle: string
  optionId: number
  title: string
  description: string
  theme: string
  costPence: number
}

/** For commissioning: the options that won a closed, counted round, newest round first. */
export async function listWinningOptions(db: Kysely<Database>, wardId: number): Promise<WinningOption[]> {
  const out: WinningOption[] = []
  for (const round of await listRounds(db, wardId)) {
    if (round.status !== 'closed' || !round.hasResult) continue
    const published = await getPublished(db, round.id)
    if (!published?.resultJson) continue
    const selected = new Set((JSON.parse(published.resultJson) as StoredResult).selected)
    for (const o of await listOptions(db, round.id))
      if (selected.has(projectId(o.id)))
        out.push({
          roundId: round.id,
          roundTitle: round.title,
          optionId: o.id,
          title: o.title,
          description: o.description,
          theme: o.theme,
          costPence: o.costPence,
        })
  }
  return out
}
