export { registerEngagementRoutes } from './engagement.routes.js'
export { engagementMigrations } from './engagement.migrations.js'
export { engagementPermissions } from './engagement.permissions.js'
export { seedEngagement } from './engagement.seed.js'
export { summariseEquality, EQUALITY_QUESTIONS, type EqualitySummary } from './engagement.equality.js'
export { parseResponsesCsv, checkAnswer } from './engagement.rules.js'
export { listThemes, type Theme } from './engagement.repository.js'
export { canonicalPostcode } from './engagement.rules.js'
export { suppress } from './engagement.rules.js'
export {
  listConsultations,
  listEvents,
  listResponsePlaces,
  type Consultation,
  type OutreachEvent,
} from './engagement.repository.js'
export { listFreeTextAnswers, listWardThemes, type FreeTextAnswer } from './engagement.texts.js'
export { copyConsultationTemplate, type EngagementTemplateCopy } from './engagement.template.js'
export { summariseWardVoices, wardResponsesVersion, type WardVoices } from './engagement.programme.js'
export {
  exportEngagementPersonalData,
  eraseEngagementPersonalData,
  purgeEngagementExpired,
} from './engagement.personal-data.js'
export {
  listResponsesByPerson,
  listSignedInResponses,
  countResponsesByTheme,
  listResponsesByIds,
  listRespondentsNamingThemes,
  listRespondentsOfAnswers,
  type TracedResponse,
} from './engagement.trace.js'
