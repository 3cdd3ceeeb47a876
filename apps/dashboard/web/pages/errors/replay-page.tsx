import { Replayer } from "@rrweb/replay";
import rrwebCss from "@rrweb/replay/dist/style.css" with { type: "text" };
import { useEffect, useRef, useState } from "preact/hooks";
import { pier } from "../../api.ts";
import { ErrorBox, Link, Loading } from "../../components/ui.tsx";
import { formatBytes, formatDuration } from "../../format.ts";
import { addObservabilityStyles } from "../../observability-styles.ts";
import { useApi } from "../../use-api.ts";
import { clockTime, type ReplayDetail } from "../errors-types.ts";
import { withoutLinkHrefs } from "./replay-links.ts";

// One session replay: what it is, the issues that happened in it, and the player (rrweb's Replayer,
// in this page's chunk only). GET /api/v1/errors/projects/:id/replays/:replayId and its segments.

type RrwebEvents = ConstructorParameters<typeof Replayer>[0];

function addReplayerStyles(): void {
  if (document.getElementById("pier-replayer-css")) return;
  const style = document.createElement("style");
  style.id = "pier-replayer-css";
  style.textContent = `${rrwebCss}
.replay-stage { position: relative; overflow: hidden; background: var(--bg); border: 1px solid var(--border); border-radius: 6px; }
.replay-stage .replayer-wrapper { transform-origin: top left; }
.replay-stage iframe { border: 0; background: #fff; }
.replay-controls { display: flex; gap: 0.5rem; align-items: center; flex-wrap: wrap; margin-top: 0.5rem; }
.replay-controls input[type="range"] { flex: 1; min-width: 8rem; }`;
  document.head.append(style);
}

/** Every segment of the recording, page after page, as one list of rrweb events in time order. */
async function loadRecording(projectId: string, replayId: string): Promise<RrwebEvents> {
  const events: { type: number; timestamp: number }[] = [];
  let after = -1;
  for (;;) {
    const page = await pier.call("GET /api/v1/errors/projects/:id/replays/:replayId/segments", {
      params: { id: projectId, replayId },
      query: { after },
    });
    for (const segment of page.segments) events.push(...segment.events);
    if (page.next === null) break;
    after = page.next;
  }
  events.sort((a, b) => a.timestamp - b.timestamp);
  return withoutLinkHrefs(events) as unknown as RrwebEvents;
}

type ReplayError = ReplayDetail["errors"][number];

function Player({ events, errors }: { events: RrwebEvents; errors: ReplayError[] }) {
  const stage = useRef<HTMLDivElement>(null);
  const replayer = useRef<Replayer | null>(null);
  const [playing, setPlaying] = useState(false);
  const [time, setTime] = useState(0);
  const [total, setTotal] = useState(0);
  const [speed, setSpeed] = useState(1);
  const [start, setStart] = useState(0);

  useEffect(() => {
    const root = stage.current;
    if (!root) return;
    const player = new Replayer(events, {
      root,
      skipInactive: true,
      showWarning: false,
      mouseTail: false,
      // The recorded page's scripts never run: rrweb rebuilds the DOM in a sandboxed frame.
      UNSAFE_replayCanvas: false,
    });
    replayer.current = player;
    setTotal(player.getMetaData().totalTime);
    setStart(player.getMetaData().startTime);
    // The recording has the recorded viewport's size: scale it down to the panel's width.
    let size = { width: 0, height: 0 };
    const fit = () => {
      const wrapper = root.querySelector<HTMLElement>(".replayer-wrapper");
      if (!wrapper || size.width === 0) return;
      const scale = Math.min(1, root.clientWidth / size.width);
      wrapper.style.transform = `scale(${scale})`;
      root.style.height = `${Math.ceil(size.height * scale)}px`;
    };
    player.on("resize", (dimension) => {
      size = dimension as typeof size;
      fit();
    });
    player.on("finish", () => {
      setPlaying(false);
      setTime(player.getMetaData().totalTime);
    });
    const observer = new ResizeObserver(fit);
    observer.observe(root);
    return () => {
      observer.disconnect();
      player.destroy();
      replayer.current = null;
    };
  }, [events]);

  useEffect(() => {
    if (!playing) return;
    let frame = 0;
    const tick = () => {
      if (replayer.current) setTime(Math.min(replayer.current.getCurrentTime(), total));
      frame = requestAnimationFrame(tick);
    };
    tick();
    return () => cancelAnimationFrame(frame);
  }, [playing, total]);

  const toggle = () => {
    const player = replayer.current;
    if (!player) return;
    if (playing) {
      player.pause();
      setPlaying(false);
    } else {
      player.play(time >= total ? 0 : time);
      setPlaying(true);
    }
  };
  const seek = (to: number) => {
    setTime(to);
    if (playing) replayer.current?.play(to);
    else replayer.current?.pause(to);
  };
  const changeSpeed = (value: number) => {
    setSpeed(value);
    replayer.current?.setConfig({ speed: value });
  };
  return (
    <div data-testid="replay-player">
      <div class="replay-stage" ref={stage} />
      <div class="replay-controls">
        <button type="button" class="primary" onClick={toggle} data-testid="replay-toggle">
          {playing ? "Pause" : "Play"}
        </button>
        <input
          type="range"
          aria-label="Position"
          min={0}
          max={Math.max(total, 1)}
          step={100}
          value={time}
          onInput={(e) => seek(Number(e.currentTarget.value))}
        />
        <span class="mono small" data-testid="replay-time">
          {clockTime(time)} / {clockTime(total)}
        </span>
        <select
          aria-label="Speed"
          value={String(speed)}
          onChange={(e) => changeSpeed(Number(e.currentTarget.value))}
        >
          <option value="1">1×</option>
          <option value="2">2×</option>
          <option value="4">4×</option>
          <option value="8">8×</option>
        </select>
      </div>
      {errors.length ? (
        <p class="small">
          {errors.map((error) => {
            const at = Math.min(Math.max(0, error.timestamp - start), total);
            return (
              <button
                type="button"
                key={error.eventId}
                class="link"
                data-testid="replay-error-marker"
                // Two seconds before the error: what led to it is the interesting part.
                onClick={() => seek(Math.max(0, at - 2000))}
              >
                {clockTime(at)} {error.title}
              </button>
            );
          })}
        </p>
      ) : null}
    </div>
  );
}

