import { useState } from "preact/hooks";
import { useIsAdmin } from "../../access.ts";
import { pier } from "../../api.ts";
import { CardsTable, CopyBlock, DeleteButton, Link, ListState, useAction } from "../../components/ui.tsx";
import { bindFields } from "../../form-fields.ts";
import { formatDuration, relativeTime } from "../../format.ts";
import { addObservabilityStyles } from "../../observability-styles.ts";
import { useApi, useReloadOn } from "../../use-api.ts";
import { MonitorForm } from "./monitor-form.tsx";
import { StatusPagesPanel } from "./status-pages-panel.tsx";
import { type Monitor, monitorTones } from "./uptime-types.ts";

// Uptime: monitors, incidents, notification channels and status pages, through
// /api/v1/{monitors,incidents,notification-channels,status-pages} (the server's contract).

const channelKinds = ["webhook", "slack", "discord", "email"] as const;

const monitorPath = (m: Monitor) => `/monitors/${encodeURIComponent(m.id)}`;
const monitorParams = (m: Monitor) => ({ params: { monitor: m.id } });

function MonitorsPanel({ onChange }: { onChange: () => void }) {
  const monitors = useApi(() => pier.call("GET /api/v1/monitors").then((r) => r.monitors), [], 15_000);
  const act = useAction();
  const refresh = async () => {
    await monitors.reload();
    onChange();
  };
  return (
    <div class="panel">
      <h2>Monitors</h2>
      <MonitorForm onSaved={refresh} />
      <ListState
        query={monitors}
        what="monitors"
        extraError={act.error}
        empty="No monitors yet. Deployed apps get one automatically."
      >
        {(rows) => (
          <CardsTable
            testid="uptime-monitors"
            columns={["Name", "Status", "Target", "Latency", "Last check", ""]}
            rows={rows}
          >
            {(m) => (
              <tr key={m.id}>
                <td data-label="Name">
                  <Link href={`/uptime/monitors/${m.id}`}>{m.name}</Link>
                  {m.auto ? <span class="small muted"> (app)</span> : null}
                </td>
                <td data-label="Status">
                  <span class={`badge ${monitorTones[m.status]}`}>{m.status}</span>
                  {m.lastError ? <div class="small muted">{m.lastError}</div> : null}
                </td>
                <td data-label="Target" class="mono">
                  {m.target}
                </td>
                <td data-label="Latency">{m.lastLatencyMs === null ? "–" : `${m.lastLatencyMs} ms`}</td>
                <td data-label="Last check">{m.lastCheckAt ? relativeTime(m.lastCheckAt) : "never"}</td>
                <td data-label="">
                  <button
                    type="button"
                    disabled={act.busy}
                    onClick={() =>
                      act.run(() =>
                        pier.call("POST /api/v1/monitors/:monitor/check", monitorParams(m)).then(refresh),
                      )
                    }
                  >
                    Check now
                  </button>{" "}
                  <button
                    type="button"
                    disabled={act.busy}
                    onClick={() =>
                      act.run(() =>
                        pier
                          .call("PATCH /api/v1/monitors/:monitor", {
                            ...monitorParams(m),
                            body: { enabled: m.status === "paused" },
                          })
                          .then(refresh),
                      )
                    }
                  >
                    {m.status === "paused" ? "Resume" : "Pause"}
                  </button>{" "}
                  <DeleteButton
                    label="Delete"
                    question={`Delete monitor "${m.name}" and its history?`}
                    path={monitorPath(m)}
                    onDeleted={refresh}
                  />
                </td>
              </tr>
            )}
          </CardsTable>
        )}
      </ListState>
    </div>
  );
}

function IncidentsPanel({ version }: { version: number }) {
  const incidents = useApi(
    () => pier.call("GET /api/v1/incidents", { query: { limit: 20 } }).then((r) => r.incidents),
    [],
    15_000,
  );
  useReloadOn(version, incidents);
  return (
    <div class="panel">
      <h2>Incidents</h2>
      <ListState query={incidents} what="incidents" empty="No incidents. Quiet is good.">
        {(rows) => (
          <CardsTable
            testid="uptime-incidents"
            columns={["Monitor", "State", "Started", "Duration", "Reason"]}
            rows={rows}
          >
            {(i) => (
              <tr key={i.id}>
                <td data-label="Monitor">{i.monitorName ?? i.id}</td>
                <td data-label="State">
                  <span class={`badge ${i.open ? "bad" : "muted"}`}>{i.open ? "ongoing" : "resolved"}</span>
                </td>
                <td data-label="Started">{relativeTime(i.startedAt)}</td>
                <td data-label="Duration">{formatDuration(i.durationMs)}</td>
                <td data-label="Reason">{i.reason}</td>
              </tr>
            )}
          </CardsTable>
        )}
      </ListState>
    </div>
  );
}

