import type { PierRoute } from "@pier/contract";
import type { ClientInput, RouteOf } from "@pier/http/contract";
import { connectionFlags, pierApi, resolveConnection } from "./api-client.ts";
import { type Command, type ParsedArgs, UsageError } from "./command.ts";

type ChannelConfigBody = ClientInput<
  RouteOf<PierRoute, "POST /api/v1/notification-channels">
>["body"]["config"];

const str = (args: ParsedArgs, key: string) =>
  typeof args.flags[key] === "string" ? (args.flags[key] as string) : undefined;
const channelParams = (args: ParsedArgs) => ({ params: { channel: args.positionals[0]! } });

const securities = ["starttls", "tls", "none"] as const;
const smtpSecurity = (value: string | undefined, command: Command) => {
  const found = securities.find((s) => s === value);
  if (value !== undefined && !found)
    throw new UsageError(`--smtp-security must be one of ${securities.join(", ")}`, command);
  return found;
};

/** Flags → channel config; exactly one destination kind. */
export function channelConfigFromFlags(args: ParsedArgs, command: Command): ChannelConfigBody {
  const given = (["webhook", "slack", "discord", "email"] as const).filter((k) => str(args, k));
  if (given.length !== 1)
    throw new UsageError("give exactly one of --webhook, --slack, --discord or --email", command);
  const kind = given[0]!;
  if (kind !== "email") {
    const url = str(args, kind)!;
    const secret = str(args, "secret");
    return kind === "webhook" && secret ? { kind, url, secret } : { kind, url };
  }
  const host = str(args, "smtp-host");
  const from = str(args, "from");
  if (!host || !from) throw new UsageError("--email needs --smtp-host and --from", command);
  const port = str(args, "smtp-port");
  return {
    kind: "email",
    to: str(args, "email")!
      .split(",")
      .map((s) => s.trim()),
    host,
    port: port ? Number(port) : undefined,
    security: smtpSecurity(str(args, "smtp-security"), command),
    username: str(args, "smtp-user"),
    password: str(args, "smtp-password") ?? process.env.PIER_SMTP_PASSWORD,
    from,
  };
}

export const notifyAddCommand: Command = {
  name: "notify add",
  summary: "Add a notification channel (webhook, Slack, Discord or email).",
  usage:
    "pier notify add NAME (--webhook URL | --slack URL | --discord URL | --email TO,... --smtp-host H --from ADDR) [--events LIST]",
  positionals: [{ name: "NAME", required: true }],
  flags: {
    webhook: { type: "string", value: "URL", help: "generic JSON webhook, HMAC-signed" },
    secret: { type: "string", value: "SECRET", help: "webhook signing secret (generated when omitted)" },
    slack: { type: "string", value: "URL", help: "Slack incoming-webhook URL" },
    discord: { type: "string", value: "URL", help: "Discord webhook URL" },
    email: { type: "string", value: "TO", help: "comma-separated recipients" },
    "smtp-host": { type: "string", value: "HOST", help: "SMTP server" },
    "smtp-port": { type: "string", value: "PORT", help: "SMTP port (default 587)" },
    "smtp-security": { type: "string", value: "MODE", help: "starttls (default), tls or none" },
    "smtp-user": { type: "string", value: "USER", help: "SMTP username" },
    "smtp-password": { type: "string", value: "PASSWORD", help: "SMTP password (or PIER_SMTP_PASSWORD)" },
    from: { type: "string", value: "ADDR", help: "sender address for email" },
    events: {
      type: "string",
      value: "LIST",
      help: "only these kinds: incident.opened,incident.resolved,tls.expiring,deploy.failed,error.new_issue (default all)",
    },
    ...connectionFlags,
  },
  async run(args) {
    const body = {
      name: args.positionals[0]!,
      config: channelConfigFromFlags(args, notifyAddCommand),
      events: str(args, "events")
        ?.split(",")
        .map((s) => s.trim()),
    };
    const { channel, secret } = await pierApi(resolveConnection(args)).call(
      "POST /api/v1/notification-channels",
      { body },
    );
    console.log(`Added ${channel.config.kind} channel ${channel.name} (${channel.id}).`);
    if (secret) console.log(`Signing secret (verify X-Pier-Signature with it; shown once): ${secret}`);
    return 0;
  },
};

export const notifyListCommand: Command = {
  name: "notify list",
  summary: "List notification channels.",
  usage: "pier notify list [--json]",
  flags: { json: { type: "boolean", help: "print JSON" }, ...connectionFlags },
  async run(args) {
    const { channels } = await pierApi(resolveConnection(args)).call("GET /api/v1/notification-channels");
    if (args.flags.json) console.log(JSON.stringify(channels, null, 2));
    else if (channels.length === 0)
      console.log("No channels yet. Add one with `pier notify add NAME --webhook URL`.");
    else
      for (const c of channels) {
        const where = c.config.kind === "email" ? c.config.to.join(",") : c.config.url;
        const events = c.events.length ? c.events.join(",") : "all events";
        console.log(`${c.name}  ${c.config.kind}  ${where}  ${events}${c.enabled ? "" : "  (disabled)"}`);
      }
    return 0;
  },
};

export const notifyTestCommand: Command = {
  name: "notify test",
  summary: "Send a test notification through a channel.",
  usage: "pier notify test NAME [--message TEXT]",
  positionals: [{ name: "NAME", required: true }],
  flags: { message: { type: "string", value: "TEXT", help: "custom text" }, ...connectionFlags },
  async run(args) {
    try {
      const { delivery } = await pierApi(resolveConnection(args)).call(
        "POST /api/v1/notification-channels/:channel/test",
        { ...channelParams(args), body: { message: str(args, "message") } },
      );
      console.log(`Delivered a test notification to ${args.positionals[0]} (${delivery.attempts} attempt).`);
      return 0;
    } catch (error) {
      if ((error as { status?: number }).status !== 502) throw error;
      const reason = (error as Error).message;
      console.error(
        `The test notification was ${reason.startsWith("not delivered") ? reason : `not delivered: ${reason}`}`,
      );
      return 1;
    }
  },
};

export const notifyDeleteCommand: Command = {
  name: "notify delete",
  summary: "Delete a notification channel.",
  usage: "pier notify delete NAME",
  positionals: [{ name: "NAME", required: true }],
  flags: { ...connectionFlags },
  async run(args) {
    await pierApi(resolveConnection(args)).call(
      "DELETE /api/v1/notification-channels/:channel",
      channelParams(args),
    );
    console.log(`Deleted channel ${args.positionals[0]}.`);
    return 0;
  },
};
