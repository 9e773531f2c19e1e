/**
 * "You said, we did" as pure functions: given a ward's picture (themes, the coding frame and needs, priority rounds,
 * commissioning and delivery), follow one contribution to what came of it, and work out who contributed to a given
 * outcome. No I/O here; trace.service.ts loads the picture.
 */

export type PriorityStatus = 'open' | 'funded' | 'not_funded' | 'pending'
export type Stage = 'specification' | 'tender' | 'evaluation' | 'award_proposed' | 'awarded' | 'contract'

export interface WardPicture {
  wardId: number
  themes: { id: number; slug: string; name: string }[]
  frame: {
    themes: { id: number; name: string; engagementThemeId: number | null; parentId: number | null }[]
    needs: { id: number; statement: string; themeId: number | null }[]
    codings: Map<string, number[]>
    evidence: Map<number, string[]>
  }
  rounds: {
    roundId: number
    title: string
    status: 'draft' | 'open' | 'closed'
    selectedOptionIds: number[]
    options: { optionId: number; title: string; needId: number | null; theme: string }[]
  }[]
  processes: {
    processId: number
    title: string
    theme: string
    sourceKind: 'need' | 'priority'
    priorityOptionId: number | null
    stage: Stage
    providerName: string | null
  }[]
  services: {
    serviceId: number
    title: string
    processId: number | null
    priorityOptionId: number | null
    status: string
    rag: string
    progressPercent: number
  }[]
}

/** One thing a person did. Votes name only the round (ballot secrecy: never what was chosen). */
export type Contribution =
  | { kind: 'response'; id: number; themeSlugs: string[]; itemRefs: string[] }
  | { kind: 'idea'; id: number; themeId: number }
  | { kind: 'vote'; roundId: number }

export interface Chain {
  themes: { id: number; name: string }[]
  needs: { id: number; statement: string; via: 'evidence' | 'theme' }[]
  priorities: {
    optionId: number
    title: string
    roundId: number
    roundTitle: string
    status: PriorityStatus
    /** Made from a need it supported, filed under one of its themes, or the outcome of the round voted in. */
    via: 'need' | 'theme' | 'vote'
  }[]
  processes: {
    processId: number
    title: string
    stage: Stage
    providerName: string | null
    via: 'priority' | 'theme'
  }[]
  services: { serviceId: number; title: string; status: string; rag: string; progressPercent: number }[]
  /** How far this contribution has got, for the summary tag. */
  reached: 'heard' | 'understood' | 'prioritised' | 'commissioned' | 'delivering'
}

function optionStatus(round: WardPicture['rounds'][number], optionId: number): PriorityStatus {
  if (round.status === 'open') return 'open'
  if (round.status !== 'closed') return 'pending'
  if (round.selectedOptionIds.length === 0) return 'pending'
  return round.selectedOptionIds.includes(optionId) ? 'funded' : 'not_funded'
}

// Lookups built once per picture (a fan-out traces thousands of contributions against the same picture).
const frameIndex = new WeakMap<WardPicture, Map<number, WardPicture['frame']['themes'][number]>>()

/** Frame theme → the engagement theme at the root of its branch (sub-themes belong to their parent's theme). */
function rootEngagementTheme(p: WardPicture, frameThemeId: number): number | null {
  let byId = frameIndex.get(p)
  if (!byId) {
    byId = new Map(p.frame.themes.map((t) => [t.id, t]))
    frameIndex.set(p, byId)
  }
  let t = byId.get(frameThemeId)
  for (let hops = 0; t && hops < 20; hops += 1) {
    if (t.engagementThemeId !== null) return t.engagementThemeId
    t = t.parentId === null ? undefined : byId.get(t.parentId)
  }
  return null
}

