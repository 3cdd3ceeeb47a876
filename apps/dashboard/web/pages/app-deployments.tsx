import type { PierRoute } from "@pier/contract";
import type { ClientOutput, RouteOf } from "@pier/http/contract";
import { useState } from "preact/hooks";
import { pier } from "../api.ts";
import { DeployInstructions } from "../components/deploy-instructions.tsx";
import { DeploymentLog } from "../components/deployment-log.tsx";
import { CardsTable, ConfirmButton, ListState, StatusBadge } from "../components/ui.tsx";
import { deploymentDuration, isInProgress, relativeTime, shortSha } from "../format.ts";
import { useApi } from "../use-api.ts";

type Deployment = ClientOutput<RouteOf<PierRoute, "GET /api/v1/deployments/:id">>["deployment"];

/** Mirrors the API's rule: an earlier production release that once went live and has an image. */
export function isRollbackTarget(d: Deployment, current: Deployment): boolean {
  return (
    d.id !== current.id &&
    (d.status === "superseded" || d.status === "rolled_back") &&
    !!d.image &&
    (d.environment ?? "production") === "production"
  );
}

export function DeploymentsTab({ app }: { app: string }) {
  const history = useApi(
    () =>
      pier.call("GET /api/v1/apps/:name/deployments", { params: { name: app } }).then((a) => a.deployments),
    [app],
    2000,
  );
  const [selected, setSelected] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const deployments = history.data ?? [];
  const running = deployments.find((d) => isInProgress(d.status));
  // The newest live production deployment is the one serving traffic; older good ones are rollback targets.
  const current = deployments.find(
    (d) => d.status === "live" && (d.environment ?? "production") === "production",
  );
  // A running deploy wins; otherwise the newest one, so the last build log is always one glance away.
  const shownId = selected ?? running?.id ?? deployments[0]?.id ?? null;
  const shown = deployments.find((d) => d.id === shownId);

  async function rollback(to?: string) {
    const { deployment } = await pier.call("POST /api/v1/apps/:name/rollback", {
      params: { name: app },
      body: to ? { to } : {},
    });
    setNotice(`Rollback started (${deployment.id}).`);
    setSelected(deployment.id);
    await history.reload();
  }

  const missingApi = history.error && deployments.length === 0;
  return (
    <>
      <ListState query={history} what="deployments" />
      {notice ? <div class="notice">{notice}</div> : null}
      {(history.data && deployments.length === 0) || missingApi ? <DeployInstructions app={app} /> : null}
      {shown ? (
        <DeploymentLog id={shown.id} live={isInProgress(shown.status)} onFinished={() => history.reload()} />
      ) : null}
      {deployments.length > 0 ? (
        <div class="panel">
          <div class="spread">
            <h2>Deployments</h2>
            {current && deployments.some((d) => isRollbackTarget(d, current)) ? (
              <ConfirmButton
                label="Roll back"
                question="Roll back to the previous release?"
                confirmLabel="Roll back"
                onConfirm={() => rollback()}
              />
            ) : null}
          </div>
          <CardsTable
            testid="deployments-table"
            columns={["Status", "Deployment", "Commit", "Started", "Duration", ""]}
            rows={deployments}
          >
            {(d) => (
              <tr key={d.id} data-deployment={d.id} class={d.id === shownId ? "selected" : ""}>
                <td data-label="Status">
                  <StatusBadge status={d.status} />
                  {d.id === current?.id ? <span class="small muted"> current</span> : null}
                </td>
                <td data-label="Deployment">
                  <span class="mono">{d.id}</span>
                  <div class="small muted">
                    {d.trigger ?? d.source ?? ""}
                    {d.environment && d.environment !== "production" ? ` · ${d.environment}` : ""}
                  </div>
                  {d.error ? (
                    <div class="small" style={{ color: "var(--bad)" }}>
                      {d.error}
                    </div>
                  ) : null}
                </td>
                <td data-label="Commit" class="mono">
                  {shortSha(d.commitSha)}
                  {d.branch ? <div class="small muted">{d.branch}</div> : null}
                </td>
                <td data-label="Started">{relativeTime(d.createdAt)}</td>
                <td data-label="Duration">{deploymentDuration(d.createdAt, d.finishedAt)}</td>
                <td data-label="">
                  <span class="row">
                    <button type="button" class="link" onClick={() => setSelected(d.id)}>
                      Log
                    </button>
                    {current && isRollbackTarget(d, current) ? (
                      <ConfirmButton
                        label="Roll back to this"
                        question={`Make ${d.id} live again?`}
                        confirmLabel="Roll back"
                        onConfirm={() => rollback(d.id)}
                      />
                    ) : null}
                  </span>
                </td>
              </tr>
            )}
          </CardsTable>
        </div>
      ) : null}
      {deployments.length > 0 ? (
        <details class="panel">
          <summary>How to deploy</summary>
          <DeployInstructions app={app} />
        </details>
      ) : null}
    </>
  );
}
