import type { Socket } from "bun";
import type { CompiledRoute, UpstreamTarget } from "../shared/route-table.ts";
import { findRoute, normalizeHost, upstreamPathFor } from "../shared/route-table.ts";
import { unwatchDeadline, watchDeadline } from "./deadline-sweep.ts";
import { type FrontState, poolFor } from "./front-state.ts";
import { HEAD_READY, scanHeadEnd } from "./head-bytes.ts";
import {
  badGatewayPage,
  badRequestPage,
  bodyTimeoutPage,
  gatewayTimeoutPage,
  type LocalResponse,
  noUpstreamPage,
  payloadTooLargePage,
  requestTimeoutPage,
  serializeLocal,
  wakeFailedPage,
} from "./pages.ts";
import { recordExchange } from "./phases/exchange-record.ts";
import { answerBeacon } from "./phases/filters/beacon-ingest.ts";
import { overBodyLimit } from "./phases/filters/body-limit.ts";
import { requestFilter } from "./phases/request-filter.ts";
import { injectedResponse, ResponseWrite, responseFilter } from "./phases/response-filter.ts";
import { hasBody, type ProxySession } from "./phases/session.ts";
import { UpstreamChoice } from "./phases/upstream-choice.ts";
import {
  type BadRequestError,
  MAX_REQUEST_HEAD_BYTES,
  parseRequestHead,
  RequestHead,
} from "./request-head.ts";
import {
  ChunkedDecoder,
  MAX_RESPONSE_HEAD_BYTES,
  parseResponseHead,
  ResponseHead,
  rewriteResponseHead,
  type UpstreamProtocolError,
} from "./response-parser.ts";
import {
  type ForwardedHeaders,
  forwardingLines,
  requestIdText,
  upstreamHeadBound,
  writeUpstreamHead,
} from "./upstream-head.ts";
import type { UpstreamConn, UpstreamOwner } from "./upstream-pool.ts";
import type { HeldRequest } from "./wake-holds.ts";
import { GOING_AWAY, WebSocketTunnel } from "./websocket-frames.ts";

/**
 * The engine of the socket-level front: one client connection's HTTP/1.1 byte and state machine.
 * It parses request heads, forwards the rewritten head and the body bytes to a pooled upstream
 * socket, and pipes the response bytes back with just enough parsing to find where each response
 * ends (Content-Length, chunked or close), so both connections stay alive; it handles keep-alive,
 * pipelining, tunnels and backpressure both ways (a short write queues the rest and pauses the
 * socket that produces the bytes until the slow side drains).
 * What to do with a request is decided by the phases it calls (phases/): the request filter chain,
 * the upstream choice with its retries, the response filter and the request record.
 */

/** Pipelined bytes buffered beyond this pause reading from the client. */
const MAX_BUFFERED = 256 * 1024;
/**
 * How long a tunnel being closed by the proxy waits for both ends to finish the close handshake
 * (and for a frame in flight to end) before both sockets are cut.
 */
const TUNNEL_CLOSE_GRACE_MS = 2_000;
export const CLIENT_IDLE_TIMEOUT_S = 120;
/**
 * How long a TLS client has to finish its handshake; the head timeout starts after it. Counting the
 * handshake in the head timeout dropped connections whose handshakes queued on a loaded machine
 * (1,000 at once: docs/performance.md, Proxy: HTTP/2, notes); nginx gives a handshake 60 s.
 */
export const TLS_HANDSHAKE_TIMEOUT_MS = 30_000;
/**
 * How long a keep-alive connection idle when a drain starts stays open: a request the client sent
 * meanwhile (or that sits unread in the socket buffer, which a close would answer with a reset) is
 * answered with `connection: close`. Under load every connection ends that way within moments.
 */
const DRAIN_IDLE_GRACE_MS = 1_000;
/** Ends chunked framing whose trailer fields were dropped (ChunkedDecoder.trailers). */
const CRLF = Buffer.from("\r\n");
/** Upstream heads are written here, one at a time per thread (see upstream-head.ts). */
const headScratch = Buffer.allocUnsafe(MAX_REQUEST_HEAD_BYTES + 4096);

/** Where the connection is in its current exchange. */
enum Stage {
  Idle = 0,
  Exchange = 1,
  Tunnel = 2,
  Closed = 3,
  /** Reading the body of a beacon the worker answers itself (phases/filters/beacon-ingest.ts). */
  Beacon = 4,
  /** The request waits for its sleeping route to wake (wake-holds.ts); body bytes are kept. */
  Held = 5,
}

enum BodyMode {
  None = 0,
  Length = 1,
  Chunked = 2,
  UntilClose = 3,
}