/** The engagement themes a contribution supported: what the person picked, plus how officers coded their words. */
export function contributionThemes(p: WardPicture, c: Contribution): number[] {
  const out = new Set<number>()
  if (c.kind === 'idea') out.add(c.themeId)
  if (c.kind === 'response') {
    for (const slug of c.themeSlugs) {
      const th = p.themes.find((x) => x.slug === slug)
      if (th) out.add(th.id)
    }
    for (const ref of c.itemRefs)
      for (const ft of p.frame.codings.get(ref) ?? []) {
        const root = rootEngagementTheme(p, ft)
        if (root !== null) out.add(root)
      }
  }
  return [...out].filter((id) => p.themes.some((t) => t.id === id)).sort((a, b) => a - b)
}

function stageRank(c: Chain): Chain['reached'] {
  if (c.services.length > 0) return 'delivering'
  if (c.processes.length > 0) return 'commissioned'
  if (c.priorities.length > 0) return 'prioritised'
  if (c.needs.length > 0) return 'understood'
  return 'heard'
}

/**
 * Follows a contribution: themes → needs (cited as evidence, or under the theme) → priority options made from those
 * needs → commissioning processes for those options (or, for processes commissioned from a need rather than a vote,
 * under the same theme) → the services delivering them. A vote starts at its round: its outcome is the funded options.
 */
export function traceContribution(p: WardPicture, c: Contribution): Chain {
  const themeIds = c.kind === 'vote' ? [] : contributionThemes(p, c)
  const themes = themeIds.map((id) => ({ id, name: p.themes.find((t) => t.id === id)!.name }))

  const needs: Chain['needs'] = []
  if (c.kind !== 'vote') {
    const refs = new Set(c.kind === 'response' ? c.itemRefs : [`idea:${c.id}`])
    for (const n of p.frame.needs) {
      const cited = (p.frame.evidence.get(n.id) ?? []).some((r) => refs.has(r))
      const root = n.themeId === null ? null : rootEngagementTheme(p, n.themeId)
      if (cited) needs.push({ id: n.id, statement: n.statement, via: 'evidence' })
      else if (root !== null && themeIds.includes(root)) needs.push({ id: n.id, statement: n.statement, via: 'theme' })
    }
  }

  const priorities: Chain['priorities'] = []
  const needIds = new Set(needs.map((n) => n.id))
  const slugs = new Set(themeIds.map((id) => p.themes.find((t) => t.id === id)!.slug))
  for (const r of p.rounds) {
    if (r.status === 'draft') continue
    for (const o of r.options) {
      // A voter's outcome is the round's funded options (not what they chose: that is secret).
      const via =
        c.kind === 'vote'
          ? c.roundId === r.roundId && r.selectedOptionIds.includes(o.optionId)
            ? 'vote'
            : undefined
          : o.needId !== null && needIds.has(o.needId)
            ? 'need'
            : o.needId === null && slugs.has(o.theme)
              ? 'theme'
              : undefined
      if (via)
        priorities.push({
          optionId: o.optionId,
          title: o.title,
          roundId: r.roundId,
          roundTitle: r.title,
          status: optionStatus(r, o.optionId),
          via,
        })
    }
  }

  const fundedIds = new Set(priorities.filter((x) => x.status === 'funded').map((x) => x.optionId))
  const processes: Chain['processes'] = []
  for (const pr of p.processes) {
    if (pr.priorityOptionId !== null && fundedIds.has(pr.priorityOptionId))
      processes.push({ ...pick(pr), via: 'priority' })
    else if (pr.sourceKind === 'need' && pr.priorityOptionId === null && slugs.has(pr.theme))
      processes.push({ ...pick(pr), via: 'theme' })
  }

  const processIds = new Set(processes.map((x) => x.processId))
  const services = p.services
    .filter(
      (s) =>
        (s.processId !== null && processIds.has(s.processId)) ||
        (s.priorityOptionId !== null && fundedIds.has(s.priorityOptionId)),
    )
    .map((s) => ({
      serviceId: s.serviceId,
      title: s.title,
      status: s.status,
      rag: s.rag,
      progressPercent: s.progressPercent,
    }))

  const chain: Chain = { themes, needs, priorities, processes, services, reached: 'heard' }
  chain.reached = stageRank(chain)
  return chain
}

