/**
 * Is this answer in English? A deliberately simple, explainable test so non-English answers go to a translator
 * instead of being mis-clustered. Pure.
 *
 * Limits (documented for officers): it recognises non-Latin scripts reliably, and Latin-script languages only
 * through their commonest function words (Polish, Spanish, Portuguese, French, Italian, Romanian, German, Somali,
 * Tagalog); very short answers (under three words) are "unknown" and treated as English; mixed-language answers go
 * by whichever has more function words; it cannot tell which non-English language a Latin-script answer is in
 * beyond that list, and dialect or misspelt English with few function words may be marked "unknown".
 */

export type LanguageGuess = { language: 'en' | 'other' | 'unknown'; reason: string }

const SCRIPTS: [string, RegExp][] = [
  ['Arabic', /\p{Script=Arabic}/u],
  ['Cyrillic', /\p{Script=Cyrillic}/u],
  ['Greek', /\p{Script=Greek}/u],
  ['Hebrew', /\p{Script=Hebrew}/u],
  ['Devanagari', /\p{Script=Devanagari}/u],
  ['Bengali', /\p{Script=Bengali}/u],
  ['Gurmukhi', /\p{Script=Gurmukhi}/u],
  ['Gujarati', /\p{Script=Gujarati}/u],
  ['Tamil', /\p{Script=Tamil}/u],
  ['Han', /\p{Script=Han}/u],
  ['Hangul', /\p{Script=Hangul}/u],
  ['Japanese', /[\p{Script=Hiragana}\p{Script=Katakana}]/u],
  ['Thai', /\p{Script=Thai}/u],
  ['Ethiopic', /\p{Script=Ethiopic}/u],
]

const ENGLISH = new Set(
  'the and to of a in is it for that we on are be with my our there more not have this they need would at like can should'.split(
    ' ',
  ),
)
const OTHER = new Set(
  (
    'nie się jest na do że dla jak ale czy są ' + // Polish
    'el los las del que por para una con está muy hay ' + // Spanish
    'não uma com mais para os das dos ' + // Portuguese
    'les des est une pour pas dans avec sont très ' + // French
    'il della per che sono non una gli ' + // Italian
    'și este pentru care sunt mai din ' + // Romanian
    'der die das und ist nicht mit für auf ' + // German
    'waxaa iyo ayaa ka oo ah ' + // Somali
    'ang mga ng sa hindi ako'
  ) // Tagalog
    .split(' ')
    .filter((w) => w && !ENGLISH.has(w)),
)

export function detectLanguage(text: string): LanguageGuess {
  const letters = [...text].filter((ch) => /\p{L}/u.test(ch))
  if (letters.length === 0) return { language: 'unknown', reason: 'no letters' }
  for (const [name, re] of SCRIPTS) {
    const count = letters.filter((ch) => re.test(ch)).length
    if (count / letters.length >= 0.3) return { language: 'other', reason: `${name} script` }
  }
  const words = text.toLowerCase().match(/\p{L}+/gu) ?? []
  if (words.length < 3) return { language: 'unknown', reason: 'too short to tell' }
  const en = words.filter((w) => ENGLISH.has(w)).length
  const other = words.filter((w) => OTHER.has(w)).length
  if (other > en && other >= 2) return { language: 'other', reason: `${other} non-English function words` }
  if (en >= 1 && en >= other) return { language: 'en', reason: `${en} English function words` }
  return { language: 'unknown', reason: 'no function words recognised' }
}
