import { pier } from "../api.ts";
import { CardsTable, ListState, StatusBadge } from "../components/ui.tsx";
import { relativeTime } from "../format.ts";
import { useApi } from "../use-api.ts";

export function PreviewsTab({ app }: { app: string }) {
  const envs = useApi(
    () =>
      pier.call("GET /api/v1/apps/:name/environments", { params: { name: app } }).then((a) => a.environments),
    [app],
    5000,
  );
  return (
    <div class="panel">
      <h2>Environments</h2>
      <p class="small muted">
        Pushing a branch other than the default creates a preview at <code>BRANCH--{app}.BASE_DOMAIN</code>.
        Deleting the branch removes it.
      </p>
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
