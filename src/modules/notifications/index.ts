export { registerNotificationsRoutes } from './notifications.routes.js'
export { notificationsMigrations } from './notifications.migrations.js'
export { notificationsPermissions } from './notifications.permissions.js'
export {
  sendNotification,
  sendOutcomeNotification,
  mailText,
  unsubscribeUrl,
  type Notification,
  type NotificationResult,
  type NotifyContext,
} from './notifications.service.js'
export { NOTIFICATION_KINDS, type NotificationKind } from './notifications.rules.js'
export { setPreference as setNotificationPreference } from './notifications.repository.js'
export { exportNotificationsPersonalData, eraseNotificationsPersonalData } from './notifications.personal-data.js'
