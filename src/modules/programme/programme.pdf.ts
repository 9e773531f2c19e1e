import type { TFunction } from 'i18next'
import type { PdfBlock, PdfDocument } from '../../platform/files/index.js'
import { formatDate } from '../../platform/i18n/index.js'
import type { Section } from './programme.present.js'
import type { AccountabilityReport } from './programme.service.js'

/** The councillors' and partner boards' report: the same sections as the page, as PDF blocks in the reader's language. */
export function programmePdf(
  r: AccountabilityReport,
  sections: readonly Section[],
  t: TFunction,
  lang: string,
): PdfDocument {
  const blocks: PdfBlock[] = [
    { kind: 'paragraph', text: t('programme.pdf.generated', { date: formatDate(r.generatedAt, lang) }) },
    { kind: 'paragraph', text: t('programme.disclosure') },
  ]
  for (const s of sections) {
    blocks.push({ kind: 'heading', text: s.heading, level: 2 })
    for (const p of s.intro) blocks.push({ kind: 'paragraph', text: p })
    if (s.rows.length === 0) {
      blocks.push({ kind: 'paragraph', text: s.empty })
      continue
    }
    // A chart only where it has something to compare; its figures are printed beside each bar and in the table.
    if (s.chart && s.chart.items.some((i) => (i.value ?? 0) > 0))
      blocks.push({
        kind: 'bars',
        caption: s.chart.caption,
        items: s.chart.items.map((i) => ({ label: i.label, value: i.value ?? 0, display: i.display })),
      })
    blocks.push({
      kind: 'table',
      head: s.head.map((h) => h.text),
      rows: s.rows.map((row) => row.map((c) => c.text)),
      // Right-aligned text that mixes font subsets (Polish letters, Korean) is misplaced by the PDF renderer (runs
      // set with `continued` do not align as one line), so such columns stay left-aligned.
      align: s.head.map((h) => (h.numeric && /^[\x20-\x7e£]*$/.test(h.text) ? 'right' : 'left')),
    })
    if (s.notes.length > 0) blocks.push({ kind: 'bullets', items: s.notes })
  }
  return {
    title: t('programme.pdf.title', { programme: r.ward.programmeName }),
    subtitle: t('programme.pdf.subtitle', { ward: r.ward.name, code: r.ward.code }),
    lang,
    blocks,
  }
}
