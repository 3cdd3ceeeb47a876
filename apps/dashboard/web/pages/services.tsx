import type { PierRoute } from "@pier/contract";
import type { ClientOutput, RouteOf } from "@pier/http/contract";
import { useState } from "preact/hooks";
import { api, pier } from "../api.ts";
import { TextField } from "../components/text-field.tsx";
import { CardsTable, ConfirmButton, ErrorBox, Link, ListState, useAction } from "../components/ui.tsx";
import { formatDuration, relativeTime } from "../format.ts";
import { navigate } from "../router.ts";
import { useApi } from "../use-api.ts";

type Service = ClientOutput<RouteOf<PierRoute, "GET /api/v1/services">>["services"][number];
type Backup = ClientOutput<RouteOf<PierRoute, "GET /api/v1/services/:service">>["backups"][number];
type Kind = Service["kind"];

const healthTone = {
  healthy: "ok",
  starting: "warn",
  unhealthy: "bad",
  stopped: "bad",
  missing: "bad",
} as const;
const backupTone = { ok: "ok", running: "warn", failed: "bad" } as const;

function size(bytes: number | null): string {
  if (bytes === null) return "–";
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}

function Health({ health }: { health: Service["health"] }) {
  return <span class={`badge ${healthTone[health as keyof typeof healthTone] ?? "muted"}`}>{health}</span>;
}

/** Services: every managed database and cache, and a form to create one. */
export function ServicesPage() {
  const services = useApi(() => pier.call("GET /api/v1/services"), [], 10_000);
  const [kind, setKind] = useState<Kind>("postgres");
  const [name, setName] = useState("");
  const [version, setVersion] = useState("");
  const create = useAction();
  return (
    <>
      <h1>Services</h1>
      <div class="panel">
        <ListState
          query={services}
          what="services"
          isEmpty={(data) => data.services.length === 0}
          empty="No services yet: create a PostgreSQL, MySQL, MariaDB or Redis service below."
        >
          {(data) => (
            <CardsTable
              testid="services-table"
              columns={["Name", "Kind", "Health", "Linked to", "Last backup"]}
              rows={data.services}
            >
              {(s) => (
                <tr key={s.id} data-service={s.name}>
                  <td data-label="Name">
                    <Link href={`/services/${s.name}`}>{s.name}</Link>
                  </td>
                  <td data-label="Kind">
                    {s.kind} {s.version}
                  </td>
                  <td data-label="Health">
                    <Health health={s.health} />
                  </td>
                  <td data-label="Linked to">{s.links.map((l) => l.app).join(", ") || "–"}</td>
                  <td data-label="Last backup">
                    {s.lastBackup ? `${relativeTime(s.lastBackup.startedAt)} (${s.lastBackup.status})` : "–"}
                  </td>
                </tr>
              )}
            </CardsTable>
          )}
        </ListState>
      </div>
      <div class="panel">
        <h2>New service</h2>
        <form
          class="stack"
          onSubmit={(event) => {
            event.preventDefault();
            create.run(async () => {
              const { service } = await pier.call("POST /api/v1/services", {
                body: { name, kind, version: version || undefined },
              });
              navigate(`/services/${service.name}`);
            });
          }}
        >
          <label>
            Kind
            <select value={kind} onChange={(e) => setKind(e.currentTarget.value as Kind)} name="kind">
              <option value="postgres">PostgreSQL</option>
              <option value="mysql">MySQL</option>
              <option value="mariadb">MariaDB</option>
              <option value="redis">Redis</option>
            </select>
          </label>
          <TextField
            label="Name"
            name="service-name"
            placeholder="shop-db"
            value={name}
            onValue={setName}
            trim
          />
          <TextField
            label="Version"
            name="service-version"
            placeholder="default (16, 11, 8.4, 7)"
            value={version}
            onValue={setVersion}
            trim
          />
          <ErrorBox error={create.error} />
          <div class="row">
            <button type="submit" class="primary" disabled={create.busy || !name}>
              {create.busy ? "Creating…" : "Create service"}
            </button>
          </div>
        </form>
      </div>
    </>
  );
}

