import { useEffect, useState } from "preact/hooks";
import { pier } from "../api.ts";
import { DeployInstructions } from "../components/deploy-instructions.tsx";
import { DeploymentDetail } from "../components/deployment-detail.tsx";
import { ComparePanel } from "../components/deployments-compare.tsx";
import { CardsTable, ConfirmButton, ListState, StatusBadge } from "../components/ui.tsx";
import { commitLine, type Deployment, deploymentOrigin, isRollbackTarget } from "../deployments.ts";
import { deploymentDuration, isInProgress, relativeTime } from "../format.ts";
import { useDeployChanges } from "../live.ts";
import { useApi } from "../use-api.ts";

export { isRollbackTarget };

/**
 * `focus`: a deployment to show (the #fragment a deploy started from the page leads to);
 * `onChange` hears every change of the app's deployments (the page's status badge).
 */
export function DeploymentsTab(props: { app: string; focus?: string; onChange?: () => void }) {
  const { app, focus = "" } = props;
  const history = useApi(
    () =>
      pier.call("GET /api/v1/apps/:name/deployments", { params: { name: app } }).then((a) => a.deployments),
    [app],
    10_000,
  );
  useDeployChanges(
    (change) => change.app === app,
    () => {
      history.reload();
      props.onChange?.();
    },
  );
  const [selected, setSelected] = useState<string | null>(null);
  const [comparing, setComparing] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  // A deployment asked for by the address wins over one clicked earlier.
  useEffect(() => setSelected(null), [focus]);
  const deployments = history.data ?? [];
  const running = deployments.find((d) => isInProgress(d.status));
  // The newest live production deployment is the one serving traffic; older good ones are rollback targets.
  const current = deployments.find(
    (d) => d.status === "live" && (d.environment ?? "production") === "production",
  );
  // Just started from the Deploy panel (#id), else a running deploy, else the newest: one glance away.
  const shownId =
    selected ?? (deployments.some((d) => d.id === focus) ? focus : null) ?? running?.id ?? deployments[0]?.id;
  const shown = deployments.find((d) => d.id === shownId);
  const production = deployments.filter((d) => (d.environment ?? "production") === "production");

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
      {notice ? (
        <div class="notice" role="status">
          {notice}
        </div>
      ) : null}
      {(history.data && deployments.length === 0) || missingApi ? <DeployInstructions app={app} /> : null}
      {shown ? (
        <DeploymentDetail deployment={shown} all={deployments} onChanged={() => history.reload()} />
      ) : null}
      {comparing && deployments.length > 1 ? (
        <ComparePanel
          app={app}
          deployments={deployments}
          initial={[production[1]?.id ?? deployments[1]!.id, current?.id ?? deployments[0]!.id]}
        />
      ) : null}
      {deployments.length > 0 ? (
        <div class="panel">
          <div class="spread">
            <h2>Deployments</h2>
            <span class="row">
              {deployments.length > 1 ? (
                <button type="button" aria-pressed={comparing} onClick={() => setComparing(!comparing)}>
                  {comparing ? "Hide comparison" : "Compare releases"}
                </button>
              ) : null}
              {current && deployments.some((d) => isRollbackTarget(d, current)) ? (
                <ConfirmButton
                  label="Roll back"
                  question="Roll back to the previous release?"
                  confirmLabel="Roll back"
                  onConfirm={() => rollback()}
                />
              ) : null}
            </span>
          </div>
          <CardsTable
            testid="deployments-table"
            columns={["Status", "Deployment", "Commit", "Started", "Duration", ""]}
            rows={deployments}
          >
            {(d: Deployment) => (
              <tr key={d.id} data-deployment={d.id} class={d.id === shownId ? "selected" : ""}>
                <td data-label="Status">
                  <StatusBadge status={d.status} />
                  {d.id === current?.id ? <div class="small muted">serving now</div> : null}
                </td>
                <td data-label="Deployment">
                  <span class="mono">{d.id}</span>
                  <div class="small muted">
                    {deploymentOrigin(d)}
                    {d.environment && d.environment !== "production" ? ` · preview ${d.environment}` : ""}
                  </div>
                  {d.error && d.status === "failed" ? (
                    <div class="small" style={{ color: "var(--bad)" }}>
                      {d.error}
                    </div>
                  ) : null}
                </td>
                <td data-label="Commit">
                  <span class="mono small">{commitLine(d)}</span>
                </td>
                <td data-label="Started">
                  {relativeTime(d.createdAt)}
                  {d.actor ? <div class="small muted">by {d.actor}</div> : null}
                </td>
                <td data-label="Duration" class="num">
                  {deploymentDuration(d.createdAt, d.finishedAt)}
                </td>
                <td data-label="">
                  <span class="row">
                    <button
                      type="button"
                      class="link"
                      aria-pressed={d.id === shownId}
                      onClick={() => setSelected(d.id)}
                    >
                      Details
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
          <summary>How to deploy from a terminal</summary>
          <DeployInstructions app={app} />
        </details>
      ) : null}
    </>
  );
}
