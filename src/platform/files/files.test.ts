import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import ExcelJS from 'exceljs'
import { buildApp } from '../../app.js'
import { testDatabases } from '../../../test/support/databases.js'
import { Client, testConfig } from '../../../test/support/test-app.js'
import { splitRuns as splitRunsForTest } from './pdf.js'
import {
  getFile,
  listFiles,
  readMultipart,
  renderPdf,
  saveFile,
  sendFile,
  sniffFileKind,
  safeFilename,
} from './index.js'

/** A ZIP with stored (uncompressed) entries, enough to exercise the central-directory reader. */
function storedZip(entries: { name: string; content: string }[]): Buffer {
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const e of entries) {
    const name = Buffer.from(e.name)
    const data = Buffer.from(e.content)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt32LE(data.length, 18)
    local.writeUInt32LE(data.length, 22)
    local.writeUInt16LE(name.length, 26)
    locals.push(local, name, data)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt32LE(data.length, 20)
    central.writeUInt32LE(data.length, 24)
    central.writeUInt16LE(name.length, 28)
    central.writeUInt32LE(offset, 42)
    centrals.push(central, name)
    offset += 30 + name.length + data.length
  }
  const cd = Buffer.concat(centrals)
  const eocd = Buffer.alloc(22)
  eocd.writeUInt32LE(0x06054b50, 0)
  eocd.writeUInt16LE(entries.length, 8)
  eocd.writeUInt16LE(entries.length, 10)
  eocd.writeUInt32LE(cd.length, 12)
  eocd.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, cd, eocd])
}

const PDF = Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n')
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex')
const EXE = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(64), Buffer.from('This program cannot be run in DOS mode')])

describe('sniffFileKind (magic bytes, never the name)', () => {
  it('recognises each allowed kind from its content', async () => {
    assert.equal(sniffFileKind(PDF, 'x.docx'), 'pdf')
    assert.equal(sniffFileKind(PNG, 'x.pdf'), 'png')
    assert.equal(sniffFileKind(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]), 'a.png'), 'jpeg')
    const docx = storedZip([
      { name: '[Content_Types].xml', content: '<Types/>' },
      { name: 'word/document.xml', content: '<w:document/>' },
    ])
    assert.equal(sniffFileKind(docx, 'bid.pdf'), 'docx')
    const wb = new ExcelJS.Workbook()
    wb.addWorksheet('Sheet').addRow(['a', 1])
    const xlsx = Buffer.from(await wb.xlsx.writeBuffer())
    assert.equal(sniffFileKind(xlsx, 'scores.xlsx'), 'xlsx')
    const odt = storedZip([
      { name: 'mimetype', content: 'application/vnd.oasis.opendocument.text' },
      { name: 'content.xml', content: '<office:document-content/>' },
    ])
    assert.equal(sniffFileKind(odt, 'bid.odt'), 'odt')
    assert.equal(sniffFileKind(Buffer.from('ward,count\nE05013941,12\n'), 'counts.csv'), 'csv')
    assert.equal(sniffFileKind(Buffer.from('Notes from the event\n'), 'notes.txt'), 'txt')
  })

  it('rejects executables, unknown ZIPs, UTF-16 text and empty files whatever they are called', () => {
    assert.equal(sniffFileKind(EXE, 'method-statement.pdf'), undefined)
    assert.equal(sniffFileKind(storedZip([{ name: 'payload.js', content: 'x' }]), 'bid.docx'), undefined)
    assert.equal(sniffFileKind(Buffer.from('\ufeffa,b\n', 'utf16le'), 'a.csv'), undefined)
    assert.equal(sniffFileKind(Buffer.alloc(0), 'a.txt'), undefined)
    assert.equal(sniffFileKind(Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]), 'a.docx'), undefined)
  })

  it('never throws on arbitrary bytes, and binary with NUL is never text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.string(), (bytes, name) => {
        const kind = sniffFileKind(Buffer.from(bytes), name)
        if (bytes.includes(0) && (kind === 'csv' || kind === 'txt')) return false
        return true
      }),
      { numRuns: 2000 },
    )
  })

  it('makes any name safe for Content-Disposition', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (name) => {
        const safe = safeFilename(name)
        return safe.length > 0 && safe.length <= 150 && !/[\\/\u0000-\u001f"]/.test(safe) && safe !== '..'
      }),
      { numRuns: 2000 },
    )
    assert.equal(safeFilename('../../etc/passwd'), 'passwd')
    assert.equal(safeFilename('C:\\Users\\bid "final".pdf'), 'bid final.pdf')
  })
})

