/**
 * The benchmark's ceiling for a proxy written on Bun: every client connection gets its own
 * upstream connection and bytes are written across as they arrive, with no HTTP parsing, routing,
 * headers or records. Same worker threads, reusePort listeners and socket API as pier's proxy, so
 * what pier spends above this pipe is its own work, and what nginx spends above it is nginx's.
 *   bun bench/proxy/pipe.ts --port 9092 --upstream-port 9001 [--workers 2]
 */
import { parseArgs } from "node:util";
import { reexecWithAllocatorTuning } from "@pier/core";
import type { Socket } from "bun";

interface Pipe {
  upstream: Socket<Pipe> | null;
  client: Socket<Pipe>;
  /** Client bytes that arrived before the upstream connection opened. */
  early: Buffer[] | null;
  /** Bytes a socket did not take at once, per direction, written on its drain. */
  toClient: Uint8Array[];
  toUpstream: Uint8Array[];
}

/** Writes what `queue` holds, then `bytes`; what the socket does not take waits in `queue`. */
function send(socket: Socket<Pipe>, queue: Uint8Array[], bytes: Uint8Array | null): void {
  if (bytes !== null && queue.length === 0) {
    const written = socket.write(bytes);
    if (written < bytes.byteLength) queue.push(bytes.subarray(Math.max(written, 0)));
    return;
  }
  if (bytes !== null) queue.push(bytes);
  while (queue.length > 0) {
    const head = queue[0]!;
    const written = socket.write(head);
    if (written < head.byteLength) {
      queue[0] = head.subarray(Math.max(written, 0));
      return;
    }
    queue.shift();
  }
}

function listen(port: number, upstreamPort: number): void {
  // reusePort works at runtime for listeners although bun-types only declares it for connect.
  const options = {
    hostname: "127.0.0.1",
    port,
    reusePort: true,
    socket: {
      open(client: Socket<Pipe>) {
        client.setNoDelay(true);
        const pipe: Pipe = { upstream: null, client, early: [], toClient: [], toUpstream: [] };
        client.data = pipe;
        Bun.connect<Pipe>({
          hostname: "127.0.0.1",
          port: upstreamPort,
          data: pipe,
          socket: {
            open(upstream) {
              upstream.setNoDelay(true);
              pipe.upstream = upstream;
              for (const chunk of pipe.early ?? []) send(upstream, pipe.toUpstream, chunk);
              pipe.early = null;
            },
            data(_upstream, chunk) {
              send(pipe.client, pipe.toClient, chunk);
            },
            drain(upstream) {
              send(upstream, pipe.toUpstream, null);
            },
            close() {
              pipe.client.end();
            },
          },
        }).catch(() => client.end());
      },
      data(client: Socket<Pipe>, chunk: Buffer) {
        const pipe = client.data;
        if (pipe.upstream !== null) send(pipe.upstream, pipe.toUpstream, chunk);
        else pipe.early?.push(chunk);
      },
      drain(client: Socket<Pipe>) {
        send(client, client.data.toClient, null);
      },
      close(client: Socket<Pipe>) {
        client.data.upstream?.end();
      },
    },
  };
  Bun.listen<Pipe>(options as Bun.TCPSocketListenOptions<Pipe>);
}

if (Bun.isMainThread) {
  // The same allocator settings as pier serve and the benchmark's pier, so the two compare like for like.
  await reexecWithAllocatorTuning();

  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "9092" },
      "upstream-port": { type: "string", default: "9001" },
      workers: { type: "string", default: String(navigator.hardwareConcurrency) },
    },
  });
  for (let i = 0; i < Number(values.workers); i++) {
    new Worker(import.meta.path).postMessage({
      port: Number(values.port),
      upstreamPort: Number(values["upstream-port"]),
    });
  }
  console.log("ready");
} else {
  self.onmessage = (e: MessageEvent<{ port: number; upstreamPort: number }>) =>
    listen(e.data.port, e.data.upstreamPort);
}
