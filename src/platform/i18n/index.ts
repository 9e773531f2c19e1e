export { createTranslator, type Translator } from './i18n.js'
export { formatDate, formatDateTime, intlLocale, UK_TIME_ZONE, ukToday, utcToWallTime, wallTimeToUtc } from './time.js'