export class FrontConnection implements UpstreamOwner, ProxySession, HeldRequest {
  socket: Socket<FrontConnection> | null = null;
  private stage = Stage.Idle;
  /** Received bytes not yet consumed (a partial head or pipelined requests). */
  private buf: Buffer | null = null;
  /**
   * `buf` when it is the start of `bufStore`, a buffer with room for more: bytes arriving in small
   * pieces are appended there, so each is copied about once instead of the whole buffer per piece.
   */
  private bufView: Buffer | null = null;
  private bufStore: Buffer | null = null;
  /** How much of a head's CR LF CR LF the bytes in `buf` end with (scanHeadEnd), while one is partial. */
  private headScan = 0;
  private out: Uint8Array[] | null = null;
  private endAfterFlush = false;
  private processing = false;
  /** The client socket was paused by this connection (backpressure or pipelining). */
  private clientPaused = false;
  /** What the proxy adds to this connection's forwarded heads; the per-request parts change. */
  private forwarded: ForwardedHeaders | null = null;
  /** The last request's raw Host value and its normalized form, reused while they repeat. */
  private hostRaw = "";
  private hostNormalized = "";

  /** Parsed into again for each exchange: a keep-alive request allocates no head objects. */
  private readonly requestHead = new RequestHead();
  private readonly responseHead = new ResponseHead();

  // The current exchange.
  private req: RequestHead | null = null;
  route: CompiledRoute | null = null;
  host = "";
  private upstreamPath = "";
  private started = 0;
  private bytesIn = 0;
  private bytesOut = 0;
  private readonly choice: UpstreamChoice;
  private upstream: UpstreamConn | null = null;
  private reqDone = true;
  private reqRemaining = 0;
  private reqDecoder: ChunkedDecoder | null = null;
  private res: ResponseHead | null = null;
  /** A partial answer head, in `resStore` once a second piece came (appendPending). */
  private resPending: Buffer | null = null;
  private resStore: Buffer | null = null;
  /** How much of CR LF CR LF `resPending` ends with (scanHeadEnd). */
  private resScan = 0;
  private resMode = BodyMode.None;
  private resRemaining = 0;
  private resDecoder: ChunkedDecoder | null = null;
  private dechunk = false;
  private closeAfter = false;
  private upstreamReusable = true;
  /** Body of an HTML answer held back for the tracker tag; null when streaming through. */
  private injectBody: Buffer[] | null = null;
  private beaconChunks: Buffer[] = [];
  private beaconRemaining = 0;
  /**
   * The status the client got in place of the upstream's answer, else 0: the HTTP/2 bridge answers
   * 502 to a head more than a stream may carry (h2/stream-bridge.ts), and the record says so.
   */
  private replacedStatus = 0;
  /** A WebSocket tunnel's frames, followed so the proxy can close it; null for other tunnels. */
  private ws: WebSocketTunnel | null = null;
  /** The proxy is closing this tunnel. */
  private tunnelClosing = false;
  /** When the awaited response head is late (performance.now() ms); 0 when none is awaited. */
  deadline = 0;
  /**
   * When the client is late sending (performance.now() ms). In the idle stage, the request head
   * being received: set when the connection opens and when a keep-alive connection starts a new
   * head, 0 from the head's end on, so a request whose head arrives whole costs no clock read for
   * it. While a request body is read (a beacon, or one forwarded before its answer started), the
   * next body bytes: a body that never ends must not hold the connection.
   */
  readDeadline = 0;
  /** When the client is late taking the bytes queued in `out`: restarted by each byte it takes. */
  writeDeadline = 0;

  constructor(
    readonly state: FrontState,
    readonly tls: boolean,
    /** The client is the HTTP/2 bridge (h2/stream-bridge.ts), not a socket: see parseRequestHead. */
    private readonly bridged = false,
  ) {
    this.choice = new UpstreamChoice(state.health);
  }

  open(socket: Socket<FrontConnection>): void {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.timeout(CLIENT_IDLE_TIMEOUT_S);
    this.forwarded = {
      forwardedFor: forwardingLines(socket.remoteAddress, this.tls),
      requestIdPrefix: this.state.requestIdPrefixBytes,
      requestNumber: 0,
      extra: "",
    };
    const headTimeout = this.state.headTimeoutMs;
    this.readDeadline =
      performance.now() + (this.tls ? Math.max(TLS_HANDSHAKE_TIMEOUT_MS, headTimeout) : headTimeout);
    watchDeadline(this);
  }

  /** The TLS handshake ended: the client has the head timeout from now to send its first head. */
  handshakeDone(): void {
    if (this.stage === Stage.Idle && this.buf === null)
      this.readDeadline = performance.now() + this.state.headTimeoutMs;
  }

  // ---- client side -------------------------------------------------------------------------

  data(chunk: Buffer): void {
    this.bytesIn += chunk.length;
    switch (this.stage) {
      case Stage.Idle:
        // The rest of a partial head is parsed only once the head is whole (or bad, or too
        // large): reparsing it from its start for each piece cost quadratic CPU.
        if (this.buf !== null) {
          this.append(chunk);
          this.headScan = scanHeadEnd(chunk, 0, this.headScan);
          if (this.headScan !== HEAD_READY && this.buf.length <= MAX_REQUEST_HEAD_BYTES) return;
        } else this.buf = chunk;
        this.processBuffered();
        return;
      case Stage.Exchange:
        if (!this.reqDone) this.feedBody(chunk, 0);
        else this.keep(chunk, 0);
        return;
      case Stage.Tunnel:
        if (this.ws !== null) this.ws.fromClient(chunk);
        else if (this.upstream !== null && !this.upstream.write(chunk)) this.pauseClient();
        return;
      case Stage.Beacon:
        this.feedBeacon(chunk, 0);
        return;
      case Stage.Held:
        this.keep(chunk, 0);
        return;
    }
  }

