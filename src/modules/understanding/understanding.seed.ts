import type { Kysely } from 'kysely'
import type { Database } from '../../platform/db/index.js'
import { findUserByEmail } from '../accounts/index.js'
import { listWardThemes } from '../engagement/index.js'
import { seededRandom } from './kmeans.js'
import { ensureFrame, insertText, listFrame, listTexts, saveCoding } from './understanding.repository.js'
import { inDoubleSample } from './understanding.service.js'

/**
 * DEMO coding set: made-up, generic resident-style comments (no real people) about the four starting themes, two
 * topics the frame does not cover (health services, getting online) so clustering has something to find, and a
 * few non-English comments for the translator queue. Composed from fragments by a seeded generator so the demo is
 * the same everywhere. Figures measured on it describe this synthetic set, not real residents.
 */
const FRAGMENTS: Record<string, string[]> = {
  'employment-and-skills': [
    'more help finding work near home',
    'apprenticeships for young people leaving school',
    'a jobs club with help writing a CV',
    'training courses in the evenings so I can keep my job',
    'English classes that fit around shifts',
    'support getting back to work after having children',
    'local employers offering work experience',
    'help with interview skills and confidence',
    'courses to get a forklift or construction card',
    'digital skills training for older workers looking for jobs',
  ],
  'family-and-life-chances': [
    'affordable childcare near the estate',
    'somewhere safe for teenagers to go in the evenings',
    'more youth clubs and holiday activities for kids',
    'parenting support groups for new mums and dads',
    'after school clubs that working parents can afford',
    'help for children with special educational needs',
    'a toddler group in the community centre',
    'mentoring for young people at risk of getting into trouble',
    'family support workers who actually visit',
    'free holiday meals and activities for children',
  ],
  'place-and-delivery': [
    'better lighting on the estate paths',
    'fix the broken play equipment in the park',
    'the bins overflow and fly tipping is getting worse',
    'repairs to damp and mould in council flats take too long',
    'safer crossings on Cambridge Road',
    'more trees and green space on the estate',
    'clean up the litter around the shops',
    'the lifts in the tower blocks keep breaking down',
    'more frequent buses in the evening',
    'a community garden people can share',
  ],
  'financial-support': [
    'help with energy bills this winter',
    'advice on debt that does not mean a trip into town',
    'a food bank closer to home',
    'help claiming the benefits we are entitled to',
    'support with rent arrears before it gets to eviction',
    'a credit union instead of payday lenders',
    'money advice sessions at the library',
    'help with the cost of school uniforms',
    'warm spaces to go when heating is too expensive',
    'budgeting help for families struggling with the cost of living',
  ],
}
const HEALTH = [
  'impossible to get a GP appointment',
  'waiting months for mental health support',
  'no NHS dentist taking new patients nearby',
  'the GP surgery phone line is always engaged',
  'long waits for mental health services for teenagers',
  'a walk-in health clinic on the estate',
  'dentist appointments for children are impossible to find',
  'help for people with depression and anxiety',
]
const ONLINE = [
  'no internet at home so online forms are impossible',
  'free wifi in the community centre',
  'help using a laptop to apply for things online',
  'everything is online now and I cannot get online',
  'a cheap broadband deal for families',
  'somewhere to borrow a laptop and get internet access',
]
const NOT_ENGLISH = [
  'Potrzebujemy więcej zajęć dla dzieci po szkole i tańszej opieki.',
  'Nie ma gdzie pójść wieczorem, młodzież nie ma żadnych zajęć.',
  'Necesitamos más ayuda con las facturas de la luz y el gas.',
  'Hay mucha basura en las calles y no hay luz por la noche.',
  'نحتاج إلى مساعدة في العثور على عمل قريب من المنزل',
  'الأطفال يحتاجون إلى مكان آمن للعب في المساء',
  'Нам нужна помощь с оплатой счетов за отопление.',
  'আমাদের বাচ্চাদের জন্য আরও ক্লাব দরকার',
  'Precisamos de mais cursos de inglês à noite para os pais.',
  'Waxaan u baahanahay caawimaad ku saabsan biilasha iyo kirada.',
]
const OPENERS = ['', 'We need ', 'Please ', 'I would like ', 'What would help is ', 'Honestly, ', 'For my family, ']
const CLOSERS = ['.', '. Thank you.', ' – it would make a big difference.', '. It has been like this for years.', '!']

