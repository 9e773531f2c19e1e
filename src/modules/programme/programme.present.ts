import type { TFunction } from 'i18next'
import { formatPence } from '../ledger/index.js'
import type { BarInput, CsvSection } from './programme.rules.js'
import type { AccountabilityReport } from './programme.service.js'

/**
 * One presentation of the report that the page, the CSV and the PDF all read, so the three never disagree: each
 * section has a heading, an optional chart (whose data is exactly the table beside it) and a table. Cells carry the
 * text people read and the raw value the CSV keeps (integer pence, plain counts, empty for a hidden count).
 */
export interface Cell {
  text: string
  raw: string | number | null
  numeric?: boolean
}

export interface Section {
  id: string
  heading: string
  intro: string[]
  chart: { caption: string; items: BarInput[] } | null
  head: { text: string; numeric?: boolean }[]
  rows: Cell[][]
  empty: string
  notes: string[]
}

export function presentReport(r: AccountabilityReport, t: TFunction, lang: string): Section[] {
  const nf = new Intl.NumberFormat(lang)
  const hidden = t('programme.hidden')
  const count = (n: number | null): Cell => ({ text: n === null ? hidden : nf.format(n), raw: n, numeric: true })
  const money = (p: number): Cell => ({ text: formatPence(p), raw: p, numeric: true })
  const text = (s: string): Cell => ({ text: s, raw: s })
  const bar = (label: string, n: number | null): BarInput => ({
    label,
    value: n,
    display: n === null ? hidden : nf.format(n),
  })
  const status = (s: string) => t(`programme.status.${s}`, { defaultValue: s })

  const themes: Section = {
    id: 'themes',
    heading: t('programme.themes.heading'),
    intro: [t('programme.themes.intro')],
    chart: { caption: t('programme.themes.chart'), items: r.themes.map((x) => bar(x.name, x.responses)) },
    head: [
      { text: t('programme.themes.theme') },
      { text: t('programme.themes.responses'), numeric: true },
      { text: t('programme.themes.ideas'), numeric: true },
    ],
    rows: r.themes.map((x) => [text(x.name), count(x.responses), count(x.ideas)]),
    empty: t('programme.themes.none'),
    notes: [],
  }

  const said: Section = {
    id: 'said',
    heading: t('programme.said.heading'),
    intro: [
      r.voices.responses === null
        ? t('programme.said.introHidden', { consultations: nf.format(r.voices.consultations) })
        : t('programme.said.intro', {
            responses: nf.format(r.voices.responses),
            consultations: nf.format(r.voices.consultations),
          }),
    ],
    chart: {
      caption: t('programme.said.chart'),
      items: r.voices.byChannel.map((c) => bar(t(`engagement.channels.${c.channel}`), c.responses)),
    },
    head: [{ text: t('programme.said.channel') }, { text: t('programme.said.responses'), numeric: true }],
    rows: r.voices.byChannel.map((c) => [text(t(`engagement.channels.${c.channel}`)), count(c.responses)]),
    empty: t('programme.said.none'),
    notes: [],
  }

  const flagged = r.reach.groups.filter((g) => g.flagged && !g.hidden)
  const heard: Section = {
    id: 'heard',
    heading: t('programme.heard.heading'),
    intro: [
      r.reach.heard === null
        ? t('programme.heard.introHidden')
        : t('programme.heard.intro', { heard: nf.format(r.reach.heard) }),
    ],
    chart: {
      caption: t('programme.heard.chart'),
      items: r.reach.areas.map((a) => ({
        label: a.name,
        value: a.ratePer1000,
        display: a.ratePer1000 === null ? hidden : nf.format(a.ratePer1000),
      })),
    },
    head: [
      { text: t('programme.heard.area') },
      { text: t('programme.heard.residents'), numeric: true },
      { text: t('programme.heard.heard'), numeric: true },
      { text: t('programme.heard.rate'), numeric: true },
    ],
    rows: r.reach.areas.map((a) => [
      text(a.name),
      count(a.residents),
      count(a.heard),
      { text: a.ratePer1000 === null ? hidden : nf.format(a.ratePer1000), raw: a.ratePer1000, numeric: true },
    ]),
    empty: t('programme.heard.none'),
    notes:
      flagged.length > 0
        ? [
            t('programme.heard.flagged', {
              groups: flagged.map((g) => `${g.category} (${nf.format(g.ratio ?? 0)})`).join('; '),
            }),
          ]
        : [],
  }

  const priorities: Section = {
    id: 'priorities',
    heading: t('programme.priorities.heading'),
    intro: [t('programme.priorities.intro')],
    chart: null,
    head: [
      { text: t('programme.priorities.round') },
      { text: t('programme.priorities.priority') },
      { text: t('programme.priorities.theme') },
      { text: t('programme.priorities.cost'), numeric: true },
    ],
    rows: r.priorities.map((p) => [text(p.roundTitle), text(p.title), text(p.theme), money(p.costPence)]),
    empty: t('programme.priorities.none'),
    notes: [],
  }

  const f = r.fund.totals
  const fund: Section = {
    id: 'fund',
    heading: t('programme.fund.heading'),
    intro:
      r.fund.funds.length === 0
        ? []
        : [
            t('programme.fund.intro', {
              funds: r.fund.funds.map((x) => `${x.name} (${x.financialYear})`).join(', '),
              pledged: formatPence(f.pledgedPence),
              committed: formatPence(f.committedPence),
              paid: formatPence(f.paidPence),
            }),
          ],
    chart: {
      caption: t('programme.fund.chart'),
      items: r.fund.byPartner.map((p) => ({
        label: p.partnerName,
        value: p.pledgedPence,
        display: formatPence(p.pledgedPence),
      })),
    },
    head: [
      { text: t('programme.fund.partner') },
      { text: t('programme.fund.kind') },
      { text: t('programme.fund.pledged'), numeric: true },
      { text: t('programme.fund.received'), numeric: true },
      { text: t('programme.fund.committed'), numeric: true },
      { text: t('programme.fund.paid'), numeric: true },
    ],
    rows: r.fund.byPartner.map((p) => [
      text(p.partnerName),
      text(t(`ledger.kinds.${p.kind}`, { defaultValue: p.kind })),
      money(p.pledgedPence),
      money(p.receivedPence),
      money(p.committedPence),
      money(p.paidPence),
    ]),
    empty: t('programme.fund.none'),
    notes: [],
  }

  const services: Section = {
    id: 'services',
    heading: t('programme.services.heading'),
    intro: [t('programme.services.intro')],
    // Progress of tracked services: the percentage is written beside each bar (and RAG is a word in the table).
    chart: r.services.some((x) => x.progress !== null)
      ? {
          caption: t('programme.services.chart'),
          items: r.services
            .filter((x) => x.progress !== null)
            .map((x) => ({ label: x.title, value: x.progress, display: `${nf.format(x.progress ?? 0)}%` })),
        }
      : null,
    head: [
      { text: t('programme.services.service') },
      { text: t('programme.services.status') },
      { text: t('programme.services.progress'), numeric: true },
      { text: t('programme.services.provider') },
      { text: t('programme.services.value'), numeric: true },
      { text: t('programme.services.committed'), numeric: true },
      { text: t('programme.services.paid'), numeric: true },
    ],
    rows: r.services.map((x) => [
      text(x.parentServiceId === null ? x.title : `– ${x.title}`),
      {
        text: x.rag ? `${status(x.status)} (${t(`programme.rag.${x.rag}`)})` : status(x.status),
        raw: x.rag ? `${x.status} (${x.rag})` : x.status,
      },
      x.progress === null ? text('') : { text: `${nf.format(x.progress)}%`, raw: x.progress, numeric: true },
      text(x.providerName ?? ''),
      x.contractValuePence === null ? text('') : money(x.contractValuePence),
      money(x.spend.committedPence),
      money(x.spend.paidPence),
    ]),
    empty: t('programme.services.none'),
    notes: r.services.flatMap((x) =>
      x.kpis.length > 0
        ? [
            t('programme.services.kpis', {
              service: x.title,
              kpis: x.kpis
                .map((k) =>
                  k.latest === null
                    ? t('programme.services.kpiTarget', {
                        name: k.name,
                        target: `${k.target}${k.unit ? ` ${k.unit}` : ''}`,
                      })
                    : t('programme.services.kpiLatest', {
                        name: k.name,
                        target: `${k.target}${k.unit ? ` ${k.unit}` : ''}`,
                        latest: nf.format(k.latest),
                      }),
                )
                .join('; '),
            }),
          ]
        : [],
    ),
  }

  return [themes, said, heard, priorities, fund, services]
}

export function sectionsToCsv(sections: readonly Section[]): CsvSection[] {
  return sections.map((s) => ({
    title: s.heading,
    head: s.head.map((h) => h.text),
    rows: s.rows.map((row) => row.map((c) => c.raw)),
  }))
}
