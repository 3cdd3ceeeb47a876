import { useState } from "preact/hooks";
import { pier } from "../api.ts";
import { TextField } from "../components/text-field.tsx";
import { CardsTable, CopyBlock, Link, ListState, useAction } from "../components/ui.tsx";
import { relativeTime } from "../format.ts";
import { useApi } from "../use-api.ts";
import { issueBadge } from "./errors-types.ts";

// Error tracking: projects with their DSNs, and the issues list with filters (/api/v1/errors).

function ProjectsPanel() {
  const projects = useApi(() => pier.call("GET /api/v1/errors/projects").then((r) => r.projects), []);
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

function IssuesPanel() {
  const [filters, setFilters] = useState({
    status: "unresolved",
    sort: "lastSeen",
    environment: "",
    release: "",
  });
  // Unset filters stay out of the query string ("all" statuses is no status filter).
  const query = {
    sort: sortChoices.find((s) => s === filters.sort) ?? "lastSeen",
    limit: 100,
    status: statusChoices.find((s) => s === filters.status),
    environment: filters.environment || undefined,
    release: filters.release || undefined,
  };
  const issues = useApi(
    () => pier.call("GET /api/v1/errors/issues", { query }),
    [filters.status, filters.sort, filters.environment, filters.release],
    15_000,
  );
  const set = (key: keyof typeof filters) => (e: { currentTarget: HTMLInputElement | HTMLSelectElement }) =>
    setFilters({ ...filters, [key]: e.currentTarget.value });
  return (
    <div class="panel">
      <h2>Issues</h2>
      <form class="inline" onSubmit={(e) => e.preventDefault()}>
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
          Sort
          <select name="sort" value={filters.sort} onChange={set("sort")}>
            <option value="lastSeen">last seen</option>
            <option value="count">events</option>
            <option value="users">users</option>
            <option value="firstSeen">newest</option>
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
      </form>
      <ListState
        query={issues}
        what="issues"
        empty="No issues match."
        isEmpty={(page) => page.issues.length === 0}
      >
        {(page) => (
          <>
            <CardsTable
              testid="error-issues"
              columns={["Issue", "Events", "Users", "Last seen", "Status"]}
              rows={page.issues}
            >
              {(issue) => {
                const badge = issueBadge(issue);
                return (
                  <tr key={issue.id}>
                    <td data-label="Issue">
                      <Link href={`/errors/issues/${issue.id}`}>{issue.title}</Link>
                      <div class="small muted mono">{issue.culprit}</div>
                    </td>
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
    </div>
  );
}

export function ErrorsPage() {
  return (
    <>
      <h1>Errors</h1>
      <IssuesPanel />
      <ProjectsPanel />
    </>
  );
}
