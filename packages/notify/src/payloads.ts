import type { NotificationEvent, RenderedEvent, Severity } from "./events.ts";

const colors: Record<Severity, string> = {
  critical: "#d93025",
  warning: "#f29900",
  info: "#1a73e8",
  resolved: "#188038",
};

export interface WebhookBody {
  id: string;
  type: NotificationEvent["kind"];
  createdAt: string;
  title: string;
  text: string;
  severity: Severity;
  data: NotificationEvent;
}

export function webhookBody(
  id: string,
  event: NotificationEvent,
  rendered: RenderedEvent,
  now: Date,
): WebhookBody {
  return { id, type: event.kind, createdAt: now.toISOString(), ...rendered, data: event };
}

/**
 * Slack incoming webhooks (and Mattermost/Rocket.Chat, which accept the same shape). Rendered text
 * is plain and may quote senders (error titles come from anyone with a public DSN): `&<>` are
 * escaped, so `<!channel>` and `<https://evil|bank>` stay text, and mrkdwn is off, so `*` and `_`
 * do not format. Slack cuts `text` at 40,000 characters; 3,000 is plenty for a notification.
 */
export function slackBody(rendered: RenderedEvent) {
  const title = slackEscape(rendered.title.slice(0, 500));
  const text = slackEscape(rendered.text.slice(0, 3000));
  return {
    text: `${title}\n${text}`,
    mrkdwn: false,
    attachments: [{ color: colors[rendered.severity], title, text, mrkdwn_in: [] }],
  };
}

export function slackEscape(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/**
 * Discord webhooks: an embed with the severity colour as an integer. Markdown is escaped with
 * backslashes (Discord shows them as nothing) and `allowed_mentions` is empty, so an `@everyone`
 * or `<@id>` in an error title pings nobody.
 */
export function discordBody(rendered: RenderedEvent, now: Date) {
  return {
    content: discordEscape(rendered.title.slice(0, 500)),
    allowed_mentions: { parse: [] },
    embeds: [
      {
        title: discordEscape(rendered.title.slice(0, 200)).slice(0, 256),
        description: discordEscape(rendered.text.slice(0, 3000)).slice(0, 4096),
        color: Number.parseInt(colors[rendered.severity].slice(1), 16),
        timestamp: now.toISOString(),
      },
    ],
  };
}

/**
 * `*_~\`|[]()<@\` anywhere, and `#`, `>`, `-` that would start a heading, quote or list. URLs are
 * left as they are: a backslash in one (`iss\_…`) would break the link to the issue.
 */
export function discordEscape(text: string): string {
  return text
    .split(/(https?:\/\/[^\s<>()[\]]+)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/[\\*_~`|[\]()<@]/g, "\\$&")))
    .join("")
    .replace(/^([ \t]*)([#>-])/gm, "$1\\$2");
}
