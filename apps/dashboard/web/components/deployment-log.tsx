import { useEffect, useRef, useState } from "preact/hooks";
import { api, errorMessage } from "../api.ts";
import { streamEvents } from "../sse.ts";
import { ErrorBox, StatusBadge } from "./ui.tsx";

const maxLines = 2000;

/**
 * A running deployment's build and rollout log, live over SSE; a finished one's log as text.
 * `onFinished` lets the history refresh the moment the stream reports the final status.
 */
export function DeploymentLog(props: {
  id: string;
  live: boolean;
  onFinished?: () => void;
  /** Inside another panel (a deployment's detail): no panel and heading of its own. */
  bare?: boolean;
}) {
  const [lines, setLines] = useState<string[]>([]);
  const [status, setStatus] = useState<{ status: string; error?: string | null } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [streaming, setStreaming] = useState(false);
  // Until the log has been read, an empty box means "not here yet", not "(no output)".
  const [loaded, setLoaded] = useState(false);
  const box = useRef<HTMLPreElement>(null);
  const onFinished = useRef(props.onFinished);
  onFinished.current = props.onFinished;

  const shownId = useRef<string | null>(null);

  useEffect(() => {
    // A deployment that finishes while shown turns from live to finished: its log is read again
    // whole, but what the stream showed stays until that text arrives (no blank "loading…" flash).
    if (shownId.current !== props.id) {
      shownId.current = props.id;
      setLines([]);
      setStatus(null);
      setLoaded(false);
    }
    setError(null);
    const abort = new AbortController();
    if (!props.live) {
      api
        .text(`/deployments/${props.id}/log`)
        .then((text) => {
          if (!abort.signal.aborted) setLines(text.split("\n").slice(-maxLines));
        })
        .catch((e) => {
          if (!abort.signal.aborted) setError(errorMessage(e));
        })
        .finally(() => {
          if (!abort.signal.aborted) setLoaded(true);
        });
      return () => abort.abort();
    }
    setStreaming(true);
    streamEvents(
      `/deployments/${props.id}/log?follow=1`,
      (event) => {
        if (event.event === "line") setLines((old) => [...old.slice(-maxLines + 1), event.data]);
        else if (event.event === "status") {
          try {
            setStatus(JSON.parse(event.data));
          } catch {
            setStatus({ status: event.data });
          }
        }
      },
      abort.signal,
    )
      .catch((e) => setError(errorMessage(e)))
      .finally(() => {
        setStreaming(false);
        setLoaded(true);
        if (!abort.signal.aborted) onFinished.current?.();
      });
    return () => abort.abort();
  }, [props.id, props.live]);

  useEffect(() => {
    const el = box.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [lines]);

  return (
    <div class={props.bare ? "" : "panel"} data-testid="deployment-log" data-deployment={props.id}>
      <div class="spread">
        {props.bare ? (
          <h3 class="small muted">Build and rollout log</h3>
        ) : (
          <h2>
            Log of <span class="mono">{props.id}</span>
          </h2>
        )}
        <span class="row">
          {streaming ? <span class="badge warn">streaming</span> : null}
          {status ? <StatusBadge status={status.status} /> : null}
        </span>
      </div>
      <ErrorBox error={error} />
      {status?.error ? <ErrorBox error={status.error} /> : null}
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling log must be reachable to scroll it by keyboard */}
      <pre class="log" ref={box} tabIndex={0} role="log" aria-label={`Log of ${props.id}`}>
        {lines.length
          ? lines.join("\n")
          : streaming
            ? "waiting for output…"
            : loaded
              ? "(no output)"
              : "loading…"}
      </pre>
    </div>
  );
}