  drain(): void {
    if (!this.flushOut()) return;
    if (this.endAfterFlush) {
      this.socket?.end();
      return;
    }
    this.upstream?.resume();
  }

  private pauseClient(): void {
    if (this.clientPaused) return;
    this.clientPaused = true;
    this.socket?.pause();
  }

  private resumeClient(): void {
    if (!this.clientPaused) return;
    this.clientPaused = false;
    this.socket?.resume();
  }

  get request(): RequestHead {
    return this.req!;
  }

  get requestId(): string {
    return this.req?.requestId ?? requestIdText(this.state.requestIdPrefix, this.forwarded!.requestNumber);
  }

  closed(): void {
    if (this.stage === Stage.Held) this.state.wakes.release(this.route!.id, this);
    // An answer replaced before its body ended still had its exchange (finish() records the others).
    if (this.replacedStatus !== 0 && this.res !== null)
      this.record(this.replacedStatus, this.choice.target!.origin);
    this.stage = Stage.Closed;
    this.socket = null;
    unwatchDeadline(this);
    const up = this.upstream;
    this.upstream = null;
    // A half-done exchange leaves the upstream socket mid-message: it cannot be reused.
    up?.terminate();
  }

  /** The client got `status` instead of the answer now being passed on (see replacedStatus). */
  answerReplaced(status: number): void {
    this.replacedStatus = status;
  }

  idleTimeout(): void {
    if (this.stage === Stage.Idle) this.socket?.end();
    else this.socket?.timeout(CLIENT_IDLE_TIMEOUT_S);
  }

  /** Keeps unconsumed (pipelined) bytes for after the current exchange. */
  private keep(chunk: Buffer, offset: number): void {
    if (offset >= chunk.length) return;
    this.append(offset === 0 ? chunk : chunk.subarray(offset));
    if (this.buf!.length > MAX_BUFFERED) this.pauseClient();
  }

  /** Adds bytes to `buf`, growing a buffer of its own (see bufStore) rather than copying all of `buf`. */
  private append(bytes: Buffer): void {
    const buf = this.buf;
    if (buf === null) {
      this.buf = bytes;
      return;
    }
    const length = buf.length + bytes.length;
    let store = this.bufStore;
    // Only while `buf` is still the view made here: other views of the store (body pieces handed
    // to an upstream, kept pipelined bytes) lie within it, never past its end.
    if (buf !== this.bufView || store === null || length > store.length) {
      store = Buffer.allocUnsafe(Math.max(2 * length, 4096));
      buf.copy(store, 0);
      this.bufStore = store;
    }
    bytes.copy(store, buf.length);
    const view = store.subarray(0, length);
    this.bufView = view;
    this.buf = view;
  }

  /** Takes the buffered bytes; the store they may sit in is dropped (an idle connection keeps none). */
  private takeBuffered(): Buffer | null {
    const buf = this.buf;
    this.buf = null;
    this.bufView = null;
    this.bufStore = null;
    return buf;
  }

  private write(data: Uint8Array | string): void {
    const socket = this.socket;
    if (socket === null) return;
    const length = typeof data === "string" ? Buffer.byteLength(data) : data.byteLength;
    this.bytesOut += length;
    if (this.out !== null) {
      this.out.push(typeof data === "string" ? Buffer.from(data) : data);
      return;
    }
    const written = socket.write(data);
    if (written >= length) return;
    const bytes = typeof data === "string" ? Buffer.from(data) : data;
    this.out = [bytes.subarray(Math.max(written, 0))];
    // The client has the send timeout to take some of these bytes (a slow read; flushOut).
    this.writeDeadline = performance.now() + this.state.sendTimeoutMs;
    this.upstream?.pause();
  }

  private flushOut(): boolean {
    const socket = this.socket;
    const out = this.out;
    if (out === null) return true;
    if (socket === null) return false;
    let took = false;
    while (out.length > 0) {
      const head = out[0]!;
      const written = socket.write(head);
      if (written < head.byteLength) {
        out[0] = head.subarray(Math.max(written, 0));
        // Progress, not the whole download, is timed: a slow reader that takes bytes stays.
        if (took || written > 0) this.writeDeadline = performance.now() + this.state.sendTimeoutMs;
        return false;
      }
      took = true;
      out.shift();
    }
    this.out = null;
    this.writeDeadline = 0;
    return true;
  }

  private endClient(): void {
    this.stage = Stage.Closed;
    if (this.out !== null) this.endAfterFlush = true;
    else this.socket?.end();
  }

  private processBuffered(): void {
    // Re-entry (a request answered synchronously inside the loop) would reorder pipelined bytes.
    if (this.processing) return;
    this.processing = true;
    try {
      this.processLoop();
    } finally {
      this.processing = false;
    }
    if (this.stage === Stage.Idle) this.resumeClient();
  }