export async function seedUnderstandingDemo(
  db: Kysely<Database>,
  opts: { wardId: number; officerEmail: string; secondCoderEmail: string; areaCodes?: string[] },
): Promise<{ texts: number; coded: number }> {
  const { wardId } = opts
  await ensureFrame(db, wardId, await listWardThemes(db, wardId))
  if ((await listTexts(db, wardId)).some((t) => t.isDemo)) return { texts: 0, coded: 0 }
  const engagement = await listWardThemes(db, wardId)
  const frame = await listFrame(db, wardId)
  const themeOf = (slug: string) => {
    const e = engagement.find((t) => t.slug === slug)
    return frame.find((f) => e && f.engagementThemeId === e.id)?.id
  }
  const officer = await findUserByEmail(db, opts.officerEmail)
  const second = await findUserByEmail(db, opts.secondCoderEmail)
  const rand = seededRandom(424242)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
  const areas = opts.areaCodes ?? []
  const sentence = (core: string) => {
    const o = pick(OPENERS)
    const body = o ? core : core[0]!.toUpperCase() + core.slice(1)
    return `${o}${body}${pick(CLOSERS)}`
  }
  const slugs = Object.keys(FRAGMENTS)
  const texts: { body: string; labels: number[]; kind: 'theme' | 'new' | 'foreign' }[] = []
  for (let i = 0; i < 200; i++) {
    const a = pick(slugs)
    // About one in five comments touches two themes, as real answers often do.
    const b = rand() < 0.2 ? pick(slugs.filter((s) => s !== a)) : null
    const core = b ? `${pick(FRAGMENTS[a]!)} and ${pick(FRAGMENTS[b]!)}` : pick(FRAGMENTS[a]!)
    const labels = [themeOf(a), b ? themeOf(b) : undefined].filter((x): x is number => x !== undefined)
    texts.push({ body: sentence(core), labels, kind: 'theme' })
  }
  for (let i = 0; i < 24; i++) texts.push({ body: sentence(pick(HEALTH)), labels: [], kind: 'new' })
  for (let i = 0; i < 16; i++) texts.push({ body: sentence(pick(ONLINE)), labels: [], kind: 'new' })
  for (const body of NOT_ENGLISH) texts.push({ body, labels: [], kind: 'foreign' })

  let coded = 0
  for (const t of texts) {
    const id = await insertText(db, wardId, {
      body: `${t.body}`,
      areaCode: areas.length ? pick(areas) : null,
      isDemo: true,
    })
    const ref = `text:${id}`
    if (!officer) continue
    // Two thirds of theme comments and a third of the others arrive already coded, the rest are left to suggest.
    const codeIt = t.kind === 'theme' ? rand() < 0.66 : t.kind === 'new' ? rand() < 0.33 : false
    if (!codeIt) continue
    await saveCoding(db, wardId, {
      itemRef: ref,
      coderUserId: officer.id,
      themeIds: t.labels,
      isOther: t.kind === 'new',
    })
    coded += 1
    if (second && inDoubleSample(ref)) {
      // The second coder mostly agrees; sometimes misses a theme or adds one, as independent coders do.
      let labels = [...t.labels]
      const r = rand()
      if (r < 0.1 && labels.length > 1) labels = labels.slice(0, 1)
      else if (r < 0.2) labels = [...new Set([...labels, themeOf(pick(slugs))!])]
      await saveCoding(db, wardId, {
        itemRef: ref,
        coderUserId: second.id,
        themeIds: labels,
        isOther: t.kind === 'new',
      })
    }
  }
  return { texts: texts.length, coded }
}
