import { pier } from "../api.ts";
import { CardsTable, ErrorBox, ListState, StatusBadge, useAction } from "../components/ui.tsx";
import { relativeTime } from "../format.ts";
import { useApi } from "../use-api.ts";

export function PreviewsTab({ app }: { app: string }) {
  const envs = useApi(
    () =>
      pier.call("GET /api/v1/apps/:name/environments", { params: { name: app } }).then((a) => a.environments),
    [app],
    5000,
  );
  const wake = useAction();
  return (
    <div class="panel">
      <h2>Environments</h2>
      <p class="small muted">
        Pushing a branch other than the default creates a preview at <code>BRANCH--{app}.BASE_DOMAIN</code>.
        Deleting the branch removes it. With <code>sleep_after</code> in pier.toml an idle environment sleeps
        (its replicas stopped) until the next request wakes it.
      </p>
      <ErrorBox error={wake.error} />
      <ListState query={envs} what="environments" empty="No environments yet.">
        {(rows) => (
          <CardsTable
            testid="environments-table"
            columns={["Environment", "Branch", "Status", "URL", "Created"]}
            rows={rows}
          >
            {(e) => {
              const url = e.url ?? (e.host ? `http://${e.host}` : null);
              return (
                <tr key={e.name}>
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
                </tr>
              );
            }}
          </CardsTable>
        )}
      </ListState>
    </div>
  );
}