  private processLoop(): void {
    while (this.stage === Stage.Idle && this.buf !== null) {
      let head: RequestHead | null;
      try {
        head = parseRequestHead(this.buf, 0, this.hostRaw, this.requestHead, this.bridged);
      } catch (err) {
        const e = err as BadRequestError;
        this.takeBuffered();
        this.write(serializeLocal(badRequestPage(e.status ?? 400, e.message), true, false));
        this.endClient();
        return;
      }
      if (head === null) {
        // Part of a head: it has the head timeout to arrive whole (slowloris). The next pieces
        // are scanned from here on, not parsed again (data()).
        this.headScan = scanHeadEnd(this.buf, 0, 0);
        if (this.readDeadline === 0) this.readDeadline = performance.now() + this.state.headTimeoutMs;
        return;
      }
      const buf = this.takeBuffered()!;
      this.startRequest(head);
      // startRequest moves the stage on; TypeScript cannot see that through the call.
      const stage = this.stage as Stage;
      if (stage === Stage.Beacon) this.feedBeacon(buf, head.headLength);
      else if (stage === Stage.Exchange && !this.reqDone) this.feedBody(buf, head.headLength);
      else if (stage !== Stage.Closed) this.keep(buf, head.headLength);
    }
  }

  // ---- request -----------------------------------------------------------------------------

  private startRequest(h: RequestHead): void {
    this.readDeadline = 0;
    this.req = h;
    this.started = performance.now();
    this.bytesIn = h.headLength;
    this.bytesOut = 0;
    this.route = null;
    if (h.host !== this.hostRaw) {
      this.hostRaw = h.host;
      this.hostNormalized = normalizeHost(h.host);
    }
    this.host = this.hostNormalized;
    if (h.requestId === null) this.forwarded!.requestNumber = this.state.requestCounter++;
    if (requestFilter(this)) return;
    const route = this.route!;
    this.forward(upstreamPathFor(route, h.target), null, route.forwardExtra);
  }

  readBeacon(contentLength: number): void {
    this.stage = Stage.Beacon;
    this.beaconChunks = [];
    this.beaconRemaining = Math.max(contentLength, 0);
    if (this.beaconRemaining === 0) this.endBeacon();
    else this.readDeadline = performance.now() + this.state.bodyTimeoutMs;
  }

  private feedBeacon(chunk: Buffer, offset: number): void {
    const end = Math.min(chunk.length, offset + this.beaconRemaining);
    if (end > offset) this.beaconChunks.push(chunk.subarray(offset, end));
    this.beaconRemaining -= end - offset;
    if (this.beaconRemaining > 0) {
      if (end > offset) this.readDeadline = performance.now() + this.state.bodyTimeoutMs;
      return;
    }
    this.endBeacon();
    if (this.stage !== Stage.Idle) return;
    this.keep(chunk, end);
    if (this.buf !== null) this.processBuffered();
  }

  private endBeacon(): void {
    const chunks = this.beaconChunks;
    this.beaconChunks = [];
    const body = chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8");
    const sink = this.state.beacon;
    const answer = answerBeacon(
      body,
      this.req!.kept,
      this.host,
      this.route!.appId,
      this.socket?.remoteAddress ?? "",
      sink ?? (() => {}),
    );
    this.respond(answer, false, true);
  }

  respond(res: LocalResponse, closeForBody: boolean, record: boolean): void {
    const h = this.req!;
    const close = h.close || h.http10 || closeForBody || this.state.draining;
    this.write(serializeLocal(res, close, h.method === "HEAD"));
    if (record) this.record(res.status, null);
    this.stage = Stage.Idle;
    // No body is read any more; the next head starts its own clock.
    this.readDeadline = 0;
    if (close) this.endClient();
  }

  private record(status: number, upstream: string | null): void {
    recordExchange(
      this.state,
      this.host,
      this.route,
      status,
      this.started,
      this.bytesIn,
      this.bytesOut,
      upstream,
    );
  }

  forward(path: string, pinned: UpstreamTarget | null, extra: string): void {
    const h = this.req!;
    this.upstreamPath = path;
    this.forwarded!.extra = extra;
    this.reqDone = !(h.contentLength > 0 || h.chunked);
    this.reqRemaining = h.contentLength;
    this.reqDecoder = h.chunked ? new ChunkedDecoder() : null;
    this.choice.start(this.route!, pinned, h.method, this.reqDone);
    this.res = null;
    this.resPending = null;
    this.resStore = null;
    this.closeAfter = h.close || h.http10 || this.state.draining;
    this.upstreamReusable = true;
    this.stage = Stage.Exchange;
    // A body still to come has the body timeout for its first bytes, as for each next ones (feedBody).
    if (!this.reqDone) this.readDeadline = performance.now() + this.state.bodyTimeoutMs;
    // The request arrived moments ago: its start time serves as the clock for the first deadline.
    this.attempt(null, this.started);
  }

  /** `now` is performance.now() or a time read just before, for the response deadline. */
  private attempt(lastError: string | null, now: number): void {
    const target = this.choice.next(this.route!);
    if (target === null) {
      const page =
        lastError === null
          ? noUpstreamPage(this.host, this.requestId)
          : badGatewayPage(this.host, lastError, this.requestId);
      this.failLocal(page);
      return;
    }
    this.send(target, false, now);
  }

