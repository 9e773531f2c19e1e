export { filesMigrations } from './files.migrations.js'
export { FILE_KINDS, MEDIA_TYPES, sniffFileKind, safeFilename, type FileKind } from './sniff.js'
export {
  readMultipart,
  saveFile,
  listFiles,
  getFile,
  sendFile,
  MULTIPART_LIMITS,
  type UploadPolicy,
  type UploadedFile,
  type MultipartForm,
  type StoredFileInfo,
} from './uploads.js'
export { renderPdf, type PdfBlock, type PdfDocument } from './pdf.js'
export { csvCell, csvLine, CsvQuoteError, readCsvRows, sheetText, toCsv, type CsvRow, type SheetValue } from './csv.js'
