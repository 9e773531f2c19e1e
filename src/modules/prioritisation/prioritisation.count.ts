import { Worker } from 'node:worker_threads'
import { toStoredResult } from './ballot.rules.js'
import { electionInputFromPabulib, parsePabulib } from './pabulib.js'
import { compileElection, getRule, type RuleResult } from './rules/index.js'

/**
 * Counts a Pabulib text exactly as `together tally FILE.pb --rule <rule>` does (same parser, same defaults), so
 * the published result and anyone's re-count cannot drift apart.
 */
export function countPabulib(text: string, ruleId: string): RuleResult {
  const pb = parsePabulib(text)
  return getRule(ruleId).count(compileElection(electionInputFromPabulib(pb)))
}

/** A closed round's stored result (JSON text) from its published ballots. */
export function countRoundJson(pbText: string, ruleId: string, ballots: number): string {
  return JSON.stringify(toStoredResult(countPabulib(pbText, ruleId), ballots, pbText))
}

/** What the count worker posts back. */
export type CountReply = { ok: true; json: string } | { ok: false; message: string }

/**
 * `countRoundJson` on a worker thread of its own. MES with add1 takes seconds on tens of thousands of ballots
 * (bench/README.md), and a count on the main thread would hold every other request, and the database writer,
 * for that long. The worker is started for one count and ends with it, so a failed count cannot leave
 * anything behind in the server.
 */
export function countRoundOffThread(pbText: string, ruleId: string, ballots: number): Promise<string> {
  const workerData = { pbText, ruleId, ballots }
  // Under tsx (tests, development) this module is the .ts source, and so is the worker beside it; tsx's loader
  // is not inherited by worker threads on Node 20, so the worker registers it before importing its source.
  const source = import.meta.url.endsWith('.ts')
  const script = new URL(`./prioritisation.count-worker${source ? '.ts' : '.js'}`, import.meta.url)
  const worker = source
    ? new Worker(
        `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(script.href)}) })`,
        { eval: true, workerData },
      )
    : new Worker(script, { workerData })
  return new Promise((resolve, reject) => {
    let settled = false
    worker.once('message', (reply: CountReply) => {
      settled = true
      if (reply.ok) resolve(reply.json)
      else reject(new Error(`the count failed: ${reply.message}`))
    })
    worker.once('error', (error) => {
      settled = true
      reject(error)
    })
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`the count worker stopped (exit code ${code}) without a result`))
    })
  })
}
