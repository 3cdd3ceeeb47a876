import type { PierRoute } from "@pier/contract";
import type { ClientOutput, RouteOf } from "@pier/http/contract";
import type { NotificationKind } from "@pier/notify";
import { useState } from "preact/hooks";
import { useIsAdmin } from "../access.ts";
import { pier } from "../api.ts";
import { TextField } from "../components/text-field.tsx";
import {
  CardsTable,
  CopyBlock,
  DeleteButton,
  EmptyState,
  ErrorBox,
  ListState,
  useAction,
} from "../components/ui.tsx";
import { useApi } from "../use-api.ts";

type Channel = ClientOutput<RouteOf<PierRoute, "GET /api/v1/notification-channels">>["channels"][number];
type Kind = "webhook" | "slack" | "discord" | "email";

/** The events a channel can ask for, in words (kinds pier adds later show as their name). */
const eventWords: Partial<Record<NotificationKind, string>> = {
  "deploy.failed": "A deploy failed",
  "replica.down": "A replica stayed down",
  "replica.unhealthy": "A replica failed its health check",
  "incident.opened": "A monitor went down",
  "incident.resolved": "A monitor recovered",
  "tls.expiring": "A certificate expires soon",
  "error.new_issue": "A new error issue",
  "cron.failed": "A cron job failed",
  "backup.failed": "A backup failed",
  "service.down": "A service went down",
  "service.recovered": "A service recovered",
  "service.backup_failed": "A service backup failed",
};
const eventKinds = Object.keys(eventWords) as NotificationKind[];

function target(config: Channel["config"]): string {
  return config.kind === "email" ? config.to.join(", ") : config.url;
}

function EventChoices(props: { value: string[]; onChange: (events: string[]) => void; name: string }) {
  const all = props.value.length === 0;
  return (
    <fieldset class="events">
      <legend class="small">Events</legend>
      <label class="inline">
        <input type="checkbox" checked={all} onChange={() => props.onChange([])} />
        Every event
      </label>
      {eventKinds.map((kind) => (
        <label key={kind} class="inline">
          <input
            type="checkbox"
            name={props.name}
            value={kind}
            checked={!all && props.value.includes(kind)}
            onChange={(e) =>
              props.onChange(
                e.currentTarget.checked ? [...props.value, kind] : props.value.filter((k) => k !== kind),
              )
            }
          />
          {eventWords[kind]}
        </label>
      ))}
    </fieldset>
  );
}

function ChannelForm({ onCreated }: { onCreated: (secret?: string) => Promise<void> }) {
  const [name, setName] = useState("");
  const [kind, setKind] = useState<Kind>("slack");
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<string[]>(["deploy.failed", "incident.opened", "incident.resolved"]);
  const [email, setEmail] = useState({ host: "", port: "587", username: "", password: "", from: "", to: "" });
  const create = useAction();
  const config =
    kind === "email"
      ? {
          kind,
          host: email.host,
          port: Number(email.port) || 587,
          ...(email.username ? { username: email.username, password: email.password } : {}),
          from: email.from,
          to: email.to.split(/[\s,]+/).filter(Boolean),
        }
      : { kind, url };
  const field = (
    key: keyof typeof email,
    label: string,
    placeholder: string,
    type?: "password" | "email",
  ) => (
    <TextField
      label={label}
      name={`email-${key}`}
      type={type}
      placeholder={placeholder}
      value={email[key]}
      onValue={(v) => setEmail({ ...email, [key]: v })}
      trim={type !== "password"}
    />
  );
  return (
    <form
      class="stack"
      onSubmit={(event) => {
        event.preventDefault();
        create.run(async () => {
          const answer = await pier.call("POST /api/v1/notification-channels", {
            body: { name, events, config: config as never },
          });
          setName("");
          setUrl("");
          await onCreated(answer.secret);
        });
      }}
    >
      <div
        class="inline"
        style={{ display: "flex", gap: "0.5rem", flexWrap: "wrap", alignItems: "flex-end" }}
      >
        <TextField
          label="Name"
          name="channel-name"
          required
          placeholder="e.g. ops-alerts"
          value={name}
          onValue={setName}
          trim
        />
        <label>
          Kind
          <select name="channel-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as Kind)}>
            <option value="slack">Slack</option>
            <option value="discord">Discord</option>
            <option value="webhook">Webhook (signed JSON)</option>
            <option value="email">Email (SMTP)</option>
          </select>
        </label>
      </div>
      {kind === "email" ? (
        <div class="inline" style={{ display: "flex", gap: "0.5rem", flexWrap: "wrap" }}>
          {field("host", "SMTP host", "e.g. smtp.example.com")}
          {field("port", "Port", "587")}
          {field("username", "Username (optional)", "e.g. alerts")}
          {field("password", "Password (optional)", "", "password")}
          {field("from", "From", "e.g. pier@example.com")}
          {field("to", "To (comma separated)", "e.g. ops@example.com")}
        </div>
      ) : (
        <TextField
          label={kind === "webhook" ? "URL" : "Incoming webhook URL"}
          name="channel-url"
          type="text"
          required
          placeholder={
            kind === "slack"
              ? "e.g. https://hooks.slack.com/services/…"
              : "e.g. https://example.com/hooks/pier"
          }
          value={url}
          onValue={setUrl}
          trim
        />
      )}
      <EventChoices value={events} onChange={setEvents} name="new-channel-event" />
      <ErrorBox error={create.error} />
      <div class="row">
        <button type="submit" class="primary" disabled={create.busy}>
          Add channel
        </button>
      </div>
    </form>
  );
}