function Facts({ detail }: { detail: ReplayDetail }) {
  const { replay } = detail;
  return (
    <p class="small muted" data-testid="replay-facts">
      {new Date(replay.startedAt).toLocaleString()} · {formatDuration(replay.durationMs)} ·{" "}
      {replay.replayType === "buffer" ? "recorded around an error" : "whole session"}
      {replay.user ? ` · user ${replay.user}` : ""}
      {replay.browser ? ` · ${replay.browser}` : ""}
      {replay.os ? ` on ${replay.os}` : ""}
      {replay.release ? ` · release ${replay.release}` : ""}
      {replay.environment ? ` · ${replay.environment}` : ""} · {replay.segments} segments,{" "}
      {formatBytes(replay.bytes)}
    </p>
  );
}

export function ErrorReplayPage({ projectId, replayId }: { projectId: string; replayId: string }) {
  addObservabilityStyles();
  addReplayerStyles();
  const detail = useApi(
    () =>
      pier.call("GET /api/v1/errors/projects/:id/replays/:replayId", { params: { id: projectId, replayId } }),
    [projectId, replayId],
  );
  const recording = useApi(() => loadRecording(projectId, replayId), [projectId, replayId]);
  if (detail.loading && !detail.data) return <Loading what="replay" />;
  if (!detail.data) return <ErrorBox error={detail.error} />;
  const { replay, project, issues } = detail.data;
  return (
    <div class="obs">
      <p class="small">
        <Link href="/errors">← Errors</Link>
        <span class="muted"> · {project.name}</span>
      </p>
      <h1>Replay {replayId.slice(0, 8)}</h1>
      <Facts detail={detail.data} />
      {replay.urls.length ? (
        <p class="small mono">
          {replay.urls.slice(0, 5).join(" → ")}
          {replay.urls.length > 5 ? " …" : ""}
        </p>
      ) : null}
      <section class="panel" aria-label="Issues in this replay">
        <h2>Errors in this replay</h2>
        {issues.length ? (
          <ul data-testid="replay-issues">
            {issues.map((issue) => (
              <li key={issue.id}>
                <Link href={`/errors/issues/${issue.id}`}>{issue.title}</Link>{" "}
                <span class="small muted">{issue.level}</span>
              </li>
            ))}
          </ul>
        ) : (
          <p class="muted">No error event of this session was stored (or none happened).</p>
        )}
      </section>
      <div class="panel">
        <h2>Recording</h2>
        {replay.truncated ? (
          <p class="small muted">
            Later segments were dropped: this replay reached the size limit per replay (--replay-max-mb).
          </p>
        ) : null}
        <ErrorBox error={recording.error} />
        {recording.loading && !recording.data ? <Loading what="the recording" /> : null}
        {recording.data ? <Player events={recording.data} errors={detail.data.errors} /> : null}
        <p class="small muted">
          What the SDK masked or blocked (all text, inputs and media by default) was never sent, so it shows
          as masked here too.
        </p>
      </div>
    </div>
  );
}
