import { pier } from "../api.ts";
import { TypedConfirm } from "../components/ui.tsx";
import { navigate } from "../router.ts";

/** The app's own settings: what it is, and deleting it (after typing its name). */
export function AppSettingsTab({ app, defaultBranch }: { app: string; defaultBranch?: string }) {
  return (
    <>
      <div class="panel">
        <h2>About {app}</h2>
        <p class="small">
          Production branch: <span class="mono">{defaultBranch ?? "…"}</span>. Pushes to it deploy production;
          other branches get a preview each.
        </p>
        <p class="small muted">
          Build and runtime settings (port, health check, replicas, resources, sleep) live in the app's
          <span class="mono"> pier.toml</span>; environment variables on the Environment tab.
        </p>
      </div>
      <div class="panel danger-zone" data-testid="delete-app">
        <h2>Delete this app</h2>
        <TypedConfirm
          name={app}
          label={`Delete ${app}`}
          consequence={
            <p>
              Its replicas stop, its routes, domains, env vars, deployments, previews, logs and git repository
              are deleted. This cannot be undone: a backup of pier is the only way back.
            </p>
          }
          onConfirm={async () => {
            await pier.call("DELETE /api/v1/apps/:name", { params: { name: app } });
            navigate("/", true);
          }}
        />
      </div>
    </>
  );
}
