export { createTranslator, type Translator } from './i18n.js'
export { formatDate, formatDateTime, intlLocale, UK_TIME_ZONE, utcToWallTime, wallTimeToUtc } from './time.js'