for (const kind of await testDatabases()) {
  describe(`uploads through the app (${kind.dialect})`, () => {
    it('checks CSRF on multipart forms, applies the policy and stores and serves files', async () => {
      const testDb = await kind.create()
      // The routes close over `built`; they only run after it is assigned.
      const built = await buildApp(testConfig(testDb), {
        db: testDb,
        logger: false,
        beforeReady(app) {
          app.get('/__test/upload', { config: { access: { permission: 'public' } } }, async (req, reply) => {
            const session = await built.sessions.ensure(req, reply)
            return reply.type('text/html').send(`<input name="_csrf" value="${session.csrfToken}">`)
          })
          app.post('/__test/upload', { config: { access: { permission: 'public' } } }, async (req, reply) => {
            const form = await readMultipart(req, { maxBytes: 1024, maxFiles: 2, kinds: ['pdf', 'png'] })
            if (form.errors.length > 0) return reply.code(400).send({ errors: form.errors, fields: form.fields })
            const ids: number[] = []
            for (const f of form.files)
              ids.push(await saveFile(testDb.db, f, { ownerKind: 'test', ownerId: 7, wardId: null, uploadedBy: null }))
            return reply.send({ ids, fields: form.fields })
          })
          app.get('/__test/file/:id', { config: { access: { permission: 'public' } } }, async (req, reply) => {
            const file = await getFile(testDb.db, Number((req.params as { id: string }).id))
            return file ? sendFile(reply, file) : reply.code(404).send()
          })
        },
      })
      try {
        const c = new Client(built)
        const noToken = await c.postMultipart('/__test/upload', { _csrf: null, note: 'x' }, [
          { field: 'doc', filename: 'a.pdf', content: PDF },
        ])
        assert.equal(noToken.statusCode, 403)
        assert.equal(noToken.headers['x-csrf-rejected'], '1')

        await c.get('/__test/upload')
        assert.ok(c.csrf, 'a session and token were issued')
        const ok = await c.postMultipart('/__test/upload', { note: 'Quarter 2 evidence', tags: ['a', 'b'] }, [
          { field: 'doc', filename: 'evidence.pdf', content: PDF, type: 'application/pdf' },
          { field: 'photo', filename: 'C:\\fakepath\\photo.png', content: PNG, type: 'image/png' },
          { field: 'empty', filename: '', content: Buffer.alloc(0) },
        ])
        assert.equal(ok.statusCode, 200, ok.body)
        const saved = ok.json() as { ids: number[]; fields: Record<string, unknown> }
        assert.equal(saved.ids.length, 2)
        assert.equal(saved.fields.note, 'Quarter 2 evidence')
        assert.deepEqual(saved.fields.tags, ['a', 'b'])

        const listed = await listFiles(testDb.db, 'test', 7)
        assert.deepEqual(
          listed.map((f) => [f.filename, f.kind, f.size]),
          [
            ['evidence.pdf', 'pdf', PDF.length],
            ['photo.png', 'png', PNG.length],
          ],
        )
        const download = await c.get(`/__test/file/${saved.ids[0]}`)
        assert.equal(download.statusCode, 200)
        assert.equal(download.headers['content-type'], 'application/pdf')
        assert.match(String(download.headers['content-disposition']), /^attachment; filename="evidence.pdf"/)
        assert.equal(download.headers['x-content-type-options'], 'nosniff')
        assert.deepEqual(download.rawPayload, PDF)

        const renamedExe = await c.postMultipart('/__test/upload', {}, [
          { field: 'doc', filename: 'method.pdf', content: EXE, type: 'application/pdf' },
        ])
        assert.equal(renamedExe.statusCode, 400)
        assert.match(renamedExe.body, /must be a PDF, PNG/)
        const tooBig = await c.postMultipart('/__test/upload', {}, [
          { field: 'doc', filename: 'big.pdf', content: Buffer.concat([PDF, Buffer.alloc(2048, 0x20)]) },
        ])
        assert.equal(tooBig.statusCode, 400)
        assert.match(tooBig.body, /must be smaller than 1 KB/)
        const tooMany = await c.postMultipart('/__test/upload', {}, [
          { field: 'a', filename: 'a.pdf', content: PDF },
          { field: 'b', filename: 'b.pdf', content: PDF },
          { field: 'c', filename: 'c.pdf', content: PDF },
        ])
        assert.equal(tooMany.statusCode, 400)
        assert.match(tooMany.body, /up to 2 files/)
        // Nothing from the rejected posts was stored.
        assert.equal((await listFiles(testDb.db, 'test', 7)).length, 2)
      } finally {
        await built.close()
        await testDb.dispose()
      }
    })
  })
}

function pdftotext(pdf: Buffer): string | undefined {
  try {
    return execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf }).toString('utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && process.env.CI !== 'true') return undefined
    throw e
  }
}

describe('renderPdf', () => {
  it('splits mixed text into runs each font subset can set', () => {
    assert.deepEqual(
      splitRunsForTest('Łódź 노비턴 ok').map((r) => r.script),
      ['latinExt', 'latin', 'latinExt', 'korean', 'latin'],
    )
  })

  it('renders English, Polish and Korean text that a PDF reader extracts back', async () => {
    const pdf = await renderPdf({
      title: 'One Norbiton Working Together',
      lang: 'pl',
      subtitle: 'Sprawozdanie — 노비턴 보고서',
      blocks: [
        { kind: 'heading', text: 'Zażółć gęślą jaźń', level: 2 },
        { kind: 'paragraph', text: 'Mieszkańcy zgłosili 1 250 odpowiedzi. 주민 의견 1,250건.' },
        { kind: 'bullets', items: ['Employment and Skills', '가족과 삶의 기회'] },
        {
          kind: 'table',
          head: ['Partner', 'Wpłacono (£)'],
          rows: [
            ['Kingston Council', '£120,000'],
            ['NHS South West London', '£45,500'],
          ],
          align: ['left', 'right'],
        },
        {
          kind: 'bars',
          caption: 'People heard by theme',
          items: [
            { label: 'Place and Delivery', value: 40, display: '40' },
            { label: '재정 지원', value: 15, display: '15' },
          ],
        },
        ...Array.from({ length: 60 }, (_, i) => ({ kind: 'paragraph' as const, text: `Wiersz ${i + 1} — ż` })),
      ],
    })
    assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-')
    const text = pdftotext(pdf)
    if (text === undefined) return
    for (const expected of [
      'Zażółć gęślą jaźń',
      '노비턴 보고서',
      '가족과 삶의 기회',
      'NHS South West London',
      '£45,500',
      '재정 지원',
      'Wiersz 60 — ż',
    ])
      assert.ok(text.includes(expected), `PDF text lacks ${expected}`)
    assert.match(text, /One Norbiton Working Together · 2 \/ \d/)
  })
})
