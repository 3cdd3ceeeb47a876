import { useState } from "preact/hooks";
import { pier } from "../api.ts";
import { TextField } from "../components/text-field.tsx";
import { CardsTable, DeleteButton, EmptyState, ListState, useAction } from "../components/ui.tsx";
import { relativeTime } from "../format.ts";
import { useApi } from "../use-api.ts";

/** Settings → Static routes: a host (and path) proxied to fixed upstreams, no deployment behind it. */
export function StaticRoutesPanel() {
  const routes = useApi(() => pier.call("GET /api/v1/routes").then((a) => a.routes), []);
  const [host, setHost] = useState("");
  const [pathPrefix, setPathPrefix] = useState("");
  const [upstreams, setUpstreams] = useState("");
  const [stripPrefix, setStripPrefix] = useState(false);
  const create = useAction();
  return (
    <div class="panel">
      <h2>Static routes</h2>
      <p class="small muted">
        Send a host, or a path of it, to services pier does not deploy (a NAS, another server). Traffic gets
        the same TLS, limits and metrics as apps.
      </p>
      <form
        class="inline"
        onSubmit={(event) => {
          event.preventDefault();
          create.run(async () => {
            await pier.call("POST /api/v1/routes", {
              body: {
                host,
                ...(pathPrefix ? { pathPrefix } : {}),
                upstreams: upstreams.split(/[\s,]+/).filter(Boolean),
                stripPrefix,
              },
            });
            setHost("");
            setPathPrefix("");
            setUpstreams("");
            await routes.reload();
          });
        }}
      >
        <TextField
          label="Host"
          name="route-host"
          required
          placeholder="e.g. nas.example.com"
          value={host}
          onValue={setHost}
          trim
        />
        <TextField
          label="Path prefix"
          name="route-path"
          placeholder="e.g. /api (default /)"
          value={pathPrefix}
          onValue={setPathPrefix}
          trim
        />
        <TextField
          label="Upstreams"
          name="route-upstreams"
          required
          placeholder="e.g. http://10.0.0.5:8080"
          value={upstreams}
          onValue={setUpstreams}
        />
        <label class="inline">
          <input
            type="checkbox"
            checked={stripPrefix}
            onChange={(e) => setStripPrefix(e.currentTarget.checked)}
          />
          Strip the prefix
        </label>
        <button type="submit" class="primary" disabled={create.busy}>
          Add route
        </button>
      </form>
      <ListState
        query={routes}
        what="routes"
        extraError={create.error}
        empty={
          <EmptyState title="No static routes">
            Apps get their routes by deploying; add one here only for other servers.
          </EmptyState>
        }
      >
        {(rows) => (
          <CardsTable
            testid="routes-table"
            columns={["Host", "Path", "Upstreams", "Created", ""]}
            rows={rows}
          >
            {(r) => (
              <tr key={r.id} data-route={r.host}>
                <td data-label="Host" class="mono">
                  {r.host}
                </td>
                <td data-label="Path" class="mono">
                  {r.pathPrefix}
                </td>
                <td data-label="Upstreams" class="mono small">
                  {r.upstreams.join(", ")}
                </td>
                <td data-label="Created">{relativeTime(r.createdAt)}</td>
                <td data-label="">
                  <DeleteButton
                    label="Remove"
                    question={`Stop routing ${r.host}${r.pathPrefix === "/" ? "" : r.pathPrefix}?`}
                    remove={() => pier.call("DELETE /api/v1/routes/:id", { params: { id: r.id } })}
                    onDeleted={routes.reload}
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
