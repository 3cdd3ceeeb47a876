import { useEffect, useState } from "preact/hooks";
import { pier } from "../../api.ts";
import { ErrorBox, ListState, useAction } from "../../components/ui.tsx";
import { useApi } from "../../use-api.ts";
import type { SiteSettings } from "./analytics-query.ts";

function SettingsForm({ app, saved, onSaved }: { app: string; saved: SiteSettings; onSaved: () => void }) {
  const [form, setForm] = useState({ ...saved, paths: saved.excludedPaths.join("\n") });
  const [done, setDone] = useState(false);
  const save = useAction();
  useEffect(() => setForm({ ...saved, paths: saved.excludedPaths.join("\n") }), [saved]);
  return (
    <form
      class="stack"
      onSubmit={(event) => {
        event.preventDefault();
        setDone(false);
        save.run(async () => {
          await pier.call("PUT /api/v1/analytics/:site/settings", {
            params: { site: app },
            body: {
              autoInject: form.autoInject,
              respectDnt: form.respectDnt,
              excludedPaths: form.paths
                .split(/[\n,]/)
                .map((p) => p.trim())
                .filter(Boolean),
            },
          });
          setDone(true);
          onSaved();
        });
      }}
    >
      <label class="inline">
        <input
          type="checkbox"
          name="auto-inject"
          checked={form.autoInject}
          onChange={(e) => setForm({ ...form, autoInject: e.currentTarget.checked })}
        />
        Add the tracker to the app's HTML pages automatically
      </label>
      <label class="inline">
        <input
          type="checkbox"
          name="respect-dnt"
          checked={form.respectDnt}
          onChange={(e) => setForm({ ...form, respectDnt: e.currentTarget.checked })}
        />
        Send nothing from browsers that ask not to be tracked (Do Not Track)
      </label>
      <label>
        <span>
          Excluded paths, one per line (<code>/admin/*</code> excludes everything below /admin/)
        </span>
        <textarea
          name="excluded-paths"
          rows={3}
          value={form.paths}
          onInput={(e) => setForm({ ...form, paths: e.currentTarget.value })}
        />
      </label>
      <div class="toolbar">
        <button type="submit" class="primary" disabled={save.busy}>
          Save settings
        </button>
        {done ? (
          <span class="small" role="status">
            Saved.
          </span>
        ) : null}
      </div>
      <ErrorBox error={save.error} />
    </form>
  );
}

/** Tracker options of the app: auto-injection, Do Not Track and excluded paths. */
export function SettingsPanel({ app }: { app: string }) {
  const settings = useApi(
    () =>
      pier.call("GET /api/v1/analytics/:site/settings", { params: { site: app } }).then((a) => a.settings),
    [app],
  );
  return (
    <section class="panel" aria-label="Tracking settings">
      <h2>Tracking settings</h2>
      <p class="small muted">
        Without auto-injection, add <code>{'<script defer src="/_pier/script.js"></script>'}</code> to your
        pages. No cookies are set and no personal data is kept.
      </p>
      <ListState query={settings} what="settings">
        {(saved) => <SettingsForm app={app} saved={saved} onSaved={settings.reload} />}
      </ListState>
    </section>
  );
}
