export { registerNotificationsRoutes } from './notifications.routes.js'
export { notificationsMigrations } from './notifications.migrations.js'
export { notificationsPermissions } from './notifications.permissions.js'
export {
  sendNotification,
  sendOutcomeNotification,
  mailText,
  unsubscribeUrl,
  recipientLanguage,
  sendContactOutcome,
  type MailString,
  type MailWords,
  type Notification,
  type NotificationResult,
  type NotifyContext,
} from './notifications.service.js'
export { NOTIFICATION_KINDS, readOutcomeOptIn, type NotificationKind } from './notifications.rules.js'
export { setPreference as setNotificationPreference } from './notifications.repository.js'
export {
  exportNotificationsPersonalData,
  eraseNotificationsPersonalData,
  purgeNotificationsExpired,
} from './notifications.personal-data.js'
export { insertOutcomeContact, listOutcomeContacts, type OutcomeContact } from './notifications.repository.js'
