import type { Logger } from "@pier/core";
import { type Channel, wantsEvent } from "./channels.ts";
import { type NotificationEvent, renderEvent } from "./events.ts";
import { type FetchLike, postJson } from "./http-delivery.ts";
import { discordBody, slackBody, webhookBody } from "./payloads.ts";
import { type DeliveryResult, defaultRetryPolicy, type RetryPolicy, withRetries } from "./retry.ts";
import { signatureHeader, signPayload } from "./signature.ts";
import { type SmtpOptions, sendMail } from "./smtp/client.ts";
import type { MailMessage } from "./smtp/message.ts";

export interface NotifierOptions {
  /** Read on every event so channel edits apply without a restart. */
  listChannels(): Promise<Channel[]>;
  logger: Logger;
  retry?: RetryPolicy;
  fetch?: FetchLike;
  sendMail?: (options: SmtpOptions, message: MailMessage) => Promise<void>;
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
  timeoutMs?: number;
  /** Called once per channel and event with the final outcome (for a delivery log). */
  onDelivery?(record: DeliveryRecord): void;
}

export interface DeliveryRecord extends DeliveryResult {
  deliveryId: string;
  channelId: string;
  channelName: string;
  kind: NotificationEvent["kind"];
  at: Date;
}

export interface Notifier {
  /** Delivers to every enabled channel that wants this kind; never throws, resolves when all are done. */
  notify(event: NotificationEvent): Promise<DeliveryRecord[]>;
  /** Sends one event to one channel regardless of its filters (the "send test" button). */
  deliver(channel: Channel, event: NotificationEvent): Promise<DeliveryRecord>;
}

export function createNotifier(options: NotifierOptions): Notifier {
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  const mail = options.sendMail ?? sendMail;
  const sleep = options.sleep ?? ((ms: number) => Bun.sleep(ms));
  const now = options.now ?? (() => new Date());
  const policy = options.retry ?? defaultRetryPolicy;
  const timeoutMs = options.timeoutMs ?? 10_000;

  async function attemptDelivery(channel: Channel, event: NotificationEvent, deliveryId: string) {
    const rendered = renderEvent(event);
    const config = channel.config;
    switch (config.kind) {
      case "webhook": {
        const body = JSON.stringify(webhookBody(deliveryId, event, rendered, now()));
        return withRetries(
          policy,
          (attempt) => {
            // Signed per attempt: the timestamp must be fresh for receivers that enforce a tolerance.
            const headers: Record<string, string> = {
              "x-pier-event": event.kind,
              "x-pier-delivery": deliveryId,
              "x-pier-attempt": String(attempt),
            };
            if (config.secret)
              headers[signatureHeader] = signPayload(config.secret, body, Math.floor(now().getTime() / 1000));
            return postJson(fetchImpl, config.url, body, headers, timeoutMs);
          },
          sleep,
        );
      }
      case "slack":
      case "discord": {
        const body = JSON.stringify(
          config.kind === "slack" ? slackBody(rendered) : discordBody(rendered, now()),
        );
        return withRetries(policy, () => postJson(fetchImpl, config.url, body, {}, timeoutMs), sleep);
      }
      case "email": {
        const message = {
          from: config.from,
          to: config.to,
          subject: rendered.title,
          text: `${rendered.text}\n\n-- \npier`,
        };
        return withRetries(
          policy,
          async () => {
            try {
              await mail(config, message);
              return { ok: true, retryable: false };
            } catch (error) {
              // 5xx SMTP replies (bad address, auth refused) and certificate failures will not pass later.
              const { replyCode, step } = error as { replyCode?: number; step?: string };
              const permanent = (replyCode !== undefined && replyCode >= 500) || step === "TLS";
              return { ok: false, retryable: !permanent, error: (error as Error).message };
            }
          },
          sleep,
        );
      }
    }
  }

  async function deliver(channel: Channel, event: NotificationEvent): Promise<DeliveryRecord> {
    const deliveryId = `dlv_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
    const result = await attemptDelivery(channel, event, deliveryId).catch(
      (error: Error): DeliveryResult => ({ ok: false, attempts: 1, error: error.message }),
    );
    const record = {
      ...result,
      deliveryId,
      channelId: channel.id,
      channelName: channel.name,
      kind: event.kind,
      at: now(),
    };
    if (!result.ok) {
      options.logger.warn("notification not delivered", {
        channel: channel.name,
        kind: event.kind,
        attempts: result.attempts,
        error: result.error,
      });
    }
    options.onDelivery?.(record);
    return record;
  }

  return {
    deliver,
    async notify(event) {
      let channels: Channel[];
      try {
        channels = await options.listChannels();
      } catch (error) {
        options.logger.error("cannot load notification channels", { error });
        return [];
      }
      return Promise.all(channels.filter((c) => wantsEvent(c, event.kind)).map((c) => deliver(c, event)));
    },
  };
}