function ChannelRow({ channel, reload }: { channel: Channel; reload: () => Promise<void> }) {
  // Members may send a test; changing or deleting a channel is an admin's.
  const admin = useIsAdmin();
  const [editing, setEditing] = useState(false);
  const [events, setEvents] = useState(channel.events);
  const action = useAction();
  const [tested, setTested] = useState<string | null>(null);
  const patch = (body: { events?: string[]; enabled?: boolean }) =>
    action.run(async () => {
      await pier.call("PATCH /api/v1/notification-channels/:channel", {
        params: { channel: channel.id },
        body,
      });
      setEditing(false);
      await reload();
    });
  return (
    <tr data-channel={channel.name}>
      <td data-label="Channel">
        <strong>{channel.name}</strong>
        <div class="small muted">
          {channel.config.kind} · <span class="mono">{target(channel.config)}</span>
        </div>
      </td>
      <td data-label="Events">
        {editing ? (
          <>
            <EventChoices value={events} onChange={setEvents} name={`events-${channel.id}`} />
            <div class="row">
              <button type="button" class="primary" disabled={action.busy} onClick={() => patch({ events })}>
                Save events
              </button>
              <button type="button" onClick={() => setEditing(false)}>
                Cancel
              </button>
            </div>
          </>
        ) : (
          <span class="small">
            {channel.events.length
              ? channel.events.map((k) => eventWords[k as NotificationKind] ?? k).join(", ")
              : "Every event"}{" "}
            {admin ? (
              <button type="button" class="link small" onClick={() => setEditing(true)}>
                Edit
              </button>
            ) : null}
          </span>
        )}
        <ErrorBox error={action.error} />
        {tested ? <div class="small muted">{tested}</div> : null}
      </td>
      <td data-label="On">
        <label class="inline">
          <input
            type="checkbox"
            checked={channel.enabled}
            disabled={action.busy || !admin}
            onChange={(e) => patch({ enabled: e.currentTarget.checked })}
          />
          {channel.enabled ? "on" : "off"}
        </label>
      </td>
      <td data-label="">
        <span class="row">
          <button
            type="button"
            disabled={action.busy}
            onClick={() =>
              action.run(async () => {
                const { delivery } = await pier.call("POST /api/v1/notification-channels/:channel/test", {
                  params: { channel: channel.id },
                });
                setTested(delivery.ok ? "Test sent." : `Test failed: ${delivery.error ?? "no answer"}`);
              })
            }
          >
            Send test
          </button>
          {admin ? (
            <DeleteButton
              label="Delete"
              question={`Delete the channel ${channel.name}?`}
              remove={() =>
                pier.call("DELETE /api/v1/notification-channels/:channel", {
                  params: { channel: channel.id },
                })
              }
              onDeleted={reload}
            />
          ) : null}
        </span>
      </td>
    </tr>
  );
}

/** Settings → Notifications: where pier sends alerts, and which events each channel wants. */
export function NotificationsPanel() {
  const channels = useApi(() => pier.call("GET /api/v1/notification-channels").then((a) => a.channels), []);
  const [secret, setSecret] = useState<string | null>(null);
  const admin = useIsAdmin();
  return (
    <>
      {admin ? (
        <div class="panel">
          <h2>Add a notification channel</h2>
          <ChannelForm
            onCreated={async (created) => {
              setSecret(created ?? null);
              await channels.reload();
            }}
          />
          {secret ? (
            <div class="secret-once" role="status">
              <strong>The webhook's signing secret (X-Pier-Signature), shown only now:</strong>
              <CopyBlock text={secret} />
              <button type="button" onClick={() => setSecret(null)}>
                Done
              </button>
            </div>
          ) : null}
        </div>
      ) : null}
      <div class="panel">
        <h2>Channels</h2>
        <ListState
          query={channels}
          what="channels"
          empty={
            <EmptyState title="No channels yet">
              {admin
                ? "Add Slack, Discord, a webhook or email above to hear about failed deploys, downtime and errors."
                : "An admin adds Slack, Discord, a webhook or email here to hear about failed deploys, downtime and errors."}
            </EmptyState>
          }
        >
          {(rows) => (
            <CardsTable testid="channels-table" columns={["Channel", "Events", "On", ""]} rows={rows}>
              {(c) => <ChannelRow key={c.id} channel={c} reload={channels.reload} />}
            </CardsTable>
          )}
        </ListState>
      </div>
    </>
  );
}
