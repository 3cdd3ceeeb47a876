import {
  constants,
  createServer,
  type Http2Server,
  type IncomingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from "node:http2";
import { Duplex } from "node:stream";
import type { Socket } from "bun";
import { unwatchDeadline, watchDeadline } from "../deadline-sweep.ts";
import { CLIENT_IDLE_TIMEOUT_S } from "../front-connection.ts";
import type { FrontState } from "../front-state.ts";
import { FrameGuard } from "./frame-guard.ts";
import { admitH2c } from "./h2c-admission.ts";
import { forwardH2c } from "./h2c-forward.ts";
import { holdH2c } from "./h2c-hold.ts";
import { StreamBridge } from "./stream-bridge.ts";

/**
 * One client connection that chose `h2` by ALPN. Frames, HPACK, flow control, SETTINGS, PING and
 * GOAWAY are Bun's node:http2 session (a native frame parser; docs/decisions/0014-http2-edge.md
 * has the measurement), fed from the same raw TLS socket as the HTTP/1.1 engine through a thin
 * Duplex. The bytes pass the frame guard (frame-guard.ts) on their way in; each stream becomes a
 * StreamBridge through the HTTP/1.1 engine.
 */

/** Streams one connection may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS). */
export const H2_MAX_CONCURRENT_STREAMS = 128;
/** Decoded header list a stream may carry (SETTINGS_MAX_HEADER_LIST_SIZE), as the HTTP/1.1 head limit. */
export const H2_MAX_HEADER_LIST_BYTES = 64 * 1024;

const ENHANCE_YOUR_CALM = constants.NGHTTP2_ENHANCE_YOUR_CALM;

/**
 * The worker's one HTTP/2 server object: it is never listened on, each connection is handed to it.
 * No ENABLE_CONNECT_PROTOCOL: browsers then open WebSockets over HTTP/1.1 (RFC 8441 §3).
 */
let server: Http2Server | null = null;
/** The connection being handed to `server` (its "session" event fires during the hand-over). */
let handing: H2FrontConnection | null = null;

function h2Server(): Http2Server {
  if (server !== null) return server;
  server = createServer({
    settings: {
      maxConcurrentStreams: H2_MAX_CONCURRENT_STREAMS,
      maxHeaderListSize: H2_MAX_HEADER_LIST_BYTES,
      enablePush: false,
    },
  });
  server.on("session", (session: ServerHttp2Session) => handing?.attach(session));
  return server;
}

/** The raw socket as the stream node:http2 reads and writes; a short write waits for "drain". */
class SocketDuplex extends Duplex {
  private pending: { rest: Uint8Array; done: (err?: Error | null) => void } | null = null;

  constructor(private readonly socket: Socket<unknown>) {
    super();
  }

  override _read(): void {}

  override _write(chunk: Uint8Array, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    const written = this.socket.write(chunk);
    if (written >= chunk.byteLength) {
      done();
      return;
    }
    this.pending = { rest: chunk.subarray(Math.max(written, 0)), done };
  }

  /** The socket can take more: the rest of a short write goes out first. */
  flush(): void {
    const p = this.pending;
    if (p === null) return;
    this.pending = null;
    this._write(p.rest, "latin1", p.done);
  }

  override _final(done: (err?: Error | null) => void): void {
    this.socket.end();
    done();
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.socket.end();
    done(err);
  }
}

export class H2FrontConnection {
  private readonly duplex: SocketDuplex;
  private readonly guard = new FrameGuard();
  private session: ServerHttp2Session | null = null;
  private refused = false;
  /** Streams begun and not yet closed (node:http2 does not count them publicly). */
  private streams = 0;
  /** For the deadline sweep and the drain, which watch every client connection. */
  deadline = 0;
  headDeadline = 0;

  constructor(
    private readonly state: FrontState,
    private readonly socket: Socket<unknown>,
  ) {
    this.duplex = new SocketDuplex(socket);
    socket.timeout(CLIENT_IDLE_TIMEOUT_S);
    handing = this;
    try {
      h2Server().emit("connection", this.duplex);
    } finally {
      handing = null;
    }
    watchDeadline(this);
  }

  attach(session: ServerHttp2Session): void {
    this.session = session;
    session.on("error", () => {});
    session.on("stream", (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
      this.streams++;
      stream.once("close", () => this.streams--);
      const clientIp = this.socket.remoteAddress;
      const admission = admitH2c(this.state.table, this.state.draining, headers);
      if (admission.kind === "forward") forwardH2c(this.state, admission.route, stream, headers, clientIp);
      else if (admission.kind === "hold") holdH2c(this.state, admission.route, stream, headers, clientIp);
      else new StreamBridge(this.state, stream, headers, clientIp);
    });
    if (this.state.draining) session.close();
  }

  // ---- socket handlers ---------------------------------------------------------------------------

  data(chunk: Buffer): void {
    if (this.refused) return;
    const verdict = this.guard.scan(chunk);
    if (verdict !== null) {
      this.refuse();
      return;
    }
    this.duplex.push(chunk);
  }

  drain(): void {
    this.duplex.flush();
  }

  closed(): void {
    unwatchDeadline(this);
    this.duplex.push(null);
    this.duplex.destroy();
  }

  idleTimeout(): void {
    if (this.openStreams() === 0) this.session?.close();
    else this.socket.timeout(CLIENT_IDLE_TIMEOUT_S);
  }

  /** A flood the frame guard caught: GOAWAY(ENHANCE_YOUR_CALM), then the connection ends. */
  private refuse(): void {
    this.refused = true;
    const session = this.session;
    if (session === null || session.destroyed) {
      this.socket.end();
      return;
    }
    session.goaway(ENHANCE_YOUR_CALM);
    // The GOAWAY is written before the socket ends; the streams in flight are reset.
    setTimeout(() => session.destroy(), 10);
  }

  private openStreams(): number {
    return this.streams;
  }

  // ---- the drain (entry.ts), as FrontConnection answers it ---------------------------------------

  timedOut(): void {}

  headTimedOut(): void {}

  /** GOAWAY: streams in flight finish, no new one starts, the connection ends after the last. */
  stopAfterExchange(): void {
    this.session?.close();
  }

  get inTunnel(): boolean {
    return false;
  }

  get idle(): boolean {
    return this.openStreams() === 0;
  }

  endIfIdle(): boolean {
    if (!this.idle) return false;
    this.session?.close();
    this.socket.end();
    return true;
  }

  cut(): void {
    this.session?.destroy();
    this.socket.terminate();
  }

  tunnelsTo(): boolean {
    return false;
  }

  closeTunnel(): void {}
}
