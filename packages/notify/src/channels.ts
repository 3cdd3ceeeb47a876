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

/**
 * A config change (PATCH): with the kind unchanged, a secret left out stays as stored, because the
 * API never shows it back: the Slack/Discord URL, the webhook secret, the SMTP password.
 */
export const channelConfigPatchSchema = z.discriminatedUnion("kind", [
  webhookChannelSchema,
  chatChannelSchema.extend({ url: httpUrl.optional() }),
  emailChannelSchema,
]);
export type ChannelConfigPatch = z.infer<typeof channelConfigPatchSchema>;

/** The config after a patch; null when a new Slack/Discord channel comes without its URL. */
export function mergeChannelConfig(stored: ChannelConfig, patch: ChannelConfigPatch): ChannelConfig | null {
  switch (patch.kind) {
    case "slack":
    case "discord": {
      const storedUrl = stored.kind === patch.kind ? stored.url : undefined;
      // A client that sends back what it read gets the masked URL: that means "unchanged" too.
      const keep = patch.url === undefined || (storedUrl && patch.url === maskChatUrl(storedUrl));
      const url = keep ? storedUrl : patch.url;
      return url ? { kind: patch.kind, url } : null;
    }
    case "webhook":
      return { ...patch, secret: patch.secret ?? (stored.kind === "webhook" ? stored.secret : undefined) };
    case "email":
      return {
        ...patch,
        password: patch.password ?? (stored.kind === "email" ? stored.password : undefined),
      };
  }
}

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

/**
 * A channel's config as the API shows it: a set secret or password reads `***`; a Slack or Discord
 * URL, which is itself the credential, shows only where it points (see maskChatUrl).
 */
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

/** What the API shows: secrets, passwords and chat webhook URLs are never echoed back. */
export function redactChannelConfig(config: ChannelConfig): RedactedChannelConfig {
  if (config.kind === "webhook") return { ...config, secret: config.secret ? "***" : undefined };
  if (config.kind === "email") return { ...config, password: config.password ? "***" : undefined };
  return { kind: config.kind, url: maskChatUrl(config.url) };
}

/**
 * `https://hooks.slack.com/services/T0/B0/XXXX` reads `https://hooks.slack.com/services/…XXXX`:
 * enough to tell channels apart and see where they post, not enough to post. The last 4
 * characters only show when the hidden part is long enough to keep its secret.
 */
export function maskChatUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "…";
  }
  const segments = parsed.pathname.split("/").filter(Boolean);
  const shown = segments.length > 1 ? `/${segments[0]}/` : "/";
  const hidden = url.slice(parsed.origin.length + shown.length);
  return `${parsed.origin}${shown}…${hidden.length >= 16 ? hidden.slice(-4) : ""}`;
}

export function wantsEvent(channel: Channel, kind: string): boolean {
  return channel.enabled && (channel.events.length === 0 || channel.events.includes(kind) || kind === "test");
}
