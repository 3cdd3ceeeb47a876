import type { Server as TlsServer } from "node:tls";
import type { Socket, TCPSocketListener } from "bun";
import type { Certificate } from "../shared/worker-messages.ts";
import { unwatchDeadline } from "./deadline-sweep.ts";
import { FrontConnection } from "./front-connection.ts";
import type { FrontState } from "./front-state.ts";
import type { H2FrontConnection } from "./h2/h2-connection.ts";

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

/** What a front socket's data is: the HTTP/1.1 engine, or an HTTP/2 connection after ALPN chose h2. */
type FrontSocketData = FrontConnection | H2FrontConnection;

/** The HTTP/2 module, loaded by the first HTTPS listener (listenHttps). */
let h2: typeof import("./h2/h2-connection.ts") | null = null;

/** ALPN on the HTTPS port: h2 first, HTTP/1.1 for the clients that do not offer it. */
export const HTTPS_ALPN_PROTOCOLS = ["h2", "http/1.1"];

/** Socket handlers shared by every front listener (plain and TLS). */
const frontHandlers = {
  data(socket: Socket<FrontSocketData>, chunk: Buffer) {
    socket.data.data(chunk);
  },
  drain(socket: Socket<FrontSocketData>) {
    socket.data.drain();
  },
  close(socket: Socket<FrontSocketData>) {
    socket.data.closed();
  },
  error(socket: Socket<FrontSocketData>) {
    socket.data.closed();
  },
  timeout(socket: Socket<FrontSocketData>) {
    socket.data.idleTimeout();
  },
};

function handlersFor(state: FrontState, tls: boolean) {
  const handlers = {
    ...frontHandlers,
    open(socket: Socket<FrontSocketData>) {
      const conn = new FrontConnection(state, tls);
      socket.data = conn;
      conn.open(socket as Socket<FrontConnection>);
    },
  };
  if (!tls) return handlers;
  return {
    ...handlers,
    // No byte is read before the handshake ends, so the engine made at open is swapped for an
    // HTTP/2 connection here when ALPN chose h2.
    handshake(socket: Socket<FrontSocketData>, success: boolean) {
      if (!success) return;
      const h1 = socket.data as FrontConnection;
      if (socket.alpnProtocol !== "h2" || h2 === null) {
        h1.handshakeDone();
        return;
      }
      unwatchDeadline(h1);
      socket.data = new h2.H2FrontConnection(state, socket as Socket<unknown>);
    },
  };
}

/**
 * Listens on `fd`, a listening socket inherited from the pier this one took over from (see
 * `ProxyPoolOptions.inheritedListeners`), or else binds `port` with reusePort beside the other
 * workers. Either way the socket's fd is `listener.fd`, which a hand-over passes on.
 */
export function listenHttp(
  state: FrontState,
  hostname: string,
  port: number,
  fd?: number,
): TCPSocketListener<FrontConnection> {
  // reusePort works at runtime for listeners although bun-types only declares it for connect.
  const options =
    fd === undefined
      ? { hostname, port, reusePort: true, socket: handlersFor(state, false) }
      : { fd, socket: handlersFor(state, false) };
  return Bun.listen<FrontConnection>(options as Bun.TCPSocketListenOptions<FrontConnection>);
}

/**
 * The first certificate is the default: clients without SNI (or naming an unknown host) get it,
 * so HTTPS always answers once any certificate exists. With `fd` the server listens on that
 * inherited socket instead of binding `port`.
 */
export async function listenHttps(
  state: FrontState,
  hostname: string,
  port: number,
  certs: Certificate[],
  fd?: number,
): Promise<TlsServer> {
  const [first, ...rest] = certs;
  if (first === undefined) throw new TlsFrontError("no certificate");
  // Loaded with the first certificate: node:tls (and the node:net and stream modules under it)
  // costs each worker about 1.3 MB, which a pier serving plain HTTP only never needs.
  const { createServer } = await import("node:tls");
  const server = createServer({ cert: first.cert, key: first.key, ALPNProtocols: HTTPS_ALPN_PROTOCOLS });
  // HTTP/2 (node:http2 under it) is loaded with TLS too, for the same reason: only ALPN brings it.
  h2 ??= await import("./h2/h2-connection.ts");
  server.addContext(first.serverName, { cert: first.cert, key: first.key });
  for (const c of rest) server.addContext(c.serverName, { cert: c.cert, key: c.key });
  const where = fd === undefined ? { host: hostname, port, reusePort: true } : { fd };
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(where as Parameters<typeof server.listen>[0], () => {
      server.off("error", reject);
      resolve();
    });
  });
  const handle = tlsHandle(server);
  if (typeof handle?.reload !== "function") {
    server.close();
    throw new TlsFrontError("node:tls server has no reloadable Bun listener handle");
  }
  handle.reload({ socket: handlersFor(state, true) });
  return server;
}

function tlsHandle(server: TlsServer): { reload?: (o: unknown) => void; fd?: number } | undefined {
  return (server as unknown as { _handle?: { reload?: (o: unknown) => void; fd?: number } })._handle;
}

/** The listening socket's fd of a plain listener (Bun has it at runtime; bun-types does not declare it). */
export function httpListenerFd(listener: TCPSocketListener<FrontConnection>): number | undefined {
  const fd = (listener as unknown as { fd?: unknown }).fd;
  return typeof fd === "number" && fd >= 0 ? fd : undefined;
}

/** The listening socket's fd of an HTTPS server (what a hand-over passes on), if it has one. */
export function httpsListenerFd(server: TlsServer): number | undefined {
  const fd = tlsHandle(server)?.fd;
  return typeof fd === "number" && fd >= 0 ? fd : undefined;
}

/**
 * New certificates for a listening server, in place: the first becomes the default, every one is
 * (re)added by its name. Nothing is rebound, so the listening socket (possibly shared with another
 * pier during a hand-over) and the connections queued on it stay. A name that is no longer in
 * `certs` keeps its last context until the next start; a host without a route only gets a 404.
 */
export function replaceHttpsCertificates(server: TlsServer, certs: Certificate[]): void {
  const [first] = certs;
  if (first === undefined) return;
  server.setSecureContext({ cert: first.cert, key: first.key });
  for (const c of certs) server.addContext(c.serverName, { cert: c.cert, key: c.key });
}
