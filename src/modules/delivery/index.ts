export { deliveryMigrations } from './delivery.migrations.js'
export { deliveryPermissions } from './delivery.permissions.js'
export { registerDeliveryRoutes, type DeliveryDeps } from './delivery.routes.js'
export { seedDeliveryDemo } from './delivery.seed.js'
export {
  listWardDelivery,
  getServiceDelivery,
  buildWardDelivery,
  type ServiceDeliverySummary,
} from './delivery.service.js'
export type { DeliveryStatus, Rag } from './delivery.rules.js'
export { exportDeliveryPersonalData, eraseDeliveryPersonalData } from './delivery.personal-data.js'
