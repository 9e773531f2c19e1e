import { createRequire } from 'node:module'
import path from 'node:path'
import PDFDocument from 'pdfkit'

/**
 * PDF reports for councillors and partner boards. pdfkit's built-in fonts only cover Windows-1252, which garbles
 * Polish (and Welsh) and has no Korean at all, so we embed Noto Sans from npm packages: the Latin, Latin-extended
 * and Korean subsets are separate files, and every run of text is set in the subset that holds its characters.
 */
export type PdfBlock =
  | { kind: 'heading'; text: string; level: 1 | 2 | 3 }
  | { kind: 'paragraph'; text: string }
  | { kind: 'bullets'; items: string[] }
  | { kind: 'table'; head: string[]; rows: string[][]; align?: ('left' | 'right')[] }
  | { kind: 'bars'; caption: string; items: { label: string; value: number; display: string }[] }
  | { kind: 'pageBreak' }

export interface PdfDocument {
  title: string
  /** BCP 47 language of the text, written into the PDF catalogue for screen readers. */
  lang: string
  subtitle?: string
  blocks: PdfBlock[]
}

type Script = 'latin' | 'latinExt' | 'korean'
type Weight = 'regular' | 'bold'

const require = createRequire(import.meta.url)
const notoDir = path.join(path.dirname(require.resolve('@fontsource/noto-sans/package.json')), 'files')
const krDir = path.join(path.dirname(require.resolve('@openfonts/noto-sans-kr_korean/package.json')), 'files')

const FONT_FILES: Record<`${Script}-${Weight}`, string> = {
  'latin-regular': path.join(notoDir, 'noto-sans-latin-400-normal.woff'),
  'latin-bold': path.join(notoDir, 'noto-sans-latin-700-normal.woff'),
  'latinExt-regular': path.join(notoDir, 'noto-sans-latin-ext-400-normal.woff'),
  'latinExt-bold': path.join(notoDir, 'noto-sans-latin-ext-700-normal.woff'),
  'korean-regular': path.join(krDir, 'noto-sans-kr-korean-400.woff'),
  'korean-bold': path.join(krDir, 'noto-sans-kr-korean-700.woff'),
}

/** Which subset holds a code point (the ranges are the subsets' own unicode-range declarations). */
export function scriptOf(cp: number): Script {
  if (
    (cp >= 0x1100 && cp <= 0x11ff) ||
    (cp >= 0x3000 && cp <= 0x303f) ||
    (cp >= 0x3130 && cp <= 0x318f) ||
    (cp >= 0xa960 && cp <= 0xa97f) ||
    (cp >= 0xac00 && cp <= 0xd7af) ||
    (cp >= 0xd7b0 && cp <= 0xd7ff) ||
    (cp >= 0xff00 && cp <= 0xffef)
  )
    return 'korean'
  if ((cp >= 0x0100 && cp <= 0x02ba) || (cp >= 0x1e00 && cp <= 0x1eff) || (cp >= 0x2c60 && cp <= 0x2c7f))
    return 'latinExt'
  return 'latin'
}

/** Splits text into runs that one font subset can set. Spaces join the run they are in. */
export function splitRuns(text: string): { script: Script; text: string }[] {
  const runs: { script: Script; text: string }[] = []
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0x20
    const last = runs[runs.length - 1]
    const script = cp === 0x20 && last ? last.script : scriptOf(cp)
    if (last && last.script === script) last.text += ch
    else runs.push({ script, text: ch })
  }
  return runs
}

const MARGIN = 56
const COLOURS = { text: '#0b0c0c', secondary: '#505a5f', rule: '#b1b4b6', bar: '#1d70b8', headBg: '#f3f2f1' }
const SIZES = { 1: 22, 2: 16, 3: 13 } as const

type Doc = InstanceType<typeof PDFDocument>

function setFont(doc: Doc, script: Script, weight: Weight): void {
  doc.font(`${script}-${weight}`)
}

interface TextOptions {
  weight?: Weight
  size?: number
  color?: string
  width?: number
  align?: 'left' | 'right'
  x?: number
  y?: number
  indent?: number
}

/** Writes text in mixed scripts as one wrapped paragraph (pdfkit's `continued` keeps the runs in one line box). */
function writeRuns(doc: Doc, text: string, o: TextOptions = {}): void {
  const runs = splitRuns(text === '' ? ' ' : text)
  doc.fontSize(o.size ?? 11).fillColor(o.color ?? COLOURS.text)
  // pdfkit aligns each `continued` run on its own, so right-aligned text in several subsets would scatter: when it
  // fits on one line, measure the runs and set them side by side from the computed start instead.
  if (o.align === 'right' && runs.length > 1 && o.width !== undefined && o.x !== undefined && o.y !== undefined) {
    const widths = runs.map((run) => {
      setFont(doc, run.script, o.weight ?? 'regular')
      return doc.widthOfString(run.text)
    })
    const total = widths.reduce((a, b) => a + b, 0)
    if (total <= o.width) {
      let x = o.x + o.width - total
      runs.forEach((run, i) => {
        setFont(doc, run.script, o.weight ?? 'regular')
        doc.text(run.text, x, o.y, { lineBreak: false })
        x += widths[i] ?? 0
      })
      return
    }
  }
  runs.forEach((run, i) => {
    setFont(doc, run.script, o.weight ?? 'regular')
    const options = { width: o.width, align: o.align, continued: i < runs.length - 1, indent: i === 0 ? o.indent : 0 }
    if (i === 0 && o.x !== undefined && o.y !== undefined) doc.text(run.text, o.x, o.y, options)
    else doc.text(run.text, options)
  })
}

