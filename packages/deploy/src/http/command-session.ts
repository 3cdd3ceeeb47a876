import type { SocketSession } from "@pier/http";
import type { ServerWebSocket } from "bun";
import type Docker from "dockerode";
import { z } from "zod";
import { createFrameDemuxer } from "../docker/frames.ts";
import { type OneOffSpec, oneOffContainerOptions } from "../docker/one-off.ts";
import { joinNetworks } from "../docker/replicas.ts";

/**
 * The wire protocol of `pier run` and `pier exec` over a WebSocket. Client to server: binary
 * messages are stdin; text messages are JSON control messages (`eof`: stdin ended; `resize`).
 * Server to client: binary messages are output, the first byte the stream (1 stdout, 2 stderr);
 * text messages are JSON: `{type:"exit", code}` (then the socket closes) or `{type:"error"}`.
 */
export const clientMessageSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("eof") }),
  z.object({
    type: z.literal("resize"),
    cols: z.number().int().min(1).max(1000),
    rows: z.number().int().min(1).max(1000),
  }),
]);

type Target =
  | { kind: "run"; spec: OneOffSpec; instance?: string }
  | { kind: "exec"; containerId: string; command: string[] };

interface Attached {
  stream: NodeJS.ReadWriteStream;
  resize(cols: number, rows: number): Promise<unknown>;
  exitCode(): Promise<number | null>;
  cleanup(): Promise<void>;
}

/**
 * One `pier run` (a one-off container of the current release, removed afterwards) or `pier exec`
 * (a process in a running replica) attached to a WebSocket.
 */
export function commandSession(
  docker: Docker,
  target: Target,
  options: { tty: boolean; cols?: number; rows?: number; onEnd?: (code: number | null) => void },
): SocketSession {
  let attached: Attached | undefined;
  const early: (string | Buffer)[] = [];
  let closed = false;

  const send = (ws: ServerWebSocket<SocketSession>, stream: 1 | 2, payload: Uint8Array) => {
    const out = new Uint8Array(payload.length + 1);
    out[0] = stream;
    out.set(payload, 1);
    ws.send(out);
  };

  const attach = async (ws: ServerWebSocket<SocketSession>): Promise<Attached> => {
    const onOutput = options.tty
      ? (chunk: Uint8Array) => send(ws, 1, chunk)
      : createFrameDemuxer((stream, payload) => send(ws, stream, payload));
    if (target.kind === "run") {
      const container = await docker.createContainer(
        oneOffContainerOptions({ ...target.spec, tty: options.tty, stdin: true }, target.instance),
      );
      const stream = (await container.attach({
        stream: true,
        stdin: true,
        stdout: true,
        stderr: true,
        hijack: true,
      })) as unknown as NodeJS.ReadWriteStream;
      stream.on("data", (chunk: Uint8Array) => onOutput(chunk));
      await joinNetworks(docker, container.id, target.spec.networks);
      await container.start();
      return {
        stream,
        resize: (cols, rows) => container.resize({ w: cols, h: rows }),
        exitCode: async () => ((await container.wait()) as { StatusCode?: number }).StatusCode ?? null,
        cleanup: () => container.remove({ force: true, v: true }).catch(() => {}),
      };
    }
    const exec = await docker.getContainer(target.containerId).exec({
      Cmd: target.command,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: options.tty,
    });
    const stream = (await exec.start({
      hijack: true,
      stdin: true,
      Tty: options.tty,
    })) as NodeJS.ReadWriteStream;
    stream.on("data", (chunk: Uint8Array) => onOutput(chunk));
    const ended = new Promise<void>((resolve) => {
      stream.on("end", resolve);
      stream.on("close", resolve);
    });
    return {
      stream,
      resize: (cols, rows) => exec.resize({ w: cols, h: rows }),
      async exitCode() {
        await ended;
        for (let i = 0; i < 50; i++) {
          const info = await exec.inspect();
          if (!info.Running) return info.ExitCode ?? null;
          await Bun.sleep(100);
        }
        return null;
      },
      cleanup: async () => {},
    };
  };

  const handle = (message: string | Buffer) => {
    if (!attached) return void early.push(message);
    if (typeof message !== "string") return void attached.stream.write(message);
    let parsed: z.infer<typeof clientMessageSchema>;
    try {
      parsed = clientMessageSchema.parse(JSON.parse(message));
    } catch {
      return;
    }
    if (parsed.type === "eof") attached.stream.end();
    else void attached.resize(parsed.cols, parsed.rows).catch(() => {});
  };

  return {
    open(ws) {
      void (async () => {
        try {
          attached = await attach(ws);
          if (options.tty && options.cols && options.rows)
            await attached.resize(options.cols, options.rows).catch(() => {});
          for (const message of early.splice(0)) handle(message);
          const code = await attached.exitCode();
          // The last output frames arrive just before the exit is known.
          await Bun.sleep(50);
          options.onEnd?.(code);
          // Removed before the exit is told, so a caller that sees the exit finds nothing left.
          await attached.cleanup();
          if (!closed) {
            ws.send(JSON.stringify({ type: "exit", code }));
            ws.close(1000, "exited");
          }
        } catch (error) {
          if (!closed) {
            ws.send(JSON.stringify({ type: "error", message: (error as Error).message }));
            ws.close(1011, "failed");
          }
        } finally {
          await attached?.cleanup();
        }
      })();
    },
    message: (_ws, data) => handle(data),
    close() {
      closed = true;
      // The caller went away: a one-off has nobody to talk to any more.
      if (attached && target.kind === "run") void attached.cleanup();
    },
  };
}
