import { useState } from "preact/hooks";
import { pier } from "../../api.ts";
import { CardsTable, Link, ListState } from "../../components/ui.tsx";
import { formatDuration } from "../../format.ts";
import { useApi } from "../../use-api.ts";
import type { ErrorProject } from "../errors-types.ts";

/** A project's latest session replays (Sentry's replayIntegration), each linked to its player page. */
export function ProjectReplaysPanel({ projects }: { projects: ErrorProject[] }) {
  const [chosen, setChosen] = useState<number | null>(null);
  const projectId = chosen ?? projects[0]?.id;
  const replays = useApi(
    async () =>
      projectId === undefined
        ? []
        : (
            await pier.call("GET /api/v1/errors/projects/:id/replays", {
              params: { id: String(projectId) },
              query: { limit: 20 },
            })
          ).replays,
    [projectId],
    60_000,
  );
  if (projectId === undefined) return null;
  return (
    <section class="panel" aria-label="Session replays">
      <div class="spread">
        <h2>Session replays</h2>
        <select
          aria-label="Project of the replays"
          value={String(projectId)}
          onChange={(e) => setChosen(Number(e.currentTarget.value))}
        >
          {projects.map((p) => (
            <option key={p.id} value={String(p.id)}>
              {p.name}
            </option>
          ))}
        </select>
      </div>
      <ListState
        query={replays}
        what="replays"
        empty="No replays in this project. Add Sentry.replayIntegration() to a browser SDK to record sessions; what it masks is never sent."
      >
        {(rows) => (
          <CardsTable
            testid="project-replays"
            columns={["Started", "Duration", "Errors", "User", "Page", ""]}
            rows={rows}
          >
            {(r) => (
              <tr key={r.replayId}>
                <td data-label="Started">{new Date(r.startedAt).toLocaleString()}</td>
                <td data-label="Duration">{formatDuration(r.durationMs)}</td>
                <td data-label="Errors">{r.errorIds.length}</td>
                <td data-label="User">{r.user ?? "–"}</td>
                <td data-label="Page" class="mono small">
                  {r.urls[0] ?? "–"}
                </td>
                <td data-label="">
                  <Link href={`/errors/projects/${r.projectId}/replays/${r.replayId}`}>Watch</Link>
                </td>
              </tr>
            )}
          </CardsTable>
        )}
      </ListState>
    </section>
  );
}
