import type { Logger } from "@pier/core";
import { createLogDemuxer, labelKeys, listPierContainers, type PierContainer } from "@pier/deploy";
import type Docker from "dockerode";
import { parseLevel } from "../level.ts";
import type { LogWriter } from "../log-writer.ts";
import { splitDockerLine, stampSeconds } from "./docker-timestamp.ts";
import { ReadCursor } from "./read-cursor.ts";

/** A line longer than this is cut: one runaway line must not hold megabytes in the batch. */
export const maxLineChars = 16_384;

export interface DockerCollectorDeps {
  docker: Docker;
  /** This pier's `pier.instance` label: containers of another pier on the Engine are not ours. */
  instance: string;
  writer: LogWriter;
  /** Where each container's stored lines end (normalised Docker stamps), read once at start. */
  cursors: Map<string, string>;
  dropCursors(keep: ReadonlySet<string>): void;
  logger: Logger;
  /** How often the container list is read again besides the Engine's start events. */
  rescanMs: number;
}

/**
 * Follows the stdout and stderr of every replica container of this pier and hands the lines to
 * the writer. A container is read from where its cursor stands (all of it when new), so a
 * restart of pier neither repeats lines nor loses those written while it was down, as long as the
 * container still exists. Containers appear through the Engine's start events (and a periodic
 * rescan); a stream ends with its container, which the deploy engine removes only after it stopped.
 */
export class DockerLogCollector {
  private readonly following = new Map<string, AbortController>();
  /** Stopped containers read to the end (a last read brought nothing new): not read again while stopped. */
  private readonly finished = new Set<string>();
  private readonly stopController = new AbortController();
  private rescanTimer: ReturnType<typeof setInterval> | null = null;
  private scanning: Promise<void> | null = null;
  private rescanAgain = false;

  constructor(private readonly deps: DockerCollectorDeps) {}

  start(): void {
    void this.scan();
    this.rescanTimer = setInterval(() => void this.scan(), this.deps.rescanMs);
    void this.watchEvents();
  }

  get followed(): number {
    return this.following.size;
  }

  /** Reads the container list and starts following what is not followed yet. */
  scan(): Promise<void> {
    if (this.scanning) {
      this.rescanAgain = true;
      return this.scanning;
    }
    this.scanning = (async () => {
      do {
        this.rescanAgain = false;
        await this.scanOnce().catch((error) =>
          this.deps.logger.warn("logs: containers not listed", { error: String(error) }),
        );
      } while (this.rescanAgain && !this.stopController.signal.aborted);
    })().finally(() => {
      this.scanning = null;
    });
    return this.scanning;
  }

  private async scanOnce(): Promise<void> {
    const containers = (await listPierContainers(this.deps.docker, { instance: this.deps.instance })).filter(
      (c) => c.oneOff === null,
    );
    const present = new Set(containers.map((c) => c.containerId));
    this.deps.dropCursors(present);
    for (const id of this.finished) if (!present.has(id)) this.finished.delete(id);
    for (const c of containers) {
      if (this.stopController.signal.aborted) return;
      const live = c.state === "running" || c.state === "restarting";
      if (live) this.finished.delete(c.containerId);
      if (this.following.has(c.containerId) || this.finished.has(c.containerId)) continue;
      if (c.state === "created") continue;
      this.follow(c);
    }
  }

  private follow(c: PierContainer): void {
    const abort = new AbortController();
    this.following.set(c.containerId, abort);
    this.read(c, abort.signal)
      .catch((error) => {
        if (!abort.signal.aborted)
          this.deps.logger.warn("logs: a container's stream broke", {
            container: c.containerId.slice(0, 12),
            error: String(error),
          });
      })
      .finally(() => {
        this.following.delete(c.containerId);
        // A stream can end before the container's log does (the connection dropped while paused
        // for the writer): read it again from its cursor until a read brings nothing new.
        if (!this.stopController.signal.aborted) void this.scan();
      });
  }

  private async read(c: PierContainer, signal: AbortSignal): Promise<void> {
    const { writer, cursors } = this.deps;
    const resumedAt = cursors.get(c.containerId) ?? null;
    const position = new ReadCursor(resumedAt);
    const replica = `${c.env}/${c.replica}`;
    const stream = (await this.deps.docker.getContainer(c.containerId).logs({
      follow: true,
      stdout: true,
      stderr: true,
      timestamps: true,
      since: resumedAt ? stampSeconds(resumedAt) : 0,
    })) as unknown as NodeJS.ReadableStream & { destroy(): void };
    let paused = false;
    let fresh = 0;
    const demux = createLogDemuxer((raw, source) => {
      const { stamp, ms, line } = splitDockerLine(raw);
      if (stamp) {
        if (!position.take(stamp)) return;
        fresh++;
        cursors.set(c.containerId, position.cursor!);
      }
      const text = line.length > maxLineChars ? line.slice(0, maxLineChars) : line;
      const room = writer.push(
        {
          ts: ms,
          app: c.app,
          env: c.env,
          release: c.deploymentId,
          replica,
          stream: source,
          level: parseLevel(text),
          line: text,
          attrs: null,
        },
        stamp ? { containerId: c.containerId, ts: position.cursor! } : undefined,
      );
      if (!room && !paused) {
        paused = true;
        stream.pause();
        void writer.room().then(() => {
          paused = false;
          stream.resume();
        });
      }
    });
    await new Promise<void>((resolve, reject) => {
      const abort = () => {
        stream.destroy();
        resolve();
      };
      if (signal.aborted || this.stopController.signal.aborted) return abort();
      signal.addEventListener("abort", abort, { once: true });
      stream.on("data", (chunk: Uint8Array) => demux.push(chunk));
      stream.on("end", resolve);
      stream.on("close", resolve);
      stream.on("error", reject);
    }).finally(() => demux.end());
    if (signal.aborted) return;
    const state = await this.deps.docker
      .getContainer(c.containerId)
      .inspect()
      .then((info) => (info.State.Running || info.State.Restarting ? "live" : "stopped"))
      .catch(() => "gone");
    if (state !== "live" && fresh === 0) this.finished.add(c.containerId);
  }

  /** The Engine's container start events of this pier: a new replica is followed from its first line. */
  private async watchEvents(): Promise<void> {
    while (!this.stopController.signal.aborted) {
      try {
        const events = (await this.deps.docker.getEvents({
          filters: {
            type: ["container"],
            event: ["start", "restart"],
            label: [`${labelKeys.instance}=${this.deps.instance}`],
          },
        })) as unknown as NodeJS.ReadableStream & { destroy(): void };
        await new Promise<void>((resolve) => {
          const stop = () => {
            events.destroy();
            resolve();
          };
          this.stopController.signal.addEventListener("abort", stop, { once: true });
          events.on("data", () => void this.scan());
          events.on("end", resolve);
          events.on("close", resolve);
          events.on("error", () => resolve());
        });
      } catch {
        // The Engine is away: the periodic rescan notices when it is back.
      }
      if (!this.stopController.signal.aborted) await Bun.sleep(this.deps.rescanMs);
    }
  }

  async stop(): Promise<void> {
    this.stopController.abort();
    if (this.rescanTimer) clearInterval(this.rescanTimer);
    for (const abort of this.following.values()) abort.abort();
    await this.scanning;
  }
}