/** One service: where apps reach it, its links, and its backups with restore and download. */
export function ServicePage({ name }: { name: string }) {
  const detail = useApi(
    () => pier.call("GET /api/v1/services/:service", { params: { service: name } }),
    [name],
    10_000,
  );
  const action = useAction();
  const [app, setApp] = useState("");
  const [envVar, setEnvVar] = useState("");
  const [confirm, setConfirm] = useState("");
  const [notice, setNotice] = useState<string | null>(null);
  const params = { service: name };
  const act = (what: string, run: () => Promise<unknown>) =>
    action.run(async () => {
      setNotice(null);
      await run();
      await detail.reload();
      setNotice(what);
    });
  const s = detail.data?.service;
  const backups = detail.data?.backups ?? [];
  return (
    <>
      <p class="small">
        <Link href="/services">Services</Link> /
      </p>
      <h1>{name}</h1>
      <ListState query={detail} what="the service" />
      {s ? (
        <>
          <div class="panel">
            <p>
              <Health health={s.health} /> {s.kind} {s.version} <span class="mono small">({s.image})</span>
            </p>
            <p class="small muted">
              Linked apps reach it at <span class="mono">{`${s.host}:${s.port}`}</span>; its data is in the
              volume <span class="mono">{s.volume}</span>. Backups:{" "}
              {s.backup.schedule ? `${s.backup.schedule} UTC, keep ${s.backup.keep}` : "on demand"}, to{" "}
              <span class="mono">{s.backup.target}</span>
              {s.backup.encrypt ? ", encrypted" : ""}.
            </p>
            <ErrorBox error={action.error} />
            {notice ? <div class="notice">{notice}</div> : null}
            <div class="row">
              <button
                type="button"
                disabled={action.busy}
                onClick={() =>
                  act("Backed up.", () =>
                    pier.call("POST /api/v1/services/:service/backups", { params, body: {} }),
                  )
                }
              >
                Back up now
              </button>
              <button
                type="button"
                disabled={action.busy}
                onClick={() =>
                  act("Restarted.", () => pier.call("POST /api/v1/services/:service/restart", { params }))
                }
              >
                Restart
              </button>
            </div>
          </div>
          <div class="panel">
            <h2>Linked apps</h2>
            {s.links.length ? (
              <CardsTable columns={["App", "Variable", ""]} rows={s.links}>
                {(link) => (
                  <tr key={link.app}>
                    <td data-label="App">
                      <Link href={`/apps/${link.app}`}>{link.app}</Link>
                    </td>
                    <td data-label="Variable" class="mono">
                      {link.envVar}
                    </td>
                    <td>
                      <ConfirmButton
                        label="Unlink"
                        question={`Remove ${link.envVar} from ${link.app} and restart it?`}
                        onConfirm={() =>
                          act(`Unlinked ${link.app}.`, () =>
                            pier.call("DELETE /api/v1/services/:service/links/:app", {
                              params: { service: name, app: link.app },
                            }),
                          )
                        }
                      />
                    </td>
                  </tr>
                )}
              </CardsTable>
            ) : (
              <p class="muted">No app uses it yet.</p>
            )}
            <form
              class="row"
              onSubmit={(event) => {
                event.preventDefault();
                act(`Linked ${app}; it restarts with the new variable.`, () =>
                  pier.call("POST /api/v1/services/:service/links", {
                    params,
                    body: { app, envVar: envVar || undefined },
                  }),
                );
              }}
            >
              <TextField label="App" name="link-app" value={app} onValue={setApp} trim />
              <TextField
                label="Variable"
                name="link-var"
                placeholder={s.kind === "redis" ? "REDIS_URL" : "DATABASE_URL"}
                value={envVar}
                onValue={setEnvVar}
                trim
              />
              <button type="submit" disabled={action.busy || !app}>
                Link
              </button>
            </form>
          </div>
          <div class="panel">
            <h2>Backups</h2>
            {backups.length ? (
              <BackupsTable
                backups={backups}
                service={name}
                busy={action.busy}
                restore={(backup) =>
                  act(`Restored ${backup.id}.`, () =>
                    pier.call("POST /api/v1/services/:service/restore", {
                      params,
                      body: { backup: backup.id },
                    }),
                  )
                }
              />
            ) : (
              <p class="muted">No backups yet.</p>
            )}
          </div>
          <LogsPanel service={name} />
          <div class="panel">
            <h2>Delete</h2>
            <p class="small muted">
              The data stays in its volume and the backups stay; apps must be unlinked first. Type the name to
              delete it.
            </p>
            <form
              class="row"
              onSubmit={(event) => {
                event.preventDefault();
                action.run(async () => {
                  await pier.call("DELETE /api/v1/services/:service", { params, query: { confirm } });
                  navigate("/services");
                });
              }}
            >
              <TextField label="Name" name="confirm-name" value={confirm} onValue={setConfirm} trim />
              <button type="submit" class="danger" disabled={action.busy || confirm !== name}>
                Delete {name}
              </button>
            </form>
          </div>
        </>
      ) : null}
    </>
  );
}

function BackupsTable(props: {
  backups: Backup[];
  service: string;
  busy: boolean;
  restore: (backup: Backup) => Promise<unknown>;
}) {
  return (
    <CardsTable
      testid="service-backups"
      columns={["Taken", "Result", "Size", "Duration", "Kind", ""]}
      rows={props.backups}
    >
      {(b) => (
        <tr key={b.id} data-backup={b.id}>
          <td data-label="Taken">{relativeTime(b.startedAt)}</td>
          <td data-label="Result">
            <span class={`badge ${backupTone[b.status]}`}>{b.status}</span>
            {b.error ? <span class="small"> {b.error}</span> : null}
          </td>
          <td data-label="Size">{size(b.sizeBytes)}</td>
          <td data-label="Duration">{b.durationMs === null ? "–" : formatDuration(b.durationMs)}</td>
          <td data-label="Kind">
            {b.source === "volume" ? "snapshot" : b.format}
            {b.trigger === "schedule" ? " (scheduled)" : ""}
          </td>
          <td>
            {b.status === "ok" ? (
              <span class="row">
                <ConfirmButton
                  label="Restore"
                  question={`Replace ${props.service}'s data with this backup?`}
                  onConfirm={() => props.restore(b)}
                />
                <a href={`/api/v1/services/${props.service}/backups/${b.id}/download`} download>
                  Download
                </a>
              </span>
            ) : null}
          </td>
        </tr>
      )}
    </CardsTable>
  );
}

/** The container's last lines (a service that will not start says why here). */
function LogsPanel({ service }: { service: string }) {
  const logs = useApi(
    () => api.text(`/services/${encodeURIComponent(service)}/logs?tail=100`),
    [service],
    15_000,
  );
  return (
    <div class="panel">
      <h2>Logs</h2>
      <ListState query={logs} what="logs" isEmpty={(text) => text.trim() === ""} empty="No output yet.">
        {(text) => <pre data-testid="service-logs">{text}</pre>}
      </ListState>
    </div>
  );
}