function ChannelsPanel() {
  const channels = useApi(() => pier.call("GET /api/v1/notification-channels").then((r) => r.channels), []);
  const [form, setForm] = useState({
    name: "",
    kind: "webhook" as (typeof channelKinds)[number],
    url: "",
    to: "",
    host: "",
    port: "587",
    from: "",
  });
  const [secret, setSecret] = useState<string | null>(null);
  const [tested, setTested] = useState<string | null>(null);
  const save = useAction();
  const act = useAction();
  const field = bindFields(form, setForm);
  const email = form.kind === "email";
  // Adding and deleting channels is an admin's; anyone may send a test.
  const admin = useIsAdmin();
  return (
    <div class="panel">
      <h2>Notification channels</h2>
      {admin ? (
        <form
          class="inline"
          onSubmit={(event) => {
            event.preventDefault();
            save.run(async () => {
              const config =
                form.kind === "email"
                  ? {
                      kind: form.kind,
                      host: form.host,
                      port: Number(form.port),
                      from: form.from,
                      to: form.to.split(",").map((s) => s.trim()),
                    }
                  : { kind: form.kind, url: form.url };
              const created = await pier.call("POST /api/v1/notification-channels", {
                body: { name: form.name, config },
              });
              setSecret(created.secret ?? null);
              setForm({ ...form, name: "", url: "", to: "" });
              await channels.reload();
            });
          }}
        >
          <label>
            Name
            <input name="channel-name" required placeholder="ops" {...field("name")} />
          </label>
          <label>
            Kind
            <select
              value={form.kind}
              onChange={(e) =>
                setForm({ ...form, kind: channelKinds.find((k) => k === e.currentTarget.value) ?? "webhook" })
              }
            >
              <option value="webhook">Webhook (signed JSON)</option>
              <option value="slack">Slack</option>
              <option value="discord">Discord</option>
              <option value="email">Email (SMTP)</option>
            </select>
          </label>
          {email ? (
            <>
              <label>
                To
                <input name="channel-to" required placeholder="ops@example.com" {...field("to")} />
              </label>
              <label>
                SMTP host
                <input name="channel-host" required {...field("host")} />
              </label>
              <label>
                Port
                <input name="channel-port" type="number" {...field("port")} />
              </label>
              <label>
                From
                <input name="channel-from" required placeholder="pier@example.com" {...field("from")} />
              </label>
            </>
          ) : (
            <label>
              URL
              <input name="channel-url" required type="url" {...field("url")} />
            </label>
          )}
          <button type="submit" class="primary" disabled={save.busy}>
            Add channel
          </button>
        </form>
      ) : null}
      {secret ? (
        <CopyBlock label="Signing secret (shown once): verify X-Pier-Signature with it" text={secret} />
      ) : null}
      {tested ? <p class="small">{tested}</p> : null}
      <ListState
        query={channels}
        what="channels"
        extraError={save.error ?? act.error}
        empty={
          admin
            ? "No channels: incidents are only visible here until you add one."
            : "No channels: incidents are only visible here until an admin adds one."
        }
      >
        {(rows) => (
          <CardsTable
            testid="uptime-channels"
            columns={["Name", "Kind", "Destination", "Events", ""]}
            rows={rows}
          >
            {(c) => (
              <tr key={c.id}>
                <td data-label="Name">{c.name}</td>
                <td data-label="Kind">{c.config.kind}</td>
                <td data-label="Destination" class="mono">
                  {c.config.kind === "email" ? c.config.to.join(", ") : c.config.url}
                </td>
                <td data-label="Events">{c.events.length ? c.events.join(", ") : "all"}</td>
                <td data-label="">
                  <button
                    type="button"
                    disabled={act.busy}
                    onClick={() =>
                      act.run(async () => {
                        setTested(null);
                        await pier.call("POST /api/v1/notification-channels/:channel/test", {
                          params: { channel: c.id },
                          body: {},
                        });
                        setTested(`Test notification delivered to ${c.name}.`);
                      })
                    }
                  >
                    Send test
                  </button>{" "}
                  {admin ? (
                    <DeleteButton
                      label="Delete"
                      question={`Delete channel "${c.name}"?`}
                      path={`/notification-channels/${c.id}`}
                      onDeleted={channels.reload}
                    />
                  ) : null}
                </td>
              </tr>
            )}
          </CardsTable>
        )}
      </ListState>
    </div>
  );
}

export function UptimePage() {
  addObservabilityStyles();
  const [version, setVersion] = useState(0);
  return (
    <div class="obs">
      <h1>Uptime</h1>
      <MonitorsPanel onChange={() => setVersion((v) => v + 1)} />
      <IncidentsPanel version={version} />
      <ChannelsPanel />
      <StatusPagesPanel version={version} />
    </div>
  );
}
