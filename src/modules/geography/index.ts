export {
  buildGeographyPack,
  parseGeographyPack,
  GeographyPackSchema,
  type GeographyPack,
  type GeographyFiles,
} from './geography-pack.js'
export { importGeographyPack, lookupPostcode, type ImportSummary, type PostcodeLookup } from './geography.service.js'
export { listWardAreas, countAreasByWard, type SmallArea } from './geography.repository.js'
export { geographyMigrations } from './geography.migrations.js'
export { ImportFormatError, imdDecile, normalisePostcode } from './ons-readers.js'
export { containsPoint, centroidOf, simplifyGeometry, bboxOf, type AreaGeometry } from './geojson.js'
