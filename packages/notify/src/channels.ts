import { z } from "zod";
import { notificationKinds } from "./events.ts";

const httpUrl = z.url({ protocol: /^https?$/ });

// Strict: a misspelt field (`secert`) is a 400, not a silently generated secret.
export const webhookChannelSchema = z.strictObject({
  kind: z.literal("webhook"),
  url: httpUrl,
  /** Receivers verify `X-Pier-Signature` with it; generated when omitted. */
  secret: z.string().min(16).optional(),
});

export const chatChannelSchema = z.strictObject({
  kind: z.enum(["slack", "discord"]),
  url: httpUrl,
});

export const emailChannelSchema = z.strictObject({
  kind: z.literal("email"),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(587),
  /** "tls" = implicit TLS (port 465), "starttls" = upgrade after EHLO, "none" = plain (local relays). */
  security: z.enum(["none", "starttls", "tls"]).default("starttls"),
  username: z.string().optional(),
  password: z.string().optional(),
  from: z.string().min(3),
  to: z.array(z.string().min(3)).min(1),
  /** For relays with self-signed certificates on a private network. */
  allowInvalidCertificate: z.boolean().default(false),
});

export const channelConfigSchema = z.discriminatedUnion("kind", [
  webhookChannelSchema,
  chatChannelSchema,
  emailChannelSchema,
]);
export type ChannelConfig = z.infer<typeof channelConfigSchema>;
export type ChannelConfigInput = z.input<typeof channelConfigSchema>;
export type EmailChannelConfig = z.infer<typeof emailChannelSchema>;

export const channelEventsSchema = z.array(z.enum(notificationKinds as [string, ...string[]])).default([]);

/** A configured destination. `events` empty means every kind of event. */
export interface Channel {
  id: string;
  name: string;
  enabled: boolean;
  events: string[];
  config: ChannelConfig;
}

const hidden = z.literal("***");

/** A channel's config as the API shows it: a set secret or password reads `***`. */
export const redactedChannelConfigSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("webhook"), url: z.string(), secret: hidden.optional() }),
  z.object({ kind: z.enum(["slack", "discord"]), url: z.string() }),
  z.object({
    kind: z.literal("email"),
    host: z.string(),
    port: z.number().int(),
    security: z.enum(["none", "starttls", "tls"]),
    username: z.string().optional(),
    password: hidden.optional(),
    from: z.string(),
    to: z.array(z.string()),
    allowInvalidCertificate: z.boolean(),
  }),
]);
export type RedactedChannelConfig = z.infer<typeof redactedChannelConfigSchema>;

/** What the API shows: secrets and passwords are never echoed back. */
export function redactChannelConfig(config: ChannelConfig): RedactedChannelConfig {
  if (config.kind === "webhook") return { ...config, secret: config.secret ? "***" : undefined };
  if (config.kind === "email") return { ...config, password: config.password ? "***" : undefined };
  return { ...config };
}

export function wantsEvent(channel: Channel, kind: string): boolean {
  return channel.enabled && (channel.events.length === 0 || channel.events.includes(kind) || kind === "test");
}
