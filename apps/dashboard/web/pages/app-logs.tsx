import { useEffect, useRef, useState } from "preact/hooks";
import { errorMessage } from "../api.ts";
import { ErrorBox } from "../components/ui.tsx";
import { streamEvents } from "../sse.ts";

interface LogLine {
  replica: string;
  stream: "stdout" | "stderr";
  line: string;
  ts: string;
}

const keepLines = 1000;

export function LogsTab({ app }: { app: string }) {
  const [lines, setLines] = useState<LogLine[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [state, setState] = useState<"connecting" | "live" | "ended">("connecting");
  const [connection, setConnection] = useState(0);
  const [paused, setPaused] = useState(false);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const box = useRef<HTMLPreElement>(null);

  useEffect(() => {
    const abort = new AbortController();
    setError(null);
    setState("connecting");
    streamEvents(
      `/apps/${app}/logs?follow=1`,
      (event) => {
        if (event.event !== "log") return;
        setState("live");
        if (pausedRef.current) return;
        try {
          const line = JSON.parse(event.data) as LogLine;
          setLines((old) => [...old.slice(-keepLines + 1), line]);
        } catch {
          setLines((old) => [...old, { replica: "?", stream: "stdout", line: event.data, ts: "" }]);
        }
      },
      abort.signal,
      () => setState("live"),
    )
      .then(() => setState("ended"))
      .catch((e) => {
        setState("ended");
        setError(errorMessage(e));
      });
    return () => abort.abort();
  }, [app, connection]);

  useEffect(() => {
    const el = box.current;
    if (el && !paused) el.scrollTop = el.scrollHeight;
  }, [lines, paused]);

  return (
    <div class="panel">
      <div class="spread">
        <h2>Container logs</h2>
        <span class="row">
          <span class={`badge ${state === "ended" ? "muted" : state === "live" ? "ok" : "warn"}`}>
            {state}
          </span>
          <button type="button" onClick={() => setPaused(!paused)}>
            {paused ? "Resume" : "Pause"}
          </button>
          <button type="button" onClick={() => setLines([])}>
            Clear
          </button>
          {state === "ended" ? (
            <button type="button" onClick={() => setConnection(connection + 1)}>
              Reconnect
            </button>
          ) : null}
        </span>
      </div>
      <ErrorBox error={error} />
      <pre class="log" ref={box} data-testid="container-logs">
        {lines.length === 0 ? (
          <span class="replica">
            {state === "live" ? "connected; waiting for log lines (static sites have none)…" : "…"}
          </span>
        ) : null}
        {lines.map((l, i) => (
          <div key={i} class={l.stream === "stderr" ? "stderr" : ""}>
            <span class="replica">{l.replica} </span>
            {l.line}
          </div>
        ))}
      </pre>
    </div>
  );
}