  private send(target: UpstreamTarget, fresh: boolean, now: number): void {
    const pool = poolFor(this.state, target);
    const conn = fresh || this.req!.upgrade !== null ? pool.connect(this) : pool.acquire(this);
    this.upstream = conn;
    const route = this.route!;
    this.deadline = now + (conn.socket === null ? route.connectTimeoutMs : route.upstreamTimeoutMs);
    // Written afresh on every attempt: the scratch buffer is shared by the thread's connections.
    const h = this.req!;
    const f = this.forwarded!;
    const bound = upstreamHeadBound(h, this.upstreamPath, f);
    const out = bound <= headScratch.length ? headScratch : Buffer.allocUnsafe(bound);
    conn.writeCopy(out, writeUpstreamHead(out, h, this.upstreamPath, f));
  }

  private feedBody(chunk: Buffer, offset: number): void {
    if (offset >= chunk.length) return;
    let end: number;
    // Where the bytes to forward end: before trailer fields, which are dropped (ChunkedDecoder).
    let forwardEnd: number;
    let endFraming = false;
    const decoder = this.reqDecoder;
    if (decoder !== null) {
      try {
        end = decoder.feed(chunk, offset, null);
      } catch (err) {
        const detail = (err as UpstreamProtocolError).detail;
        this.abortExchange(badRequestPage(400, `malformed chunked request body (${detail})`));
        return;
      }
      if (overBodyLimit(this.route!, decoder.decodedBytes)) {
        this.abortExchange(payloadTooLargePage(this.route!.maxBodyBytes, this.requestId));
        return;
      }
      forwardEnd = decoder.forwardEnd;
      if (end === -1) end = chunk.length;
      else {
        this.reqDone = true;
        endFraming = decoder.trailers;
      }
    } else {
      end = Math.min(chunk.length, offset + this.reqRemaining);
      forwardEnd = end;
      this.reqRemaining -= end - offset;
      if (this.reqRemaining === 0) this.reqDone = true;
    }
    const up = this.upstream;
    if (up !== null) {
      if (
        forwardEnd > offset &&
        !up.write(offset === 0 && forwardEnd === chunk.length ? chunk : chunk.subarray(offset, forwardEnd))
      )
        this.pauseClient();
      if (endFraming && !up.write(CRLF)) this.pauseClient();
    }
    if (this.res === null) {
      const now = performance.now();
      // The upstream timeout is for an upstream that goes quiet, not for a long upload: the clock
      // starts again with each piece of body it takes (a connect still runs on its own clock).
      if (up !== null && up.socket !== null) this.deadline = now + this.route!.upstreamTimeoutMs;
      // Likewise the body timeout is for a client that goes quiet mid-body.
      this.readDeadline = this.reqDone ? 0 : now + this.state.bodyTimeoutMs;
    }
    if (this.reqDone) this.keep(chunk, end);
  }

  /** A request that cannot go on (bad or too large body): answer if nothing was sent yet, then close. */
  private abortExchange(page: LocalResponse): void {
    const up = this.upstream;
    this.upstream = null;
    up?.terminate();
    this.deadline = 0;
    if (this.res === null) {
      this.write(serializeLocal(page, true, false));
      this.record(page.status, null);
      this.endClient();
    } else {
      this.socket?.terminate();
    }
  }

  private failLocal(page: LocalResponse): void {
    this.deadline = 0;
    this.upstream = null;
    this.respond(page, !this.reqDone, true);
    if (this.stage === Stage.Idle && this.buf !== null) this.processBuffered();
  }

  /**
   * The client sent part of a head (or nothing on a new connection) for longer than the head
   * timeout, or nothing of a body being read for the body timeout.
   */
  readTimedOut(): void {
    this.readDeadline = 0;
    switch (this.stage) {
      case Stage.Idle:
        // A connection that never said anything is closed without an answer, as an idle one is.
        if (this.takeBuffered() !== null)
          this.write(serializeLocal(requestTimeoutPage(this.state.headTimeoutMs), true, false));
        this.endClient();
        return;
      case Stage.Beacon:
        this.abortExchange(bodyTimeoutPage(this.state.bodyTimeoutMs));
        return;
      case Stage.Exchange:
        if (this.reqDone || this.res !== null) return;
        // Paused by the proxy itself (an upstream slow to take the body): the client is not late.
        if (this.clientPaused) {
          this.readDeadline = performance.now() + this.state.bodyTimeoutMs;
          return;
        }
        this.abortExchange(bodyTimeoutPage(this.state.bodyTimeoutMs));
        return;
    }
  }

  /**
   * The client took none of the bytes queued for it for the send timeout (it stopped reading):
   * both sockets are cut, the upstream one mid-answer and so never pooled again.
   */
  writeTimedOut(): void {
    this.writeDeadline = 0;
    if (this.out !== null) this.cut();
  }

