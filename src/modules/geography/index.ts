export {
  buildGeographyPack,
  parseGeographyPack,
  GeographyPackSchema,
  type GeographyPack,
  type GeographyFiles,
} from './geography-pack.js'
export { importGeographyPack, lookupPostcode, type ImportSummary, type PostcodeLookup } from './geography.service.js'
export {
  findPostcodePoint,
  findPostcodePoints,
  listWardBoundaries,
  listWardPostcodes,
  listWardAreas,
  countAreasByWard,
  listWardFigures,
  listAreaFigures,
  listWardFigureSources,
  type SmallArea,
  type WardFigure,
  type AreaFigure,
} from './geography.repository.js'
export {
  CENSUS_TABLES,
  readCensusTable,
  readReferenceCsv,
  writeReferenceCsv,
  referenceFigures,
  type ReferenceFigure,
  type ReferenceTable,
  type Universe,
} from './census-readers.js'
export { geographyMigrations } from './geography.migrations.js'
export { ImportFormatError, imdDecile, normalisePostcode, readPostcodes } from './ons-readers.js'
export { containsPoint, centroidOf, simplifyGeometry, bboxOf, type AreaGeometry } from './geojson.js'
