// One count on a worker thread (see countRoundOffThread): reads its input from workerData, posts one reply.
import { parentPort, workerData } from 'node:worker_threads'
import { countRoundJson, type CountReply } from './prioritisation.count.js'

const input = workerData as { pbText: string; ruleId: string; ballots: number }
let reply: CountReply
try {
  reply = { ok: true, json: countRoundJson(input.pbText, input.ruleId, input.ballots) }
} catch (error) {
  reply = { ok: false, message: error instanceof Error ? error.message : String(error) }
}
parentPort?.postMessage(reply)
