import { useState } from "preact/hooks";
import { pier } from "../api.ts";
import type { Deployment } from "../deployments.ts";
import { relativeTime, shortSha, statusLabel } from "../format.ts";
import { useApi } from "../use-api.ts";
import { ErrorBox, Loading } from "./ui.tsx";

function optionText(d: Deployment): string {
  const commit = d.commitSha ? ` ${shortSha(d.commitSha)}` : "";
  return `${d.id}${commit} · ${statusLabel(d.status)} · ${relativeTime(d.createdAt)}`;
}

/** What changed between two releases: the commits in one and not the other, env vars, the image. */
export function ComparePanel(props: { app: string; deployments: Deployment[]; initial: [string, string] }) {
  const [from, setFrom] = useState(props.initial[0]);
  const [to, setTo] = useState(props.initial[1]);
  const diff = useApi(
    () => pier.call("GET /api/v1/apps/:name/compare", { params: { name: props.app }, query: { from, to } }),
    [props.app, from, to],
  );
  const select = (label: string, value: string, set: (v: string) => void) => (
    <label>
      {label}
      <select value={value} onChange={(e) => set(e.currentTarget.value)}>
        {props.deployments.map((d) => (
          <option key={d.id} value={d.id}>
            {optionText(d)}
          </option>
        ))}
      </select>
    </label>
  );
  const d = diff.data;
  return (
    <section class="panel" data-testid="compare" aria-labelledby="compare-heading">
      <h2 id="compare-heading">Compare releases</h2>
      <div class="inline" style={{ display: "flex", gap: "0.5rem", flexWrap: "wrap" }}>
        {select("From", from, setFrom)}
        {select("To", to, setTo)}
      </div>
      <ErrorBox error={diff.error} />
      {diff.loading && !d ? <Loading what="the comparison" rows={2} /> : null}
      {d ? (
        <div>
          <h3 class="small">Commits</h3>
          {!d.commits ? (
            <p class="small muted">One of them was not deployed from git: there is no commit range.</p>
          ) : d.commits.ahead.length === 0 && d.commits.behind.length === 0 ? (
            <p class="small muted">The same commit.</p>
          ) : (
            <>
              {d.commits.ahead.length ? (
                <ul class="commits" aria-label="Commits added">
                  {d.commits.ahead.map((c) => (
                    <li key={c.sha}>
                      <span class="badge ok">added</span> <span class="mono">{shortSha(c.sha)}</span>{" "}
                      {c.subject} <span class="small muted">{c.author}</span>
                    </li>
                  ))}
                </ul>
              ) : null}
              {d.commits.behind.length ? (
                <ul class="commits" aria-label="Commits taken out">
                  {d.commits.behind.map((c) => (
                    <li key={c.sha}>
                      <span class="badge bad">taken out</span> <span class="mono">{shortSha(c.sha)}</span>{" "}
                      {c.subject} <span class="small muted">{c.author}</span>
                    </li>
                  ))}
                </ul>
              ) : null}
            </>
          )}
          <h3 class="small">Environment variables</h3>
          {!d.env ? (
            <p class="small muted">Not recorded for one of them (deployed before pier kept track).</p>
          ) : d.env.added.length + d.env.removed.length + d.env.changed.length === 0 ? (
            <p class="small muted">No change.</p>
          ) : (
            <ul class="commits" data-testid="env-changes">
              {d.env.added.map((k) => (
                <li key={`a${k}`}>
                  <span class="badge ok">added</span> <span class="mono">{k}</span>
                </li>
              ))}
              {d.env.changed.map((k) => (
                <li key={`c${k}`}>
                  <span class="badge warn">changed</span> <span class="mono">{k}</span>
                </li>
              ))}
              {d.env.removed.map((k) => (
                <li key={`r${k}`}>
                  <span class="badge bad">removed</span> <span class="mono">{k}</span>
                </li>
              ))}
            </ul>
          )}
          <p class="small muted">{d.imageChanged ? "A different build." : "The same build (image)."}</p>
        </div>
      ) : null}
    </section>
  );
}
