export { registerPrioritisationRoutes, formatPence, type PrioritisationDeps } from './prioritisation.routes.js'
export { prioritisationMigrations } from './prioritisation.migrations.js'
export { prioritisationPermissions } from './prioritisation.permissions.js'
export { createPrioritisationService, type PrioritisationService } from './prioritisation.service.js'
export { countPabulib } from './prioritisation.count.js'
export { seedDemoRound, seedDemoProposals } from './prioritisation.seed.js'
export {
  checkBallot,
  discloseCount,
  roundToPabulib,
  rulesFor,
  type Choices,
  type RoundRules,
  type StoredResult,
} from './ballot.rules.js'
export { listWinningOptions, type WinningOption } from './prioritisation.winners.js'
export { listOptionsForNeeds, type OptionForNeed } from './prioritisation.repository.js'
export { listRoundsVotedBy, listTracedRounds, listRoundVoterIds, type TracedRound } from './prioritisation.trace.js'
export { exportPrioritisationPersonalData, erasePrioritisationPersonalData } from './prioritisation.personal-data.js'
