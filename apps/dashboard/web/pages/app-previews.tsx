import { pier } from "../api.ts";
import {
  CardsTable,
  ConfirmButton,
  EmptyState,
  ErrorBox,
  ListState,
  StatusBadge,
  useAction,
} from "../components/ui.tsx";
import { relativeTime } from "../format.ts";
import { useDeployChanges } from "../live.ts";
import { navigate } from "../router.ts";
import { useApi } from "../use-api.ts";

export function PreviewsTab({ app, onChange }: { app: string; onChange?: () => void }) {
  const envs = useApi(
    () =>
      pier.call("GET /api/v1/apps/:name/environments", { params: { name: app } }).then((a) => a.environments),
    [app],
    5000,
  );
  const wake = useAction();
  useDeployChanges(
    (change) => change.app === app,
    () => {
      envs.reload();
      onChange?.();
    },
  );
  async function promote(environment: string) {
    const { deployment } = await pier.call("POST /api/v1/apps/:name/environments/:environment/promote", {
      params: { name: app, environment },
    });
    navigate(`/apps/${app}#${deployment.id}`);
  }
  return (
    <div class="panel">
      <h2>Environments</h2>
      <p class="small muted">
        Pushing a branch other than the default creates a preview at <code>BRANCH--{app}.BASE_DOMAIN</code>.
        Deleting the branch removes it. With <code>sleep_after</code> in pier.toml an idle environment sleeps
        (its replicas stopped) until the next request wakes it.
      </p>
      <ErrorBox error={wake.error} />
      <ListState
        query={envs}
        what="environments"
        empty={
          <EmptyState title="No environments yet">
            Deploy the app once for production; push another branch (or upload with a preview branch) for a
            preview.
          </EmptyState>
        }
      >
        {(rows) => (
          <CardsTable
            testid="environments-table"
            columns={["Environment", "Branch", "Status", "URL", "Created", ""]}
            rows={rows}
          >
            {(e) => {
              const url = e.url ?? (e.host ? `http://${e.host}` : null);
              return (
                <tr key={e.name} data-environment={e.name}>
                  <td data-label="Environment">{e.name}</td>
                  <td data-label="Branch" class="mono">
                    {e.branch}
                  </td>
                  <td data-label="Status">
                    <StatusBadge status={e.status} />
                    {e.status === "sleeping" ? (
                      <>
                        {" "}
                        <span class="small muted" title={e.sleepingSince ?? ""}>
                          since {relativeTime(e.sleepingSince)}
                        </span>{" "}
                        <button
                          type="button"
                          disabled={wake.busy}
                          onClick={() =>
                            wake.run(async () => {
                              await pier.call("POST /api/v1/apps/:name/environments/:environment/wake", {
                                params: { name: app, environment: e.name },
                              });
                              await envs.reload();
                            })
                          }
                        >
                          Wake
                        </button>
                      </>
                    ) : null}
                  </td>
                  <td data-label="URL">
                    {url ? (
                      <a href={url} target="_blank" rel="noreferrer">
                        {url}
                      </a>
                    ) : (
                      "–"
                    )}
                  </td>
                  <td data-label="Created">{relativeTime(e.createdAt)}</td>
                  <td data-label="">
                    {e.kind === "preview" && e.currentDeploymentId ? (
                      <ConfirmButton
                        label="Promote to production"
                        question={`Deploy ${e.name}'s release to production (same build, production's env vars)?`}
                        confirmLabel="Promote"
                        onConfirm={() => promote(e.name)}
                      />
                    ) : null}
                  </td>
                </tr>
              );
            }}
          </CardsTable>
        )}
      </ListState>
    </div>
  );
}
