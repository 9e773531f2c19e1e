import { readdirSync, readFileSync, existsSync } from 'node:fs'
import path from 'node:path'
import i18next, { type i18n, type TFunction } from 'i18next'

/**
 * Every user-facing string lives in locales/<lang>/<namespace>.json (one file per module), so a
 * council can add a language by adding files. Keys are `<file>.<path>`.
 */
export interface Translator {
  languages: string[]
  forLanguage(lang: string): TFunction
  pick(requested: string | undefined): string
}

function loadResources(
  localesDir: string,
  languages: string[],
): Record<string, { translation: Record<string, unknown> }> {
  const out: Record<string, { translation: Record<string, unknown> }> = {}
  for (const lang of languages) {
    const dir = path.join(localesDir, lang)
    const translation: Record<string, unknown> = {}
    if (existsSync(dir)) {
      for (const f of readdirSync(dir)
        .filter((x) => x.endsWith('.json'))
        .sort()) {
        translation[f.replace(/\.json$/, '')] = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as unknown
      }
    }
    out[lang] = { translation }
  }
  return out
}

export async function createTranslator(localesDirs: string[], languages: string[]): Promise<Translator> {
  const resources: Record<string, { translation: Record<string, unknown> }> = {}
  for (const dir of localesDirs) {
    const r = loadResources(dir, languages)
    for (const [lang, v] of Object.entries(r)) {
      resources[lang] = { translation: { ...(resources[lang]?.translation ?? {}), ...v.translation } }
    }
  }
  const instance: i18n = i18next.createInstance()
  await instance.init({
    lng: languages[0] ?? 'en',
    fallbackLng: 'en',
    supportedLngs: languages,
    initAsync: false,
    // Nunjucks escapes output itself; escaping here too would show "&amp;lt;".
    interpolation: { escapeValue: false },
    returnNull: false,
    resources,
  })
  const cache = new Map<string, TFunction>()
  return {
    languages,
    forLanguage(lang) {
      let t = cache.get(lang)
      if (!t) {
        const raw = instance.cloneInstance({ lng: lang }).t
        // Plain lookups (no options) are most of a page's strings and never change while running.
        const plain = new Map<string, string>()
        const memo = ((key: string | string[], options?: unknown) => {
          if (options === undefined && typeof key === 'string') {
            let v = plain.get(key)
            if (v === undefined) {
              v = String(raw(key))
              plain.set(key, v)
            }
            return v
          }
          return (raw as (k: string | string[], o?: unknown) => unknown)(key, options)
        }) as TFunction
        t = memo
        cache.set(lang, t)
      }
      return t
    },
    pick(requested) {
      if (requested && languages.includes(requested)) return requested
      return languages[0] ?? 'en'
    },
  }
}
