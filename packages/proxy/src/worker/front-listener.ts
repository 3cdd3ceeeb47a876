import { createServer, type Server as TlsServer } from "node:tls";
import type { Socket, TCPSocketListener } from "bun";
import type { Certificate } from "../shared/worker-messages.ts";
import { FrontConnection } from "./front-connection.ts";
import type { FrontState } from "./front-state.ts";

/**
 * The worker's listeners. Plain HTTP is a `Bun.listen` socket server. HTTPS needs certificates
 * chosen by SNI, which `Bun.listen` cannot do (its `tls` takes one object); node:tls can
 * (`addContext`), and in Bun its server is a `Bun.listen` listener underneath, so after listening
 * its handle is given the same raw socket handlers: bytes then bypass node streams entirely.
 */

export class TlsFrontError extends Error {
  readonly code = "TLS_FRONT";
  constructor(detail: string) {
    super(
      `the HTTPS listener could not start: ${detail}; this Bun build may have changed node:tls internals (tested with Bun 1.4)`,
    );
    this.name = "TlsFrontError";
  }
}

/** Socket handlers shared by every front listener (plain and TLS). */
const frontHandlers = {
  data(socket: Socket<FrontConnection>, chunk: Buffer) {
    socket.data.data(chunk);
  },
  drain(socket: Socket<FrontConnection>) {
    socket.data.drain();
  },
  close(socket: Socket<FrontConnection>) {
    socket.data.closed();
  },
  error(socket: Socket<FrontConnection>) {
    socket.data.closed();
  },
  timeout(socket: Socket<FrontConnection>) {
    socket.data.idleTimeout();
  },
};

function handlersFor(state: FrontState, tls: boolean) {
  return {
    ...frontHandlers,
    open(socket: Socket<FrontConnection>) {
      const conn = new FrontConnection(state, tls);
      socket.data = conn;
      conn.open(socket);
    },
  };
}

export function listenHttp(
  state: FrontState,
  hostname: string,
  port: number,
): TCPSocketListener<FrontConnection> {
  // reusePort works at runtime for listeners although bun-types only declares it for connect.
  const options = { hostname, port, reusePort: true, socket: handlersFor(state, false) };
  return Bun.listen<FrontConnection>(options as Bun.TCPSocketListenOptions<FrontConnection>);
}

/**
 * The first certificate is the default: clients without SNI (or naming an unknown host) get it,
 * so HTTPS always answers once any certificate exists.
 */
export async function listenHttps(
  state: FrontState,
  hostname: string,
  port: number,
  certs: Certificate[],
): Promise<TlsServer> {
  const [first, ...rest] = certs;
  if (first === undefined) throw new TlsFrontError("no certificate");
  const server = createServer({ cert: first.cert, key: first.key });
  server.addContext(first.serverName, { cert: first.cert, key: first.key });
  for (const c of rest) server.addContext(c.serverName, { cert: c.cert, key: c.key });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: hostname, port, reusePort: true } as Parameters<typeof server.listen>[0], () => {
      server.off("error", reject);
      resolve();
    });
  });
  const handle = (server as unknown as { _handle?: { reload?: (o: unknown) => void } })._handle;
  if (typeof handle?.reload !== "function") {
    server.close();
    throw new TlsFrontError("node:tls server has no reloadable Bun listener handle");
  }
  handle.reload({ socket: handlersFor(state, true) });
  return server;
}
