import { chmodSync, rmSync } from "node:fs";
import { type Logger, PierError, pierVersion } from "@pier/core";
import type { Server } from "bun";
import {
  type ControlStatus,
  controlSocketPath,
  type HandoverEvent,
  handoverRequestSchema,
} from "./control-api.ts";
import type { HandoverCoordinator } from "./coordinator.ts";

/**
 * Serves the control socket (control-api.ts) for this pier. Binding replaces a socket file left
 * there: by a pier that crashed, or by the predecessor during a hand-over, whose open connection
 * (the `pier upgrade` waiting for its answer) carries on.
 */
export function startControlServer(deps: {
  dataDir: string;
  binary: string;
  coordinator: HandoverCoordinator;
  logger: Logger;
}): {
  /** Stops serving and removes the socket file. */
  stop(): Promise<void>;
  /**
   * After a hand-over: lets the answer in progress end, and leaves the socket file alone (it is
   * the successor's now; stopping the server would remove it).
   */
  finish(): Promise<void>;
} {
  const path = controlSocketPath(deps.dataDir);
  const startedAt = new Date().toISOString();
  rmSync(path, { force: true });
  const options = {
    unix: path,
    // A hand-over's answer streams for as long as the drain lasts (bun-types leave idleTimeout
    // out of the unix socket options; the runtime takes it).
    idleTimeout: 0,
    async fetch(request: Request) {
      const { pathname } = new URL(request.url);
      if (request.method === "GET" && pathname === "/v1/status") {
        const status: ControlStatus = {
          version: pierVersion,
          pid: process.pid,
          binary: deps.binary,
          dataDir: deps.dataDir,
          startedAt,
          handingOver: deps.coordinator.handingOver,
        };
        return Response.json(status);
      }
      if (request.method === "POST" && pathname === "/v1/hand-over") return handOver(request);
      return Response.json(
        { error: { code: "not_found", message: "no such control endpoint" } },
        { status: 404 },
      );
    },
  };
  const server = Bun.serve(options as unknown as Bun.Serve.Options<undefined>) as Server<undefined>;
  chmodSync(path, 0o600);

  async function handOver(request: Request): Promise<Response> {
    const parsed = handoverRequestSchema.safeParse(await request.json().catch(() => null));
    if (!parsed.success)
      return Response.json(
        { error: { code: "invalid_request", message: parsed.error.message } },
        { status: 400 },
      );
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const writer = writable.getWriter();
    const encoder = new TextEncoder();
    const write = (event: HandoverEvent) => {
      void writer.write(encoder.encode(`${JSON.stringify(event)}\n`)).catch(() => {});
    };
    const close = () => void writer.close().catch(() => {});
    deps.coordinator
      .handOver(parsed.data, write)
      .then(() => {
        write({ step: "draining" });
        // The answer ends with the drain, when `pier serve` is about to exit.
        deps.coordinator.onFinished((event) => {
          write(event);
          close();
        });
      })
      .catch((error) => {
        const known = error instanceof PierError;
        if (!known) deps.logger.error("hand-over failed", { error });
        else deps.logger.warn("hand-over failed", { error: error.message });
        write({
          step: "failed",
          code: known ? error.code : "internal_error",
          message: (error as Error).message,
        });
        close();
      });
    return new Response(readable, { headers: { "content-type": "application/x-ndjson" } });
  }

  return {
    async stop() {
      server.stop(true);
    },
    async finish() {
      const deadline = performance.now() + 1_000;
      while (server.pendingRequests > 0 && performance.now() < deadline) await Bun.sleep(10);
    },
  };
}