  timedOut(): void {
    this.deadline = 0;
    if (this.stage === Stage.Held) {
      this.state.wakes.release(this.route!.id, this);
      this.resumeHeld(false);
      return;
    }
    if (this.stage === Stage.Tunnel) {
      // The close handshake did not finish in time (or a frame never ended): cut both ends.
      this.upstream?.terminate();
      this.upstream = null;
      this.stage = Stage.Closed;
      this.socket?.terminate();
      return;
    }
    const up = this.upstream;
    this.upstream = null;
    up?.terminate();
    if (this.res === null)
      this.failLocal(gatewayTimeoutPage(this.host, this.route!.upstreamTimeoutMs, this.requestId));
  }

  // ---- upstream side -----------------------------------------------------------------------

  upstreamOpen(conn: UpstreamConn): void {
    if (conn !== this.upstream) return;
    this.deadline = performance.now() + this.route!.upstreamTimeoutMs;
    if (conn.queue === null) this.resumeClient();
  }

  upstreamDrain(conn: UpstreamConn): void {
    if (conn === this.upstream) this.resumeClient();
  }

  upstreamConnectError(conn: UpstreamConn, err: Error): void {
    if (conn !== this.upstream) return;
    this.upstream = null;
    this.deadline = 0;
    const message = `could not connect to upstream ${this.choice.target!.origin}: ${err.message}; is the app listening?`;
    if (this.choice.connectFailed()) {
      this.attempt(message, performance.now());
    } else {
      this.failLocal(badGatewayPage(this.host, message, this.requestId));
    }
  }

  upstreamClose(conn: UpstreamConn): void {
    if (conn !== this.upstream) return;
    this.upstream = null;
    this.deadline = 0;
    if (this.stage === Stage.Tunnel) {
      this.endClient();
      return;
    }
    if (this.res === null) {
      // A reused keep-alive socket that closes before answering went stale: retry on a fresh one.
      if (this.choice.retriesStaleSocket(conn.reused, this.resPending !== null)) {
        this.send(this.choice.target!, true, performance.now());
        return;
      }
      const origin = this.choice.target!.origin;
      this.failLocal(
        badGatewayPage(
          this.host,
          `upstream ${origin} closed the connection before answering`,
          this.requestId,
        ),
      );
      return;
    }
    if (this.resMode === BodyMode.UntilClose) {
      this.finish();
      return;
    }
    // The body was cut short: the client must not take a truncated body as complete.
    this.stage = Stage.Closed;
    this.socket?.terminate();
  }

  upstreamData(conn: UpstreamConn, chunk: Buffer): void {
    if (conn !== this.upstream) return;
    if (this.stage === Stage.Tunnel) {
      if (this.ws !== null) this.ws.fromUpstream(chunk);
      else this.write(chunk);
      return;
    }
    if (this.res !== null) {
      this.body(chunk, 0, 0);
      return;
    }
    let buf = chunk;
    const pending = this.resPending;
    if (pending !== null) {
      buf = this.appendPending(pending, chunk);
      // As for request heads (data()): the rest of a partial head is parsed only once it may be
      // whole (or is bad, or too large); parsing it from its start for each piece cost quadratic CPU.
      this.resScan = scanHeadEnd(chunk, 0, this.resScan);
      if (this.resScan !== HEAD_READY && buf.length <= MAX_RESPONSE_HEAD_BYTES) return;
    }
    for (;;) {
      let head: ResponseHead | null;
      try {
        head = parseResponseHead(buf, 0, this.responseHead);
      } catch (err) {
        this.upstream = null;
        conn.terminate();
        this.failLocal(badGatewayPage(this.host, (err as Error).message, this.requestId));
        return;
      }
      if (head === null) {
        this.resPending = buf;
        this.resScan = scanHeadEnd(buf, 0, 0);
        return;
      }
      // The head and the body bytes after it are handed on as views of `buf`: its store is never
      // written again.
      this.resPending = null;
      this.resStore = null;
      if (head.status === 101) {
        if (this.req!.upgrade !== null) {
          this.startTunnel(conn, head, buf);
          return;
        }
        // RFC 9110 15.2.2: never sent to a request that did not ask to upgrade; the client would
        // read what follows in a protocol it did not choose.
        this.upstream = null;
        conn.terminate();
        const message =
          "upstream answered 101 Switching Protocols to a request that did not ask to upgrade; check the app";
        this.failLocal(badGatewayPage(this.host, message, this.requestId));
        return;
      }
      if (head.status >= 200) {
        this.startResponse(head, buf);
        return;
      }
      // Informational answers (100 Continue, 103 Early Hints) pass through before the real one,
      // except to HTTP/1.0 clients, which have no 1xx (RFC 9110 15.2). The HTTP/2 bridge's head is
      // HTTP/1.0 only as a translation: its client has 1xx, and it picks the ones to pass on.
      if (!this.req!.http10 || this.bridged) this.write(buf.subarray(0, head.headLength));
      if (buf.length === head.headLength) return;
      buf = buf.subarray(head.headLength);
    }
  }

