import type { ComponentChildren } from "preact";
import { useLayoutEffect } from "preact/hooks";
import { useIsAdmin } from "../access.ts";
import { ApiError, pier } from "../api.ts";
import { Link, ListState } from "../components/ui.tsx";
import { formatBytes, formatDuration, relativeTime } from "../format.ts";
import { useApi } from "../use-api.ts";

function Card(props: {
  title: string;
  state?: ComponentChildren;
  children: ComponentChildren;
  testid?: string;
}) {
  return (
    <div class="card" data-testid={props.testid}>
      <h3>
        <span>{props.title}</span>
        {props.state}
      </h3>
      {props.children}
    </div>
  );
}

/** A used/total bar: amber from 80 %, red from 90 %. */
function Usage({ used, total, label }: { used: number; total: number; label: string }) {
  const share = total > 0 ? Math.min(1, used / total) : 0;
  const tone = share >= 0.9 ? "bad" : share >= 0.8 ? "warn" : "";
  return (
    // The figures are written out next to it; the bar only shows them.
    <div class="gauge" aria-hidden="true" title={`${label}: ${Math.round(share * 100)} %`}>
      <span class={tone} style={{ width: `${(share * 100).toFixed(1)}%` }} />
    </div>
  );
}

/** Backups need an admin; anyone else sees that they are not theirs to see (without asking for a 403). */
async function lastBackup(admin: boolean) {
  if (!admin) return { run: null, schedule: null, forbidden: true };
  try {
    const { runs, settings } = await pier.call("GET /api/v1/backups");
    return { run: runs[0] ?? null, schedule: settings.schedule, forbidden: false };
  } catch (error) {
    if (error instanceof ApiError && (error.status === 403 || error.status === 404))
      return { run: null, schedule: null, forbidden: true };
    throw error;
  }
}

/** The home's "is my server fine": version, memory, disk, Docker, certificates, backups. */
export function PlatformHealth() {
  const health = useApi(() => pier.call("GET /api/v1/platform/health"), [], 60_000);
  const admin = useIsAdmin();
  const backups = useApi(() => lastBackup(admin), [admin], 60_000);
  const rendered = health.data !== undefined;
  useLayoutEffect(() => {
    // Read by bench/dashboard: the home's last panel in the DOM.
    if (rendered && performance.getEntriesByName("pier:health-rendered").length === 0) {
      performance.mark("pier:health-rendered");
    }
  }, [rendered]);
  return (
    <section class="panel" aria-labelledby="platform-heading" data-testid="platform-health">
      <h2 id="platform-heading">Platform</h2>
      <ListState query={health} what="the platform's health">
        {(h) => {
          const memoryUsed = h.host.memory.totalBytes - h.host.memory.freeBytes;
          const certs = h.certificates;
          const run = backups.data?.run;
          return (
            <div class="health">
              <Card title="pier" testid="health-pier">
                <p>
                  <strong>{h.version}</strong> <span class="muted">on {h.host.platform}</span>
                </p>
                <p class="small muted">
                  Up {formatDuration(Date.now() - new Date(h.startedAt).getTime())} ·{" "}
                  {h.database === "postgres" ? "PostgreSQL" : "SQLite"} · {formatBytes(h.process.rssBytes)}{" "}
                  memory
                </p>
              </Card>
              <Card title="Memory" testid="health-memory">
                <p>
                  {formatBytes(memoryUsed)} of {formatBytes(h.host.memory.totalBytes)} used
                </p>
                <Usage used={memoryUsed} total={h.host.memory.totalBytes} label="Memory used" />
                <p class="small muted">
                  {h.host.cpus} CPU{h.host.cpus === 1 ? "" : "s"}, load {h.host.loadAverage[0] ?? "–"}
                </p>
              </Card>
              <Card title="Disk" testid="health-disk">
                {h.host.disk ? (
                  <>
                    <p>
                      {formatBytes(h.host.disk.freeBytes)} free of {formatBytes(h.host.disk.totalBytes)}
                    </p>
                    <Usage
                      used={h.host.disk.totalBytes - h.host.disk.freeBytes}
                      total={h.host.disk.totalBytes}
                      label="Disk used"
                    />
                    <p class="small muted mono">{h.host.disk.path}</p>
                  </>
                ) : (
                  <p class="muted">The data directory's disk could not be read.</p>
                )}
              </Card>
              <Card
                title="Docker"
                testid="health-docker"
                state={
                  h.docker ? (
                    <span class={`badge ${h.docker.reachable ? "ok" : "bad"}`}>
                      {h.docker.reachable ? "Reachable" : "Not reachable"}
                    </span>
                  ) : null
                }
              >
                <p class="small muted">
                  {!h.docker
                    ? "The deploy engine is not running in this pier."
                    : h.docker.reachable
                      ? "Container apps build and run."
                      : "Static sites deploy; container apps fail until dockerd runs (or DOCKER_HOST points at it)."}
                </p>
              </Card>
              <Card
                title="Certificates"
                testid="health-certificates"
                state={
                  certs.failed || certs.expiringSoon.length ? (
                    <span class="badge bad">Attention</span>
                  ) : certs.selfSigned ? (
                    <span class="badge warn">Self-signed</span>
                  ) : certs.total ? (
                    <span class="badge ok">Trusted</span>
                  ) : null
                }
              >
                {certs.total === 0 ? (
                  <p class="small muted">No custom domains yet.</p>
                ) : (
                  <p class="small">
                    {certs.trusted} trusted · {certs.selfSigned} self-signed · {certs.failed} failed
                  </p>
                )}
                {certs.expiringSoon.map((c) => (
                  <p key={c.host} class="small" style={{ color: "var(--bad)" }}>
                    {c.host} expires {new Date(c.notAfter).toLocaleDateString()}
                  </p>
                ))}
              </Card>
              <Card
                title="Backups"
                testid="health-backups"
                state={
                  run ? (
                    <span
                      class={`badge ${run.status === "succeeded" ? "ok" : run.status === "failed" ? "bad" : "warn"}`}
                    >
                      {run.status === "succeeded"
                        ? "Succeeded"
                        : run.status === "failed"
                          ? "Failed"
                          : "Running"}
                    </span>
                  ) : null
                }
              >
                {backups.data?.forbidden ? (
                  <p class="small muted">Visible to admins.</p>
                ) : run ? (
                  <p class="small">
                    Last {relativeTime(run.startedAt)}
                    {run.bytes !== null ? `, ${formatBytes(run.bytes)}` : ""}
                    {run.status === "failed" && run.error ? `: ${run.error}` : ""}
                  </p>
                ) : backups.data ? (
                  <p class="small muted">
                    No backup yet
                    {backups.data.schedule && backups.data.schedule !== "off"
                      ? ` (schedule: ${backups.data.schedule})`
                      : ""}
                    . <Link href="/settings?tab=backups">Set up backups</Link>
                  </p>
                ) : (
                  <p class="small muted">{backups.error ?? "…"}</p>
                )}
              </Card>
            </div>
          );
        }}
      </ListState>
    </section>
  );
}
