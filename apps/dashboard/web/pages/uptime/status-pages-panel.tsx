import { useState } from "preact/hooks";
import { pier } from "../../api.ts";
import { DeleteButton, ErrorBox, ListState, useAction } from "../../components/ui.tsx";
import { useApi, useReloadOn } from "../../use-api.ts";
import { type Monitor, monitorTones, type StatusPage, statusBanner } from "./uptime-types.ts";

interface Draft {
  slug: string;
  title: string;
  description: string;
  host: string;
  monitors: string[];
}

const draftOf = (p?: StatusPage): Draft => ({
  slug: p?.slug ?? "",
  title: p?.title ?? "",
  description: p?.description ?? "",
  host: p?.host ?? "",
  monitors: p?.monitorIds ?? [],
});

/** What the public page will show for the draft: its banner and components, from the monitors' current state. */
function Preview({ draft, monitors }: { draft: Draft; monitors: Monitor[] }) {
  const chosen = draft.monitors.map((id) => monitors.find((m) => m.id === id)).filter((m) => m !== undefined);
  const banner = statusBanner(chosen.map((m) => m.status));
  return (
    <section class="panel" data-testid="status-page-preview" aria-label="Preview">
      <p class="small muted">Preview</p>
      <h2>{draft.title || draft.slug || "Untitled"}</h2>
      {draft.description ? <p>{draft.description}</p> : null}
      <p class={`badge ${banner.tone}`}>{banner.text}</p>
      <ul>
        {chosen.map((m) => (
          <li key={m.id}>
            {m.name} <span class={`badge ${monitorTones[m.status]}`}>{m.status}</span>
          </li>
        ))}
      </ul>
      {chosen.length === 0 ? <p class="muted small">Choose monitors to show.</p> : null}
    </section>
  );
}

function StatusPageEditor(props: { page?: StatusPage; monitors: Monitor[]; onSaved: () => unknown }) {
  const [draft, setDraft] = useState(() => draftOf(props.page));
  const save = useAction();
  const editing = props.page;
  const set = (key: keyof Omit<Draft, "monitors">) => ({
    value: draft[key],
    onInput: (e: { currentTarget: HTMLInputElement | HTMLTextAreaElement }) =>
      setDraft({ ...draft, [key]: e.currentTarget.value }),
  });
  const toggle = (id: string, on: boolean) =>
    setDraft({ ...draft, monitors: on ? [...draft.monitors, id] : draft.monitors.filter((m) => m !== id) });
  return (
    <div class="grid-2">
      <form
        class="stack"
        aria-label={editing ? `Edit status page ${editing.slug}` : "New status page"}
        onSubmit={(event) => {
          event.preventDefault();
          save.run(async () => {
            const common = {
              title: draft.title || draft.slug,
              description: draft.description,
              monitors: draft.monitors,
            };
            if (editing)
              await pier.call("PATCH /api/v1/status-pages/:slug", {
                params: { slug: editing.slug },
                body: { ...common, host: draft.host || null },
              });
            else
              await pier.call("POST /api/v1/status-pages", {
                body: { ...common, slug: draft.slug, ...(draft.host ? { host: draft.host } : {}) },
              });
            if (!editing) setDraft(draftOf());
            await props.onSaved();
          });
        }}
      >
        {editing ? null : (
          <label>
            Slug (the page is at /status/slug)
            <input name="page-slug" required placeholder="acme" {...set("slug")} />
          </label>
        )}
        <label>
          Title
          <input name="page-title" placeholder="ACME status" {...set("title")} />
        </label>
        <label>
          Description
          <textarea name="page-description" rows={2} {...set("description")} />
        </label>
        <label>
          Own host (optional)
          <input name="page-host" placeholder="status.example.com" {...set("host")} />
        </label>
        <fieldset class="stack">
          <legend class="small muted">Monitors shown, in this order</legend>
          {props.monitors.length === 0 ? <p class="small muted">No monitors yet.</p> : null}
          {props.monitors.map((m) => (
            <label class="inline" key={m.id}>
              <input
                type="checkbox"
                name={`page-monitor-${m.name}`}
                checked={draft.monitors.includes(m.id)}
                onChange={(e) => toggle(m.id, e.currentTarget.checked)}
              />
              {m.name}
            </label>
          ))}
        </fieldset>
        <div class="toolbar">
          <button type="submit" class="primary" disabled={save.busy}>
            {editing ? "Save page" : "Create page"}
          </button>
        </div>
        <ErrorBox error={save.error} />
      </form>
      <Preview draft={draft} monitors={props.monitors} />
    </div>
  );
}

/** Public status pages: create and edit them with a live preview of what the public will see. */
export function StatusPagesPanel({ version }: { version: number }) {
  const pages = useApi(() => pier.call("GET /api/v1/status-pages").then((r) => r.statusPages), []);
  const monitors = useApi(() => pier.call("GET /api/v1/monitors").then((r) => r.monitors), []);
  useReloadOn(version, pages, monitors);
  const [open, setOpen] = useState<string | null>(null);
  const all = monitors.data ?? [];
  return (
    <section class="panel" aria-label="Status pages">
      <h2>Status pages</h2>
      <ListState query={pages} what="status pages" empty="No status pages yet.">
        {(rows) => (
          <ul class="plain" data-testid="status-pages">
            {rows.map((p) => (
              <li key={p.id}>
                <div class="spread">
                  <span>
                    <a href={p.path} target="_blank" rel="noreferrer">
                      {p.title}
                    </a>{" "}
                    <span class="small muted">
                      {p.path}
                      {p.host ? ` · http://${p.host}/` : ""} · {p.monitorIds.length} monitors
                    </span>
                  </span>
                  <span class="toolbar">
                    <button
                      type="button"
                      aria-expanded={open === p.slug}
                      onClick={() => setOpen(open === p.slug ? null : p.slug)}
                    >
                      {open === p.slug ? "Close" : "Edit"}
                    </button>
                    <DeleteButton
                      label="Delete"
                      question={`Delete status page "${p.slug}"?`}
                      remove={() =>
                        pier.call("DELETE /api/v1/status-pages/:slug", { params: { slug: p.slug } })
                      }
                      onDeleted={pages.reload}
                    />
                  </span>
                </div>
                {open === p.slug ? (
                  <StatusPageEditor
                    page={p}
                    monitors={all}
                    onSaved={async () => {
                      setOpen(null);
                      await pages.reload();
                    }}
                  />
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </ListState>
      <h3>New status page</h3>
      <StatusPageEditor monitors={all} onSaved={pages.reload} />
    </section>
  );
}
