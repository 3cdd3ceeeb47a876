import { useState } from "preact/hooks";
import { pier } from "../../api.ts";
import { TextField } from "../../components/text-field.tsx";
import { CardsTable, CopyBlock, Link, ListState, useAction } from "../../components/ui.tsx";
import { relativeTime, showBidiControls } from "../../format.ts";
import { addObservabilityStyles } from "../../observability-styles.ts";
import type { Loaded } from "../../use-api.ts";
import { useApi } from "../../use-api.ts";
import { type ErrorIssue, type ErrorProject, issueBadge } from "../errors-types.ts";
import { ProjectReplaysPanel } from "./replays-panel.tsx";

// Error tracking: projects with their DSNs, and the issues list with filters (/api/v1/errors).

function ProjectsPanel({ projects }: { projects: Loaded<ErrorProject[]> }) {
  const [name, setName] = useState("");
  const [open, setOpen] = useState<number | null>(null);
  const create = useAction();
  return (
    <div class="panel">
      <h2>Projects</h2>
      <p class="small muted">
        Every app gets a project when it is deployed (SENTRY_DSN is injected). For apps hosted elsewhere,
        create one and give its DSN to any Sentry SDK.
      </p>
      <form
        class="inline"
        onSubmit={(event) => {
          event.preventDefault();
          create.run(async () => {
            const { project } = await pier.call("POST /api/v1/errors/projects", { body: { name } });
            setName("");
            setOpen(project.id);
            await projects.reload();
          });
        }}
      >
        <TextField
          label="Name"
          name="project-name"
          required
          placeholder="marketing-site"
          value={name}
          onValue={setName}
        />
        <button type="submit" class="primary" disabled={create.busy}>
          Create project
        </button>
      </form>
      <ListState query={projects} what="projects" extraError={create.error}>
        {(rows) => (
          <table data-testid="error-projects">
            <tbody>
              {rows.map((p) => (
                <tr key={p.id}>
                  <td>
                    <b>{p.name}</b> <span class="small muted">#{p.id}</span>
                    {p.appId ? <span class="small muted"> (app)</span> : null}
                    {open === p.id ? (
                      <>
                        <CopyBlock label="DSN (console port)" text={p.dsn} />
                        {Object.entries(p.appHostDsns).map(([host, dsn]) => (
                          <CopyBlock
                            key={host}
                            label={`DSN through ${host} (same origin for browsers)`}
                            text={dsn}
                          />
                        ))}
                        <p class="small muted">
                          Browser SDKs can also keep events first-party with{" "}
                          <code>tunnel: "/_pier/errors/tunnel"</code> on any app host.
                        </p>
                      </>
                    ) : null}
                  </td>
                  <td class="small muted">{p.stats.events ?? 0} events since start</td>
                  <td>
                    <button type="button" class="link" onClick={() => setOpen(open === p.id ? null : p.id)}>
                      {open === p.id ? "hide DSN" : "show DSN"}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </ListState>
    </div>
  );
}

const statusChoices = ["unresolved", "resolved", "ignored"] as const;
const sortChoices = ["lastSeen", "firstSeen", "count", "users"] as const;
const levelChoices = ["fatal", "error", "warning", "info", "debug"] as const;

function IssuesPanel({ projects }: { projects: ErrorProject[] }) {
  const [filters, setFilters] = useState({
    status: "unresolved",
    sort: "lastSeen",
    environment: "",
    release: "",
    level: "",
    project: "",
    query: "",
  });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const bulk = useAction();
  // Unset filters stay out of the query string ("all" statuses is no status filter).
  const query = {
    sort: sortChoices.find((s) => s === filters.sort) ?? "lastSeen",
    limit: 100,
    status: statusChoices.find((s) => s === filters.status),
    level: levelChoices.find((l) => l === filters.level),
    project: filters.project ? Number(filters.project) : undefined,
    environment: filters.environment || undefined,
    release: filters.release || undefined,
    query: filters.query || undefined,
  };
  const issues = useApi(
    () => pier.call("GET /api/v1/errors/issues", { query }),
    [JSON.stringify(filters)],
    15_000,
  );
  const set = (key: keyof typeof filters) => (e: { currentTarget: HTMLInputElement | HTMLSelectElement }) => {
    setSelected(new Set());
    setFilters({ ...filters, [key]: e.currentTarget.value });
  };
  const projectName = new Map(projects.map((p) => [p.id, p.name]));
  const shown = issues.data?.issues ?? [];
  const allChosen = shown.length > 0 && shown.every((i) => selected.has(i.id));
  const toggle = (id: string, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(id);
    else next.delete(id);
    setSelected(next);
  };
  const apply = (status: ErrorIssue["status"]) =>
    bulk.run(async () => {
      await pier.call("POST /api/v1/errors/issues/bulk", { body: { ids: [...selected], status } });
      setSelected(new Set());
      await issues.reload();
    });
  return (
    <section class="panel" aria-label="Issues">
      <h2>Issues</h2>
      <form class="inline" aria-label="Filter issues" onSubmit={(e) => e.preventDefault()}>
        <label>
          Search titles
          <input
            name="query"
            type="search"
            placeholder="TypeError"
            value={filters.query}
            onInput={set("query")}
          />
        </label>
        <label>
          Project
          <select name="project" value={filters.project} onChange={set("project")}>
            <option value="">all</option>
            {projects.map((p) => (
              <option key={p.id} value={String(p.id)}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select name="status" value={filters.status} onChange={set("status")}>
            <option value="unresolved">unresolved</option>
            <option value="resolved">resolved</option>
            <option value="ignored">ignored</option>
            <option value="all">all</option>
          </select>
        </label>
        <label>
          Level
          <select name="level" value={filters.level} onChange={set("level")}>
            <option value="">any</option>
            {levelChoices.map((l) => (
              <option key={l}>{l}</option>
            ))}
          </select>
        </label>
        <label>
          Environment
          <input
            name="environment"
            placeholder="any"
            value={filters.environment}
            onChange={set("environment")}
          />
        </label>
        <label>
          Release
          <input name="release" placeholder="any" value={filters.release} onChange={set("release")} />
        </label>
        <label>
          Sort
          <select name="sort" value={filters.sort} onChange={set("sort")}>
            <option value="lastSeen">last seen</option>
            <option value="count">events</option>
            <option value="users">users</option>
            <option value="firstSeen">newest</option>
          </select>
        </label>
      </form>
      <div class="toolbar" data-testid="issues-bulk">
        <label class="inline">
          <input
            type="checkbox"
            checked={allChosen}
            disabled={shown.length === 0}
            onChange={(e) =>
              setSelected(e.currentTarget.checked ? new Set(shown.map((i) => i.id)) : new Set())
            }
          />
          Select all shown
        </label>
        <span class="small muted">{selected.size} selected</span>
        <button type="button" disabled={selected.size === 0 || bulk.busy} onClick={() => apply("resolved")}>
          Resolve selected
        </button>
        <button type="button" disabled={selected.size === 0 || bulk.busy} onClick={() => apply("ignored")}>
          Ignore selected
        </button>
        <button type="button" disabled={selected.size === 0 || bulk.busy} onClick={() => apply("unresolved")}>
          Reopen selected
        </button>
      </div>
      <ListState
        query={issues}
        what="issues"
        extraError={bulk.error}
        empty={
          filters.status === "unresolved" &&
          !filters.query &&
          !filters.level &&
          !filters.project &&
          !filters.environment &&
          !filters.release
            ? "No unresolved issues. Events sent to a project's DSN show up here."
            : "No issues match these filters."
        }
        isEmpty={(page) => page.issues.length === 0}
      >
        {(page) => (
          <>
            <CardsTable
              testid="error-issues"
              columns={["", "Issue", "Project", "Level", "Events", "Users", "Last seen", "Status"]}
              rows={page.issues}
            >
              {(issue) => {
                const badge = issueBadge(issue);
                return (
                  <tr key={issue.id} class={selected.has(issue.id) ? "selected" : ""}>
                    <td data-label="Select">
                      <input
                        type="checkbox"
                        aria-label={`Select ${issue.title}`}
                        checked={selected.has(issue.id)}
                        onChange={(e) => toggle(issue.id, e.currentTarget.checked)}
                      />
                    </td>
                    <td data-label="Issue" class="outside-text">
                      <Link href={`/errors/issues/${issue.id}`}>{showBidiControls(issue.title)}</Link>
                      <div class="small muted mono">{showBidiControls(issue.culprit ?? "")}</div>
                    </td>
                    <td data-label="Project">{projectName.get(issue.projectId) ?? `#${issue.projectId}`}</td>
                    <td data-label="Level">{issue.level}</td>
                    <td data-label="Events">{issue.count}</td>
                    <td data-label="Users">{issue.usersCount}</td>
                    <td data-label="Last seen">{relativeTime(issue.lastSeen)}</td>
                    <td data-label="Status">
                      <span class={`badge ${badge.tone}`}>{badge.label}</span>
                    </td>
                  </tr>
                );
              }}
            </CardsTable>
            {page.total > page.issues.length ? (
              <p class="small muted">
                Showing {page.issues.length} of {page.total}.
              </p>
            ) : null}
          </>
        )}
      </ListState>
    </section>
  );
}

export function ErrorsPage() {
  addObservabilityStyles();
  const projects = useApi(() => pier.call("GET /api/v1/errors/projects").then((r) => r.projects), []);
  return (
    <div class="obs">
      <h1>Errors</h1>
      <IssuesPanel projects={projects.data ?? []} />
      <ProjectReplaysPanel projects={projects.data ?? []} />
      <ProjectsPanel projects={projects} />
    </div>
  );
}
