/**
 * The notification pipeline: channels, silences, the dispatcher (group → wait → dedup →
 * enqueue), the sender (deliver → retry → dead-letter), notifiers and the SSRF guard.
 */
export {
  CHANNEL_TYPES,
  type ChannelBase,
  type ChannelConfig,
  type ChannelType,
  type EmailChannelConfig,
  type ScalingChannelConfig,
  SECRET_PLACEHOLDER,
  type SlackChannelConfig,
  type WebhookChannelConfig,
  channelSecrets,
  parseChannelConfig,
  redactChannel,
} from './channels.js';
export { type DirectMessageInput, Dispatcher, type DispatcherOptions, createDirectMessage, groupKeyOf, notificationId } from './dispatcher.js';
export { type GuardedPostOptions, type HttpResponse, TransportError, classifyStatus, guardedPost, parseRetryAfter } from './http-transport.js';
export { MemoryNotificationStore } from './memory-store.js';
export {
  type EmailTransportOptions,
  type HttpNotifierOptions,
  type Notifier,
  type NotifierOptions,
  type NotifyContext,
  createEmailNotifier,
  createNotifiers,
  createScalingNotifier,
  createSlackNotifier,
  createWebhookNotifier,
  signBody,
} from './notifiers.js';
export { type WebhookAlert, type WebhookPayload, ZERO_TIME, emailBodies, emailSubject, slackMessage, webhookPayload } from './render.js';
export { type DeliveryOutcome, type RunResult, Sender, type SenderOptions } from './sender.js';
export {
  MAX_MATCHER_REGEX_LENGTH,
  type MatcherType,
  type ParseSilenceOptions,
  type Silence,
  type SilenceMatcher,
  isSilenced,
  matches,
  parseSilence,
  silenceStatus,
} from './silences.js';
export { BlockedDestinationError, type GuardLookup, type SsrfGuard, type SsrfGuardOptions, createSsrfGuard } from './ssrf.js';
export type { AlertSnapshot, NotificationLogEntry, NotificationLogRow, NotificationStore, NotifiedAlert, OutboxMessage, OutboxRow, SendResult } from './types.js';
