import type { PierRoute } from "@pier/contract";
import type { ClientOutput, RouteOf } from "@pier/http/contract";
import { useEffect, useRef, useState } from "preact/hooks";
import { api, errorMessage } from "../api.ts";
import { ErrorBox } from "../components/ui.tsx";
import { showBidiControls } from "../format.ts";
import { streamEvents } from "../sse.ts";
import { appendLines, type LogFilters, logQuery, noFilters } from "./log-filters.ts";

type SearchAnswer = ClientOutput<RouteOf<PierRoute, "GET /api/v1/logs/:name">>;
type LogLine = SearchAnswer["lines"][number];

const pageSize = 500;

const clock = (ts: string) => {
  const d = new Date(ts);
  return `${d.toLocaleDateString(undefined, { month: "short", day: "numeric" })} ${d.toLocaleTimeString(undefined, { hour12: false })}`;
};

/**
 * An app's stored logs (its replicas' stdout/stderr and OTLP records): search by text, level,
 * time and release, page back, and follow new lines live with the same filters.
 */
export function LogsTab({ app }: { app: string }) {
  const [draft, setDraft] = useState<LogFilters>(noFilters);
  const [filters, setFilters] = useState<LogFilters>(noFilters);
  const [lines, setLines] = useState<LogLine[]>([]);
  const [before, setBefore] = useState<number | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState(true);
  const [state, setState] = useState<"connecting" | "live" | "off">("off");
  const box = useRef<HTMLPreElement>(null);
  const atBottom = useRef(true);

  // The search: newest page first, shown oldest first.
  useEffect(() => {
    let current = true;
    setLoading(true);
    setError(null);
    api
      .get<SearchAnswer>(`/logs/${app}?${logQuery(filters, { limit: pageSize })}`)
      .then((answer) => {
        if (!current) return;
        setLines(answer.lines.slice().reverse());
        setBefore(answer.before);
        atBottom.current = true;
      })
      .catch((e) => current && setError(errorMessage(e)))
      .finally(() => current && setLoading(false));
    return () => {
      current = false;
    };
  }, [app, filters]);

  // Live tail from the newest line shown, once the search has answered.
  const newest = lines.at(-1)?.id ?? 0;
  const tailFrom = useRef(0);
  tailFrom.current = newest;
  useEffect(() => {
    if (!live || loading) {
      setState("off");
      return;
    }
    const abort = new AbortController();
    setState("connecting");
    const query = logQuery({ ...filters, since: "" }, tailFrom.current ? { after: tailFrom.current } : {});
    streamEvents(
      `/logs/${app}/tail?${query}`,
      (event) => {
        if (event.event !== "line") return;
        try {
          const line = JSON.parse(event.data) as LogLine;
          setLines((shown) => appendLines(shown, [line]));
        } catch {
          // A line the server sent is JSON; anything else is not shown.
        }
      },
      abort.signal,
      () => setState("live"),
    )
      .catch((e) => {
        if (!abort.signal.aborted) setError(errorMessage(e));
      })
      .finally(() => {
        if (!abort.signal.aborted) setState("off");
      });
    return () => abort.abort();
  }, [app, filters, live, loading]);

  useEffect(() => {
    const el = box.current;
    if (el && atBottom.current) el.scrollTop = el.scrollHeight;
  }, [lines]);

  const older = async () => {
    if (before === null) return;
    try {
      const answer = await api.get<SearchAnswer>(
        `/logs/${app}?${logQuery(filters, { limit: pageSize, before })}`,
      );
      atBottom.current = false;
      setLines((shown) => [...answer.lines.slice().reverse(), ...shown]);
      setBefore(answer.before);
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  const field = <K extends keyof LogFilters>(key: K) => ({
    value: draft[key],
    onInput: (e: Event) => setDraft({ ...draft, [key]: (e.currentTarget as HTMLInputElement).value }),
  });

  return (
    <div class="panel">
      <div class="spread">
        <h2>Logs</h2>
        <span class="row">
          <span
            class={`badge ${state === "live" ? "ok" : state === "connecting" ? "warn" : "muted"}`}
            data-testid="logs-state"
          >
            {state === "live" ? "live" : state === "connecting" ? "connecting" : "paused"}
          </span>
          <button type="button" onClick={() => setLive(!live)}>
            {live ? "Pause" : "Follow"}
          </button>
        </span>
      </div>
      <form
        class="row logs-filters"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters({ ...draft });
        }}
      >
        <input type="search" placeholder="Search text" aria-label="Search text" {...field("grep")} />
        <select aria-label="Level" {...field("level")}>
          <option value="">Any level</option>
          <option value="debug">debug and above</option>
          <option value="info">info and above</option>
          <option value="warn">warn and above</option>
          <option value="error">error and above</option>
        </select>
        <select aria-label="Since" {...field("since")}>
          <option value="15m">Last 15 minutes</option>
          <option value="1h">Last hour</option>
          <option value="6h">Last 6 hours</option>
          <option value="24h">Last 24 hours</option>
          <option value="7d">Last 7 days</option>
          <option value="">All kept</option>
        </select>
        <input placeholder="Release (deployment id)" aria-label="Release" {...field("release")} />
        <button type="submit">Search logs</button>
      </form>
      <ErrorBox error={error} />
      <pre
        class="log"
        ref={box}
        data-testid="app-logs"
        onScroll={(e) => {
          const el = e.currentTarget;
          atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
      >
        {before !== null ? (
          <button type="button" class="link" onClick={older}>
            Load older lines
          </button>
        ) : null}
        {lines.length === 0 ? (
          <span class="replica">
            {loading ? "Loading…" : "No lines match. Static sites have none; apps log to stdout and stderr."}
          </span>
        ) : null}
        {lines.map((l) => (
          <div
            key={l.id}
            class={l.stream === "stderr" || l.level === "error" || l.level === "fatal" ? "stderr" : ""}
            data-level={l.level ?? ""}
          >
            <span class="replica">
              {clock(l.ts)} {l.replica}{" "}
            </span>
            {l.level ? <span class={`level level-${l.level}`}>{l.level.toUpperCase()} </span> : null}
            {showBidiControls(l.line)}
          </div>
        ))}
      </pre>
    </div>
  );
}