  /**
   * `pending` (a partial answer head) followed by `chunk`, in `resStore`, which grows by doubling
   * so that a head arriving in many pieces is copied about once. Written only past the end of
   * `pending` when `pending` is the store's current view: no other view reaches there.
   */
  private appendPending(pending: Buffer, chunk: Buffer): Buffer {
    const length = pending.length + chunk.length;
    let store = this.resStore;
    if (
      store === null ||
      pending.buffer !== store.buffer ||
      pending.byteOffset !== store.byteOffset ||
      length > store.length
    ) {
      store = Buffer.allocUnsafe(Math.max(2 * length, 4096));
      pending.copy(store, 0);
      this.resStore = store;
    }
    chunk.copy(store, pending.length);
    const view = store.subarray(0, length);
    this.resPending = view;
    return view;
  }

  // ---- tunnels ------------------------------------------------------------------------------

  private startTunnel(conn: UpstreamConn, head: ResponseHead, buf: Buffer): void {
    this.deadline = 0;
    this.readDeadline = 0;
    this.res = head;
    this.stage = Stage.Tunnel;
    this.socket?.timeout(0);
    const early = this.takeBuffered();
    // WebSocket frames are followed both ways so that the proxy can close the tunnel with a frame
    // of its own between two of theirs (closeTunnel); other protocols are passed on blind.
    if (isWebSocket(this.req!.upgrade!)) {
      this.ws = new WebSocketTunnel({
        toClient: (bytes) => this.write(bytes),
        toUpstream: (bytes) => this.upstream?.write(bytes) ?? true,
        pauseClient: () => this.pauseClient(),
      });
      this.ws.fromUpstream(buf, head.headLength);
      if (early !== null) this.ws.fromClient(early);
    } else {
      this.write(buf);
      if (early !== null) conn.write(early);
    }
    if (this.state.draining) this.closeTunnel(GOING_AWAY);
  }

  /** The connection is a tunnel to one of these origins (`http://host:port`). */
  tunnelsTo(origins: readonly string[]): boolean {
    return (
      this.stage === Stage.Tunnel &&
      this.upstream !== null &&
      origins.includes(this.upstream.pool.target.origin)
    );
  }

  /**
   * Ends the tunnel from the proxy's side: a WebSocket gets a close frame with `code` both ways
   * (WebSocketTunnel.close), and the sockets close once the upstream closes its socket, or after
   * TUNNEL_CLOSE_GRACE_MS; any other tunnel is closed at once.
   */
  closeTunnel(code: number): void {
    if (this.stage !== Stage.Tunnel || this.tunnelClosing) return;
    this.tunnelClosing = true;
    this.deadline = performance.now() + TUNNEL_CLOSE_GRACE_MS;
    if (this.ws !== null) {
      this.ws.close(code);
      return;
    }
    const up = this.upstream;
    this.upstream = null;
    up?.terminate();
    this.endClient();
  }

  // ---- shutdown and sleeping routes ---------------------------------------------------------

  /**
   * pier is stopping (state.draining is set): the connection ends after the exchange in progress,
   * after DRAIN_IDLE_GRACE_MS when idle (a request arriving meanwhile is answered, with close); a
   * held request is answered 503. A tunnel is left open: the drain closes tunnels last.
   */
  stopAfterExchange(): void {
    switch (this.stage) {
      case Stage.Idle:
        // Part of a head arrived: that request is answered first (the head timeout bounds it).
        // Between requests, the head deadline ends the connection quietly after a grace.
        if (this.buf === null) this.readDeadline = performance.now() + DRAIN_IDLE_GRACE_MS;
        return;
      case Stage.Exchange:
        // Before the answer's head: it says connection: close; after: the socket closes after it.
        this.closeAfter = true;
        return;
      case Stage.Held:
        this.state.wakes.release(this.route!.id, this);
        this.resumeHeld(false);
        return;
    }
  }

  get inTunnel(): boolean {
    return this.stage === Stage.Tunnel;
  }

  /** Between requests with nothing buffered: ending it now loses no request. */
  get idle(): boolean {
    return this.stage === Stage.Idle && this.buf === null;
  }

  /** Ends the connection quietly (no reset) when it is idle; false when it is not. */
  endIfIdle(): boolean {
    if (!this.idle) return false;
    this.endClient();
    return true;
  }

  /** Cuts the connection (the shutdown timeout passed with it still open). */
  cut(): void {
    const up = this.upstream;
    this.upstream = null;
    up?.terminate();
    this.stage = Stage.Closed;
    this.socket?.terminate();
  }

  hold(): void {
    const route = this.route!;
    if (!this.state.wakes.hold(route.id, this)) {
      this.respond(wakeFailedPage(this.host, this.requestId), hasBody(this.req!), true);
      return;
    }
    this.stage = Stage.Held;
    this.deadline = performance.now() + this.state.wakeTimeoutMs;
  }

  /** The held request's route woke (or could not be): the request goes on, or is answered 503. */
  resumeHeld(woken: boolean): void {
    if (this.stage !== Stage.Held) return;
    this.deadline = 0;
    this.stage = Stage.Idle;
    const h = this.req!;
    const buf = this.takeBuffered();
    // The table already routes to the woken release: the main thread answers after every worker
    // acknowledged it.
    const route = woken ? findRoute(this.state.table, this.host, h.target) : null;
    if (route === null || route.sleeping || this.state.draining) {
      this.respond(wakeFailedPage(this.host, this.requestId), hasBody(h), true);
      if (this.stage === Stage.Idle && buf !== null) {
        this.keep(buf, 0);
        this.processBuffered();
      }
      return;
    }
    this.route = route;
    this.forward(upstreamPathFor(route, h.target), null, route.forwardExtra);
    if (buf === null) return;
    // forward() moved the stage on; TypeScript cannot see that through the call.
    if ((this.stage as Stage) === Stage.Exchange && !this.reqDone) this.feedBody(buf, 0);
    else this.keep(buf, 0);
  }