function dominantScript(text: string): Script {
  return splitRuns(text).some((r) => r.script === 'korean') ? 'korean' : 'latin'
}

function heightOf(doc: Doc, text: string, width: number, size: number, weight: Weight = 'regular'): number {
  setFont(doc, dominantScript(text), weight)
  doc.fontSize(size)
  return doc.heightOfString(text === '' ? ' ' : text, { width })
}

function ensureSpace(doc: Doc, needed: number): void {
  if (doc.y + needed > doc.page.height - MARGIN) doc.addPage()
}

function drawTable(doc: Doc, block: Extract<PdfBlock, { kind: 'table' }>): void {
  const width = doc.page.width - MARGIN * 2
  const columns = Math.max(1, block.head.length)
  const colWidth = width / columns
  const pad = 4
  const size = 9.5
  const drawRow = (cells: string[], header: boolean) => {
    const heights = cells.map((c) => heightOf(doc, c, colWidth - pad * 2, size, header ? 'bold' : 'regular'))
    const rowHeight = Math.max(...heights, size) + pad * 2
    if (doc.y + rowHeight > doc.page.height - MARGIN) {
      doc.addPage()
      if (!header) drawRow(block.head, true)
    }
    const top = doc.y
    if (header) doc.rect(MARGIN, top, width, rowHeight).fill(COLOURS.headBg)
    cells.forEach((cell, i) => {
      writeRuns(doc, cell, {
        x: MARGIN + i * colWidth + pad,
        y: top + pad,
        width: colWidth - pad * 2,
        size,
        weight: header ? 'bold' : 'regular',
        align: block.align?.[i] ?? 'left',
      })
    })
    doc
      .moveTo(MARGIN, top + rowHeight)
      .lineTo(MARGIN + width, top + rowHeight)
      .lineWidth(0.5)
      .strokeColor(COLOURS.rule)
      .stroke()
    doc.x = MARGIN
    doc.y = top + rowHeight
  }
  drawRow(block.head, true)
  for (const row of block.rows)
    drawRow(
      block.head.map((_, i) => row[i] ?? ''),
      false,
    )
  doc.moveDown(0.8)
}

function drawBars(doc: Doc, block: Extract<PdfBlock, { kind: 'bars' }>): void {
  const width = doc.page.width - MARGIN * 2
  const labelWidth = width * 0.35
  const valueWidth = width * 0.15
  const barMax = width - labelWidth - valueWidth - 12
  const max = Math.max(1, ...block.items.map((i) => i.value))
  ensureSpace(doc, 40)
  writeRuns(doc, block.caption, { weight: 'bold', size: 11 })
  doc.moveDown(0.3)
  for (const item of block.items) {
    const h = Math.max(heightOf(doc, item.label, labelWidth - 6, 9.5), 14)
    ensureSpace(doc, h + 6)
    const top = doc.y
    writeRuns(doc, item.label, { x: MARGIN, y: top, width: labelWidth - 6, size: 9.5 })
    const barWidth = Math.max(0, (Math.max(0, item.value) / max) * barMax)
    if (barWidth > 0) doc.rect(MARGIN + labelWidth, top + 1, barWidth, 10).fill(COLOURS.bar)
    writeRuns(doc, item.display, { x: MARGIN + labelWidth + barWidth + 6, y: top, width: valueWidth, size: 9.5 })
    doc.x = MARGIN
    doc.y = top + h + 4
  }
  doc.moveDown(0.8)
}

export async function renderPdf(input: PdfDocument): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: true,
    lang: input.lang,
    displayTitle: true,
    info: { Title: input.title, Creator: 'Working Together', Producer: 'Working Together' },
  })
  for (const [name, file] of Object.entries(FONT_FILES)) doc.registerFont(name, file)
  const chunks: Buffer[] = []
  doc.on('data', (c: Buffer) => chunks.push(c))
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)))
    doc.on('error', reject)
  })

  writeRuns(doc, input.title, { weight: 'bold', size: 24 })
  if (input.subtitle) writeRuns(doc, input.subtitle, { size: 12, color: COLOURS.secondary })
  doc.moveDown(1)

  for (const block of input.blocks) {
    switch (block.kind) {
      case 'heading':
        ensureSpace(doc, SIZES[block.level] * 3)
        doc.moveDown(0.4)
        writeRuns(doc, block.text, { weight: 'bold', size: SIZES[block.level] })
        doc.moveDown(0.3)
        break
      case 'paragraph':
        writeRuns(doc, block.text, { size: 11 })
        doc.moveDown(0.6)
        break
      case 'bullets':
        for (const item of block.items) {
          ensureSpace(doc, 16)
          writeRuns(doc, `•  ${item}`, { size: 11 })
          doc.moveDown(0.2)
        }
        doc.moveDown(0.5)
        break
      case 'table':
        drawTable(doc, block)
        break
      case 'bars':
        drawBars(doc, block)
        break
      case 'pageBreak':
        doc.addPage()
        break
    }
  }

  // Page numbers, written once the page count is known.
  const range = doc.bufferedPageRange()
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i)
    const footer = `${input.title} · ${i + 1} / ${range.count}`
    // Writing below the bottom margin would start a new page; lift the margin for the footer line.
    const bottom = doc.page.margins.bottom
    doc.page.margins.bottom = 0
    writeRuns(doc, footer, {
      x: MARGIN,
      y: doc.page.height - MARGIN + 16,
      width: doc.page.width - MARGIN * 2,
      size: 8,
      color: COLOURS.secondary,
    })
    doc.page.margins.bottom = bottom
  }
  doc.end()
  return done
}
