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
const NO_ERROR = constants.NGHTTP2_NO_ERROR;
/**
 * How long a connection sent GOAWAY (idle, or cut) has before its socket is cut: node:http2's
 * close() waits for every stream it knows of, and a header block left half-sent is one that never
 * ends, which held connections open for good.
 */
const H2_CLOSE_GRACE_MS = 5_000;

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
  /** While a short write waits: when the client is late taking more of it (no byte taken since). */
  writeDeadline = 0;

  constructor(
    private readonly socket: Socket<unknown>,
    private readonly sendTimeoutMs: number,
  ) {
    super();
  }

  override _read(): void {}

  override _write(chunk: Uint8Array, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    const written = this.socket.write(chunk);
    if (written >= chunk.byteLength) {
      this.writeDeadline = 0;
      done();
      return;
    }
    // Progress, not a whole download, is timed: each byte the client takes restarts the clock.
    if (written > 0 || this.writeDeadline === 0) this.writeDeadline = performance.now() + this.sendTimeoutMs;
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
  /** After a GOAWAY: when the socket is cut if it is still open (H2_CLOSE_GRACE_MS). */
  deadline = 0;
  /** While a header block is incomplete: when the head timeout ends the connection. */
  readDeadline = 0;

  constructor(
    private readonly state: FrontState,
    private readonly socket: Socket<unknown>,
  ) {
    this.duplex = new SocketDuplex(socket, state.sendTimeoutMs);
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
      if (admission.kind === "forward")
        forwardH2c(this.state, admission.route, admission.path, stream, headers, clientIp);
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
      this.refuse(ENHANCE_YOUR_CALM);
      return;
    }
    // Slowloris over HTTP/2: a header block left half-sent has the head timeout, as an HTTP/1.1
    // head does; it runs from the block's first piece, not its last.
    if (!this.guard.headerBlockOpen) this.readDeadline = 0;
    else if (this.readDeadline === 0) this.readDeadline = performance.now() + this.state.headTimeoutMs;
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
    if (this.openStreams() === 0) {
      this.session?.close();
      this.deadline = performance.now() + H2_CLOSE_GRACE_MS;
    } else this.socket.timeout(CLIENT_IDLE_TIMEOUT_S);
  }

  /**
   * A flood the frame guard caught (ENHANCE_YOUR_CALM) or a header block that timed out
   * (NO_ERROR): GOAWAY, then the connection ends.
   */
  private refuse(code: number): void {
    this.refused = true;
    this.deadline = performance.now() + H2_CLOSE_GRACE_MS;
    const session = this.session;
    if (session === null || session.destroyed) {
      this.socket.end();
      return;
    }
    session.goaway(code);
    // The GOAWAY is written before the socket ends; the streams in flight are reset.
    setTimeout(() => session.destroy(), 10);
  }

  private openStreams(): number {
    return this.streams;
  }

  // ---- the drain (entry.ts), as FrontConnection answers it ---------------------------------------

  /** The grace after a GOAWAY passed: streams begun before it still finish, anything else is cut. */
  timedOut(): void {
    if (!this.refused && this.openStreams() > 0) {
      this.deadline = performance.now() + H2_CLOSE_GRACE_MS;
      return;
    }
    this.deadline = 0;
    this.cut();
  }

  /** A header block did not arrive whole within the head timeout. */
  readTimedOut(): void {
    this.readDeadline = 0;
    this.refuse(NO_ERROR);
  }

  get writeDeadline(): number {
    return this.duplex.writeDeadline;
  }

  /**
   * The client took no byte for the send timeout: every stream is stuck behind it, so the
   * connection is cut, and each stream's upstream exchange with it (StreamBridge).
   */
  writeTimedOut(): void {
    this.duplex.writeDeadline = 0;
    this.cut();
  }

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
