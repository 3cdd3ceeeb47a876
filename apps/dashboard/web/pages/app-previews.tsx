import { api } from "../api.ts";
import { ErrorBox, Loading, StatusBadge } from "../components/ui.tsx";
import { relativeTime } from "../format.ts";
import type { Environment } from "../types.ts";
import { useApi } from "../use-api.ts";

export function PreviewsTab({ app }: { app: string }) {
  const envs = useApi(
    () => api.get<{ environments: Environment[] }>(`/apps/${app}/environments`).then((a) => a.environments),
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
      <ErrorBox error={envs.error} />
      {envs.loading && !envs.data ? <Loading what="environments" /> : null}
      {envs.data?.length === 0 ? <p class="muted">No environments yet.</p> : null}
      {envs.data?.length ? (
        <table class="cards" data-testid="environments-table">
          <thead>
            <tr>
              <th>Environment</th>
              <th>Branch</th>
              <th>Status</th>
              <th>URL</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {envs.data.map((e) => {
              const url = e.url ?? (e.host ? `http://${e.host}` : null);
              return (
                <tr key={e.name}>
                  <td data-label="Environment">{e.name}</td>
                  <td data-label="Branch" class="mono">
                    {e.branch ?? "–"}
                  </td>
                  <td data-label="Status">
                    <StatusBadge status={e.status ?? null} />
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
            })}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
