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

/** Slack incoming webhooks (and Mattermost/Rocket.Chat, which accept the same shape). */
export function slackBody(rendered: RenderedEvent) {
  return {
    text: `*${rendered.title}*\n${rendered.text}`,
    attachments: [{ color: colors[rendered.severity], title: rendered.title, text: rendered.text }],
  };
}

/** Discord webhooks: an embed with the severity colour as an integer. */
export function discordBody(rendered: RenderedEvent, now: Date) {
  return {
    content: rendered.title,
    embeds: [
      {
        title: rendered.title.slice(0, 256),
        description: rendered.text.slice(0, 4096),
        color: Number.parseInt(colors[rendered.severity].slice(1), 16),
        timestamp: now.toISOString(),
      },
    ],
  };
}
