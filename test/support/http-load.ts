/**
 * A bounded HTTP/1.1 load over raw sockets that tells every way a request can fail apart, for
 * tests that must see none (an upgrade's hand-over): run as a subprocess,
 *
 *   bun test/support/http-load.ts PORT HOST PATH MODE CONNECTIONS DURATION_MS
 *
 * MODE is `keepalive` (each connection sends requests one after another, and opens a new
 * connection when the server says `connection: close` or closes between two requests) or `fresh`
 * (a new connection per request). It stops after DURATION_MS (and at most 1,000,000 requests) and
 * prints one JSON line: counts per outcome and, for latencies, [start ms since epoch, ms] pairs.
 */
import { connect, type Socket } from "node:net";

export interface LoadReport {
  mode: string;
  requests: number;
  ok: number;
  /** Answers other than 200, by status. */
  statuses: Record<string, number>;
  /** The connection was reset (ECONNRESET, EPIPE). */
  resets: number;
  /** The connection was refused (nothing listening). */
  refused: number;
  /** The server closed the connection after a request was sent, before the whole answer. */
  dropped: number;
  /** No whole answer within 10 s. */
  timeouts: number;
  /** Any other socket error, by code. */
  errors: Record<string, number>;
  /** Which upstream answered (the body), by name. */
  servedBy: Record<string, number>;
  latencies: [number, number][];
}

const ANSWER_TIMEOUT_MS = 10_000;
const MAX_REQUESTS = 1_000_000;

class Exchange {
  private buffer: Buffer = Buffer.alloc(0);
  constructor(
    private readonly done: (
      outcome: { status: number; body: string; close: boolean } | { error: string },
    ) => void,
  ) {}

  data(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const end = this.buffer.indexOf("\r\n\r\n");
    if (end === -1) return;
    const head = this.buffer.subarray(0, end).toString("latin1");
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? -1);
    const close = /\r\nconnection: *close/i.test(head);
    if (length < 0) {
      this.done({ error: "no-content-length" });
      return;
    }
    if (this.buffer.length < end + 4 + length) return;
    this.done({ status, body: this.buffer.subarray(end + 4, end + 4 + length).toString(), close });
  }
}

export async function runLoad(options: {
  port: number;
  host: string;
  path: string;
  mode: "keepalive" | "fresh";
  connections: number;
  durationMs: number;
}): Promise<LoadReport> {
  const report: LoadReport = {
    mode: options.mode,
    requests: 0,
    ok: 0,
    statuses: {},
    resets: 0,
    refused: 0,
    dropped: 0,
    timeouts: 0,
    errors: {},
    servedBy: {},
    latencies: [],
  };
  const request = Buffer.from(
    `GET ${options.path} HTTP/1.1\r\nhost: ${options.host}\r\n${options.mode === "fresh" ? "connection: close\r\n" : ""}\r\n`,
  );
  const deadline = performance.now() + options.durationMs;

  /** One request on `socket` (opened when null); resolves with the socket to reuse, or null. */
  function once(existing: Socket | null): Promise<Socket | null> {
    return new Promise((resolve) => {
      const socket = existing ?? connect({ host: "127.0.0.1", port: options.port, noDelay: true });
      const started = performance.now();
      const startedAt = Date.now();
      let settled = false;
      report.requests++;
      const finish = (reuse: boolean, count: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.removeAllListeners("data");
        socket.removeAllListeners("close");
        socket.removeAllListeners("error");
        count();
        if (reuse) {
          // Between two requests the server may close an idle connection: that is no failure.
          socket.on("error", () => {});
          socket.on("close", () => {});
          resolve(socket);
        } else {
          socket.destroy();
          resolve(null);
        }
      };
      const exchange = new Exchange((outcome) => {
        if ("error" in outcome) {
          finish(false, () => {
            report.errors[outcome.error] = (report.errors[outcome.error] ?? 0) + 1;
          });
          return;
        }
        finish(options.mode === "keepalive" && !outcome.close, () => {
          report.latencies.push([startedAt, performance.now() - started]);
          if (outcome.status === 200) report.ok++;
          else report.statuses[outcome.status] = (report.statuses[outcome.status] ?? 0) + 1;
          report.servedBy[outcome.body] = (report.servedBy[outcome.body] ?? 0) + 1;
        });
      });
      const timer = setTimeout(() => finish(false, () => report.timeouts++), ANSWER_TIMEOUT_MS);
      socket.on("data", (chunk: Buffer) => exchange.data(chunk));
      socket.on("error", (error: NodeJS.ErrnoException) =>
        finish(false, () => {
          if (error.code === "ECONNRESET" || error.code === "EPIPE") report.resets++;
          else if (error.code === "ECONNREFUSED") report.refused++;
          else report.errors[error.code ?? "unknown"] = (report.errors[error.code ?? "unknown"] ?? 0) + 1;
        }),
      );
      socket.on("close", () => finish(false, () => report.dropped++));
      // A kept connection the server closed meanwhile: open a new one for this request.
      if (existing && (existing.destroyed || existing.readyState !== "open")) {
        report.requests--;
        settled = true;
        clearTimeout(timer);
        existing.destroy();
        resolve(once(null));
        return;
      }
      socket.write(request);
    });
  }

  await Promise.all(
    Array.from({ length: options.connections }, async () => {
      let socket: Socket | null = null;
      while (performance.now() < deadline && report.requests < MAX_REQUESTS) socket = await once(socket);
      socket?.destroy();
    }),
  );
  return report;
}

if (import.meta.main) {
  const [port, host, path, mode, connections, durationMs] = process.argv.slice(2);
  const report = await runLoad({
    port: Number(port),
    host: host!,
    path: path!,
    mode: mode === "fresh" ? "fresh" : "keepalive",
    connections: Number(connections),
    durationMs: Number(durationMs),
  });
  process.stdout.write(`${JSON.stringify(report)}\n`);
}
