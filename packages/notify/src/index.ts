export {
  type Channel,
  type ChannelConfig,
  type ChannelConfigInput,
  type ChannelConfigPatch,
  channelConfigPatchSchema,
  channelConfigSchema,
  channelEventsSchema,
  type EmailChannelConfig,
  maskChatUrl,
  mergeChannelConfig,
  type RedactedChannelConfig,
  redactChannelConfig,
  redactedChannelConfigSchema,
  wantsEvent,
} from "./channels.ts";
export {
  formatDuration,
  type NotificationEvent,
  type NotificationKind,
  notificationEventSchema,
  notificationKinds,
  type RenderedEvent,
  renderEvent,
} from "./events.ts";
export { notifyMigrations } from "./migrations.ts";
export { createNotifier, type DeliveryRecord, type Notifier, type NotifierOptions } from "./notifier.ts";
export { discordBody, slackBody, type WebhookBody, webhookBody } from "./payloads.ts";
export { backoffDelay, type DeliveryResult, defaultRetryPolicy, type RetryPolicy } from "./retry.ts";
export { signatureHeader, signPayload, verifySignature } from "./signature.ts";
export { SmtpError, type SmtpOptions, sendMail } from "./smtp/client.ts";
export { buildMessage, type MailMessage } from "./smtp/message.ts";
export {
  type ChannelStore,
  createChannelStore,
  type DeliveryRow,
  type NewChannel,
  type Sealer,
} from "./store.ts";
