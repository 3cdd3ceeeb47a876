import type { Socket } from "bun";

interface End {
  peer?: Socket<End>;
  /** Bytes waiting to be written to this socket (it took less than it was given). */
  queue: Uint8Array[];
  /** Bytes from the client that arrived before the upstream connection was open. */
  early: Uint8Array[];
}

function send(socket: Socket<End>, chunk: Uint8Array): void {
  if (socket.data.queue.length) {
    socket.data.queue.push(chunk);
    return;
  }
  const written = socket.write(chunk);
  if (written < chunk.length) socket.data.queue.push(chunk.subarray(Math.max(0, written)));
}

function flush(socket: Socket<End>): void {
  const queue = socket.data.queue;
  while (queue.length) {
    const chunk = queue[0]!;
    const written = socket.write(chunk);
    if (written < chunk.length) {
      queue[0] = chunk.subarray(Math.max(0, written));
      return;
    }
    queue.shift();
  }
}

/**
 * `pier services connect NAME --expose 127.0.0.1:PORT`: a TCP forwarder on the server's loopback
 * to the service's address on its private network, for a local tool (or an SSH tunnel to the
 * server). It lives while the request that opened it stays open, `minutes` at most. No host port
 * is ever published on the container itself.
 */
export function forwardTcp(
  listen: { hostname: string; port: number },
  target: { hostname: string; port: number },
): { port: number; close(): void } {
  const listener = Bun.listen<End>({
    hostname: listen.hostname,
    port: listen.port,
    socket: {
      open(client) {
        client.data = { queue: [], early: [] };
        Bun.connect<End>({
          hostname: target.hostname,
          port: target.port,
          socket: {
            open(upstream) {
              upstream.data = { peer: client, queue: [], early: [] };
              client.data.peer = upstream;
              for (const chunk of client.data.early) send(upstream, chunk);
              client.data.early = [];
            },
            data(upstream, chunk) {
              if (upstream.data.peer) send(upstream.data.peer, new Uint8Array(chunk));
            },
            drain: flush,
            close(upstream) {
              upstream.data.peer?.end();
            },
            error(upstream) {
              upstream.data.peer?.end();
            },
          },
        }).catch(() => client.end());
      },
      data(client, chunk) {
        if (client.data.peer) send(client.data.peer, new Uint8Array(chunk));
        else client.data.early.push(new Uint8Array(chunk));
      },
      drain: flush,
      close(client) {
        client.data.peer?.end();
      },
      error(client) {
        client.data.peer?.end();
      },
    },
  });
  return { port: listener.port, close: () => listener.stop(true) };
}