function pick(pr: WardPicture['processes'][number]) {
  return { processId: pr.processId, title: pr.title, stage: pr.stage, providerName: pr.providerName }
}

export type OutcomeEvent =
  | { kind: 'round_decided'; ref: number }
  | { kind: 'process_awarded'; ref: number }
  | { kind: 'service_progress'; ref: number }

/** Whether a chain leads to the event: the round it voted in or prioritised in, the process, or the service. */
export function chainReaches(chain: Chain, c: Contribution, e: OutcomeEvent): boolean {
  if (e.kind === 'round_decided')
    return (c.kind === 'vote' && c.roundId === e.ref) || chain.priorities.some((x) => x.roundId === e.ref)
  if (e.kind === 'process_awarded') return chain.processes.some((x) => x.processId === e.ref)
  return chain.services.some((x) => x.serviceId === e.ref)
}

/**
 * What a contribution's chain depends on, and nothing else: the themes picked and only those of its items that
 * officers coded or cited as evidence (a response); the theme and whether it is cited (an idea); the round (a vote).
 */
function chainSignature(p: WardPicture, evidenced: ReadonlySet<string>, c: Contribution): string {
  if (c.kind === 'vote') return `v|${c.roundId}`
  if (c.kind === 'idea') return `i|${c.themeId}|${evidenced.has(`idea:${c.id}`) ? c.id : ''}`
  const refs = c.itemRefs.filter((r) => p.frame.codings.has(r) || evidenced.has(r))
  // JSON, not joined text: a slug is whatever the answer held, and must not run into its neighbour.
  return JSON.stringify(['r', [...new Set(c.themeSlugs)].sort(), [...new Set(refs)].sort()])
}

/**
 * Who took part in what led to an outcome: each person once, however many of their contributions lead there.
 * A round being decided reaches everyone whose needs fed any of its options (funded or not) and everyone
 * registered as voting in it.
 */
export function outcomeAudience(
  p: WardPicture,
  contributions: readonly { userId: number; contribution: Contribution }[],
  e: OutcomeEvent,
): number[] {
  const out = new Set<number>()
  // A ward may hold 100,000 responses, but far fewer different chains: contributions with the same signature follow
  // the same chain, so each signature is traced once.
  const evidenced = new Set([...p.frame.evidence.values()].flat())
  const reaches = new Map<string, boolean>()
  for (const { userId, contribution } of contributions) {
    if (out.has(userId)) continue
    const key = chainSignature(p, evidenced, contribution)
    let hit = reaches.get(key)
    if (hit === undefined) {
      hit = chainReaches(traceContribution(p, contribution), contribution, e)
      reaches.set(key, hit)
    }
    if (hit) out.add(userId)
  }
  return [...out].sort((a, b) => a - b)
}

/**
 * The single themes and single answers (those officers coded or cited) whose own chain reaches the event. Every
 * step of a chain is a union over what a response names (its themes, its coded and cited answers), so a response
 * reaches an event exactly when one of its atoms does: the audience can then be found in the database by these
 * atoms instead of tracing every response (property-tested against tracing each one).
 */
export function reachingAtoms(p: WardPicture, e: OutcomeEvent): { slugs: string[]; answerIds: number[] } {
  const reaches = (themeSlugs: string[], itemRefs: string[]) => {
    const c: Contribution = { kind: 'response', id: 0, themeSlugs, itemRefs }
    return chainReaches(traceContribution(p, c), c, e)
  }
  const slugs = [...new Set(p.themes.map((t) => t.slug))].filter((slug) => reaches([slug], []))
  const refs = new Set([...p.frame.codings.keys(), ...[...p.frame.evidence.values()].flat()])
  const answerIds = [...refs]
    .filter((ref) => /^answer:[1-9]\d{0,14}$/.test(ref) && reaches([], [ref]))
    .map((ref) => Number(ref.slice('answer:'.length)))
    .sort((a, b) => a - b)
  return { slugs: slugs.sort(), answerIds }
}
