export { selfSignedCertificate } from "./certificate.ts";
export { type ReceivedMail, type SmtpReceiver, startSmtpReceiver } from "./smtp-receiver.ts";
export { type ReceivedWebhook, startWebhookReceiver, type WebhookReceiver } from "./webhook-receiver.ts";