  private startResponse(head: ResponseHead, buf: Buffer): void {
    this.deadline = 0;
    // Once the answer has started the exchange ends with it (and the connection too, the body
    // being unfinished): the rest of the body is the upstream's to wait for, not a 408.
    this.readDeadline = 0;
    this.res = head;
    this.injectBody = null;
    const req = this.req!;
    const status = head.status;
    if (req.method === "HEAD" || status === 204 || status === 304) this.resMode = BodyMode.None;
    else if (head.chunked) this.resMode = BodyMode.Chunked;
    else if (head.contentLength >= 0) this.resMode = BodyMode.Length;
    else this.resMode = BodyMode.UntilClose;
    this.resRemaining = head.contentLength;
    this.dechunk = req.http10 && head.chunked;
    this.resDecoder = this.resMode === BodyMode.Chunked ? new ChunkedDecoder() : null;
    // finish() closes a connection whose request body is still unread, so the client must hear
    // it now: else it keeps the socket for its next request and sends it into a closed one.
    if (this.resMode === BodyMode.UntilClose || !this.reqDone) this.closeAfter = true;
    if (head.close) this.upstreamReusable = false;
    switch (
      responseFilter(
        this.route!,
        this.choice.pinned !== null,
        req.method,
        this.resMode === BodyMode.Length,
        head,
        this.closeAfter,
        this.dechunk,
      )
    ) {
      case ResponseWrite.Injected:
        this.injectBody = [];
        this.body(buf, head.headLength, head.headLength);
        return;
      case ResponseWrite.RewrittenHead:
        this.write(rewriteResponseHead(head, this.closeAfter, this.dechunk));
        this.body(buf, head.headLength, head.headLength);
        return;
      case ResponseWrite.Verbatim:
        this.body(buf, head.headLength, 0);
        return;
    }
  }

  /** Body bytes from `offset`; `from` is where the unwritten bytes start (head included). */
  private body(chunk: Buffer, offset: number, from: number): void {
    let end = chunk.length;
    let done = false;
    // Where the bytes to pass on end (before dropped trailer fields); `end` is where the answer does.
    let forwardEnd = end;
    let endFraming = false;
    switch (this.resMode) {
      case BodyMode.None:
        end = offset;
        forwardEnd = end;
        done = true;
        break;
      case BodyMode.Length:
        end = Math.min(chunk.length, offset + this.resRemaining);
        forwardEnd = end;
        this.resRemaining -= end - offset;
        done = this.resRemaining === 0;
        break;
      case BodyMode.Chunked: {
        const decoder = this.resDecoder!;
        let e: number;
        try {
          e = decoder.feed(chunk, offset, this.dechunk ? (piece) => this.write(piece) : null);
        } catch {
          this.upstreamReusable = false;
          this.socket?.terminate();
          this.upstream?.terminate();
          this.upstream = null;
          return;
        }
        if (e !== -1) {
          end = e;
          done = true;
        }
        if (this.dechunk) from = forwardEnd = end;
        else {
          // Trailer fields are dropped, as nginx does; the framing then ends with our own CRLF.
          forwardEnd = decoder.forwardEnd;
          endFraming = done && decoder.trailers;
        }
        break;
      }
    }
    if (forwardEnd > from) {
      const piece = from === 0 && forwardEnd === chunk.length ? chunk : chunk.subarray(from, forwardEnd);
      if (this.injectBody !== null) this.injectBody.push(piece);
      else this.write(piece);
    }
    if (endFraming) this.write(CRLF);
    if (done) {
      if (this.injectBody !== null) {
        const body = Buffer.concat(this.injectBody);
        this.injectBody = null;
        this.write(injectedResponse(this.res!, body, this.closeAfter));
      }
      // Bytes after the end of a response on a keep-alive socket: the upstream broke framing.
      if (end < chunk.length) this.upstreamReusable = false;
      this.finish();
    }
  }

  private finish(): void {
    const up = this.upstream;
    this.upstream = null;
    if (up !== null) {
      if (this.upstreamReusable && this.reqDone && up.queue === null) up.pool.release(up);
      else up.terminate();
    }
    this.record(
      this.replacedStatus !== 0 ? this.replacedStatus : this.res!.status,
      this.choice.target!.origin,
    );
    this.replacedStatus = 0;
    this.choice.succeeded();
    this.res = null;
    this.req = null;
    if (this.closeAfter || !this.reqDone) {
      this.endClient();
      return;
    }
    this.stage = Stage.Idle;
    if (this.buf !== null) this.processBuffered();
    else this.resumeClient();
  }
}

function isWebSocket(upgrade: string): boolean {
  return upgrade.length === 9 && upgrade.toLowerCase() === "websocket";
}
