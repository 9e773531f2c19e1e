export { createTranslator, type Translator } from './i18n.js'
