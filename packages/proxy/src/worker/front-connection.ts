import type { Socket } from "bun";
import {
  type CompiledRoute,
  findRoute,
  normalizeHost,
  type UpstreamTarget,
  upstreamPathFor,
} from "../shared/route-table.ts";
import { answerBeacon, beaconTooLarge, isBeaconRequest, MAX_EVENT_BYTES } from "./beacon-ingest.ts";
import { type FrontState, poolFor } from "./front-state.ts";
import {
  acmeAnswer,
  badGatewayPage,
  badRequestPage,
  gatewayTimeoutPage,
  type LocalResponse,
  maintenancePage,
  notFoundPage,
  noUpstreamPage,
  payloadTooLargePage,
  redirect,
  serializeLocal,
  unknownHostPage,
} from "./pages.ts";
import {
  type BadRequestError,
  MAX_REQUEST_HEAD_BYTES,
  parseRequestHead,
  RequestHead,
} from "./request-head.ts";
import { ChunkedDecoder, parseResponseHead, ResponseHead, rewriteResponseHead } from "./response-parser.ts";
import { injectedResponse, wantsInjection } from "./tracker-inject.ts";
import {
  type ForwardedHeaders,
  requestIdText,
  upstreamHeadBound,
  writeUpstreamHead,
} from "./upstream-head.ts";
import type { UpstreamConn, UpstreamOwner } from "./upstream-pool.ts";

/**
 * One client connection of the socket-level front: parses request heads, forwards the rewritten
 * head and the body bytes to a pooled upstream socket, and pipes the response bytes back with just
 * enough parsing to find where each response ends (Content-Length, chunked or close), so both
 * connections stay alive. Backpressure both ways: a short write queues the rest and pauses the
 * socket that produces the bytes until the slow side drains.
 */

const ACME_PREFIX = "/.well-known/acme-challenge/";
const PIER_PREFIX = "/_pier/";
const MAX_ATTEMPTS = 3;
/** A few string compares (the method is usually one of methodOf's shared constants), not a Set lookup. */
function isIdempotent(method: string): boolean {
  return (
    method === "GET" ||
    method === "HEAD" ||
    method === "OPTIONS" ||
    method === "PUT" ||
    method === "DELETE" ||
    method === "TRACE"
  );
}
/** Pipelined bytes buffered beyond this pause reading from the client. */
const MAX_BUFFERED = 256 * 1024;
export const CLIENT_IDLE_TIMEOUT_S = 120;
const SWEEP_INTERVAL_MS = 50;
/** Upstream heads are written here, one at a time per thread (see upstream-head.ts). */
const headScratch = Buffer.allocUnsafe(MAX_REQUEST_HEAD_BYTES + 4096);

enum Phase {
  Idle = 0,
  Exchange = 1,
  Tunnel = 2,
  Closed = 3,
  /** Reading the body of a beacon the worker answers itself (beacon-ingest.ts). */
  Beacon = 4,
}

enum BodyMode {
  None = 0,
  Length = 1,
  Chunked = 2,
  UntilClose = 3,
}

/**
 * The thread's open client connections, swept by one timer for a passed deadline. Membership
 * changes per connection, not per request: a set entry per exchange cost a native call each way.
 */
const openConnections = new Set<FrontConnection>();
let sweepTimer: Timer | null = null;

function ensureSweep(): void {
  if (sweepTimer !== null) return;
  sweepTimer = setInterval(() => {
    const now = performance.now();
    for (const c of openConnections) if (c.deadline !== 0 && c.deadline <= now) c.timedOut();
  }, SWEEP_INTERVAL_MS);
  sweepTimer.unref?.();
}

export class FrontConnection implements UpstreamOwner {
  socket: Socket<FrontConnection> | null = null;
  private phase = Phase.Idle;
  /** Received bytes not yet consumed (a partial head or pipelined requests). */
  private buf: Buffer | null = null;
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
  private route: CompiledRoute | null = null;
  private host = "";
  private upstreamPath = "";
  private started = 0;
  private bytesIn = 0;
  private bytesOut = 0;
  private target: UpstreamTarget | null = null;
  private pinned: UpstreamTarget | null = null;
  private exclude: UpstreamTarget | null = null;
  private attemptsLeft = 0;
  private retryable = false;
  private upstream: UpstreamConn | null = null;
  private reqDone = true;
  private reqRemaining = 0;
  private reqDecoder: ChunkedDecoder | null = null;
  private res: ResponseHead | null = null;
  private resPending: Buffer | null = null;
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
  /** When the awaited response head is late (performance.now() ms); 0 when none is awaited. */
  deadline = 0;

  constructor(
    private readonly state: FrontState,
    private readonly tls: boolean,
  ) {}

  open(socket: Socket<FrontConnection>): void {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.timeout(CLIENT_IDLE_TIMEOUT_S);
    this.forwarded = {
      forwardedFor: Buffer.from(
        `x-forwarded-for: ${socket.remoteAddress}\r\nx-forwarded-proto: ${this.tls ? "https" : "http"}\r\n`,
        "latin1",
      ),
      requestIdPrefix: this.state.requestIdPrefixBytes,
      requestNumber: 0,
      extra: "",
    };
    openConnections.add(this);
    ensureSweep();
  }

  // ---- client side -------------------------------------------------------------------------

  data(chunk: Buffer): void {
    this.bytesIn += chunk.length;
    switch (this.phase) {
      case Phase.Idle:
        this.buf = this.buf === null ? chunk : Buffer.concat([this.buf, chunk]);
        this.processBuffered();
        return;
      case Phase.Exchange:
        if (!this.reqDone) this.feedBody(chunk, 0);
        else this.keep(chunk, 0);
        return;
      case Phase.Tunnel:
        if (this.upstream !== null && !this.upstream.write(chunk)) this.pauseClient();
        return;
      case Phase.Beacon:
        this.feedBeacon(chunk, 0);
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

  /** The id in pages and logs: the client's X-Request-Id, else the one generated for upstream. */
  private get requestId(): string {
    return this.req?.requestId ?? requestIdText(this.state.requestIdPrefix, this.forwarded!.requestNumber);
  }

  closed(): void {
    this.phase = Phase.Closed;
    this.socket = null;
    openConnections.delete(this);
    const up = this.upstream;
    this.upstream = null;
    // A half-done exchange leaves the upstream socket mid-message: it cannot be reused.
    up?.terminate();
  }

  idleTimeout(): void {
    if (this.phase === Phase.Idle) this.socket?.end();
    else this.socket?.timeout(CLIENT_IDLE_TIMEOUT_S);
  }

  /** Keeps unconsumed (pipelined) bytes for after the current exchange. */
  private keep(chunk: Buffer, offset: number): void {
    if (offset >= chunk.length) return;
    const rest = offset === 0 ? chunk : chunk.subarray(offset);
    this.buf = this.buf === null ? rest : Buffer.concat([this.buf, rest]);
    if (this.buf.length > MAX_BUFFERED) this.pauseClient();
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
    this.upstream?.pause();
  }

  private flushOut(): boolean {
    const socket = this.socket;
    const out = this.out;
    if (out === null) return true;
    if (socket === null) return false;
    while (out.length > 0) {
      const head = out[0]!;
      const written = socket.write(head);
      if (written < head.byteLength) {
        out[0] = head.subarray(Math.max(written, 0));
        return false;
      }
      out.shift();
    }
    this.out = null;
    return true;
  }

  private endClient(): void {
    this.phase = Phase.Closed;
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
    if (this.phase === Phase.Idle) this.resumeClient();
  }

  private processLoop(): void {
    while (this.phase === Phase.Idle && this.buf !== null) {
      let head: RequestHead | null;
      try {
        head = parseRequestHead(this.buf, 0, this.hostRaw, this.requestHead);
      } catch (err) {
        const e = err as BadRequestError;
        this.buf = null;
        this.write(serializeLocal(badRequestPage(e.status ?? 400, e.message), true, false));
        this.endClient();
        return;
      }
      if (head === null) return;
      const buf = this.buf;
      this.buf = null;
      this.startRequest(head);
      // startRequest moves the phase on; TypeScript cannot see that through the call.
      const phase = this.phase as Phase;
      if (phase === Phase.Beacon) this.feedBeacon(buf, head.headLength);
      else if (phase === Phase.Exchange && !this.reqDone) this.feedBody(buf, head.headLength);
      else if (phase !== Phase.Closed) this.keep(buf, head.headLength);
    }
  }

  // ---- request -----------------------------------------------------------------------------

  private startRequest(h: RequestHead): void {
    const state = this.state;
    this.req = h;
    this.started = performance.now();
    this.bytesIn = h.headLength;
    this.bytesOut = 0;
    this.route = null;
    const path = h.target;
    if (h.host !== this.hostRaw) {
      this.hostRaw = h.host;
      this.hostNormalized = normalizeHost(h.host);
    }
    const host = this.hostNormalized;
    this.host = host;
    if (h.requestId === null) this.forwarded!.requestNumber = state.requestCounter++;
    const hasBody = h.contentLength > 0 || h.chunked;
    if (path.charCodeAt(0) !== 47 /* / */) {
      this.local(badRequestPage(400, "request target must be a path"), true, false);
      return;
    }
    if (!this.tls && path.startsWith(ACME_PREFIX)) {
      const q = path.indexOf("?");
      const answer = state.acme.get(path.slice(ACME_PREFIX.length, q === -1 ? path.length : q));
      this.local(
        answer !== undefined
          ? acmeAnswer(answer)
          : notFoundPage("No ACME challenge is pending for this token.", this.requestId),
        hasBody,
        false,
      );
      return;
    }
    const route = findRoute(state.table, host, path);
    if (route === null) {
      this.local(unknownHostPage(host, this.requestId), hasBody, true);
      return;
    }
    this.route = route;
    if (route.redirectHttps && !this.tls) {
      this.local(redirect(`https://${host}${this.portSuffix(true)}${path}`), hasBody, true);
      return;
    }
    if (route.canonicalHost !== null && route.canonicalHost !== host) {
      const proto = this.tls ? "https" : "http";
      this.local(
        redirect(`${proto}://${route.canonicalHost}${this.portSuffix(this.tls)}${path}`),
        hasBody,
        true,
      );
      return;
    }
    if (path.startsWith(PIER_PREFIX)) {
      if (state.beacon !== null && isBeaconRequest(h.method, path, h.chunked)) {
        this.startBeacon(h.contentLength);
        return;
      }
      if (state.internal !== null) {
        let extra = `x-pier-host: ${host}\r\n`;
        if (route.appId !== null) extra += `x-pier-app: ${route.appId}\r\n`;
        this.forward(path, state.internal, extra);
        return;
      }
    }
    if (route.maintenance !== null) {
      const q = path.indexOf("?");
      const bare = q === -1 ? path : path.slice(0, q);
      if (route.maintenance.healthPath !== bare) {
        this.local(maintenancePage(route.maintenance.message, this.requestId), hasBody, true);
        return;
      }
    }
    if (h.contentLength > route.maxBodyBytes) {
      this.local(payloadTooLargePage(route.maxBodyBytes, this.requestId), true, true);
      return;
    }
    this.forward(upstreamPathFor(route, path), null, "");
  }

  private startBeacon(contentLength: number): void {
    if (contentLength > MAX_EVENT_BYTES) {
      this.local(beaconTooLarge(), true, true);
      return;
    }
    this.phase = Phase.Beacon;
    this.beaconChunks = [];
    this.beaconRemaining = Math.max(contentLength, 0);
    if (this.beaconRemaining === 0) this.endBeacon();
  }

  private feedBeacon(chunk: Buffer, offset: number): void {
    const end = Math.min(chunk.length, offset + this.beaconRemaining);
    if (end > offset) this.beaconChunks.push(chunk.subarray(offset, end));
    this.beaconRemaining -= end - offset;
    if (this.beaconRemaining > 0) return;
    this.endBeacon();
    if (this.phase !== Phase.Idle) return;
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
    this.local(answer, false, true);
  }

  private portSuffix(toTls: boolean): string {
    const port = toTls ? this.state.httpsPort : this.state.httpPort;
    return port === null || port === (toTls ? 443 : 80) ? "" : `:${port}`;
  }

  /** Answers from the proxy itself; a request body that was not read forces the connection closed. */
  private local(res: LocalResponse, closeForBody: boolean, record: boolean): void {
    const h = this.req!;
    const close = h.close || h.http10 || closeForBody;
    this.write(serializeLocal(res, close, h.method === "HEAD"));
    if (record) this.record(res.status, null);
    this.phase = Phase.Idle;
    if (close) this.endClient();
  }

  private record(status: number, upstream: string | null): void {
    const route = this.route;
    this.state.record(
      this.host,
      route === null ? null : route.id,
      route === null ? null : route.appId,
      status,
      this.started,
      performance.now() - this.started,
      this.bytesIn,
      this.bytesOut,
      upstream,
    );
  }

  private forward(path: string, pinned: UpstreamTarget | null, extra: string): void {
    const h = this.req!;
    this.upstreamPath = path;
    this.forwarded!.extra = extra;
    this.pinned = pinned;
    this.exclude = null;
    this.reqDone = !(h.contentLength > 0 || h.chunked);
    this.reqRemaining = h.contentLength;
    this.reqDecoder = h.chunked ? new ChunkedDecoder() : null;
    this.retryable = this.reqDone && isIdempotent(h.method);
    this.attemptsLeft = pinned !== null ? 1 : Math.min(MAX_ATTEMPTS, this.route!.upstreams.length);
    this.res = null;
    this.resPending = null;
    this.closeAfter = h.close || h.http10;
    this.upstreamReusable = true;
    this.phase = Phase.Exchange;
    // The request arrived moments ago: its start time serves as the clock for the first deadline.
    this.attempt(null, this.started);
  }

  /** `now` is performance.now() or a time read just before, for the response deadline. */
  private attempt(lastError: string | null, now: number): void {
    const route = this.route!;
    const target =
      this.attemptsLeft-- > 0
        ? (this.pinned ?? this.state.health.pick(route, route.rr++, this.exclude))
        : null;
    if (target === null) {
      const page =
        lastError === null
          ? noUpstreamPage(this.host, this.requestId)
          : badGatewayPage(this.host, lastError, this.requestId);
      this.failLocal(page);
      return;
    }
    this.target = target;
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
    if (this.reqDecoder !== null) {
      try {
        end = this.reqDecoder.feed(chunk, offset, null);
      } catch {
        this.abortExchange(badRequestPage(400, "malformed chunked request body"));
        return;
      }
      if (this.reqDecoder.decodedBytes > this.route!.maxBodyBytes) {
        this.abortExchange(payloadTooLargePage(this.route!.maxBodyBytes, this.requestId));
        return;
      }
      if (end === -1) end = chunk.length;
      else this.reqDone = true;
    } else {
      end = Math.min(chunk.length, offset + this.reqRemaining);
      this.reqRemaining -= end - offset;
      if (this.reqRemaining === 0) this.reqDone = true;
    }
    const up = this.upstream;
    if (up !== null) {
      if (!up.write(offset === 0 && end === chunk.length ? chunk : chunk.subarray(offset, end)))
        this.pauseClient();
      // The upstream timeout is for an upstream that goes quiet, not for a long upload: the clock
      // starts again with each piece of body it takes (a connect still runs on its own clock).
      if (up.socket !== null && this.res === null)
        this.deadline = performance.now() + this.route!.upstreamTimeoutMs;
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
    this.local(page, !this.reqDone, true);
    if (this.phase === Phase.Idle && this.buf !== null) this.processBuffered();
  }

  timedOut(): void {
    this.deadline = 0;
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
    const target = this.target!;
    if (this.pinned === null) this.state.health.markFailed(target.origin);
    const message = `could not connect to upstream ${target.origin}: ${err.message}; is the app listening?`;
    if (this.retryable) {
      this.exclude = target;
      this.attempt(message, performance.now());
    } else {
      this.failLocal(badGatewayPage(this.host, message, this.requestId));
    }
  }

  upstreamClose(conn: UpstreamConn): void {
    if (conn !== this.upstream) return;
    this.upstream = null;
    this.deadline = 0;
    if (this.phase === Phase.Tunnel) {
      this.endClient();
      return;
    }
    if (this.res === null) {
      // A reused keep-alive socket that closes before answering went stale: retry on a fresh one.
      if (conn.reused && this.resPending === null && this.retryable) {
        this.send(this.target!, true, performance.now());
        return;
      }
      const origin = this.target!.origin;
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
    this.phase = Phase.Closed;
    this.socket?.terminate();
  }

  upstreamData(conn: UpstreamConn, chunk: Buffer): void {
    if (conn !== this.upstream) return;
    if (this.phase === Phase.Tunnel) {
      this.write(chunk);
      return;
    }
    if (this.res !== null) {
      this.body(chunk, 0, 0);
      return;
    }
    let buf = this.resPending === null ? chunk : Buffer.concat([this.resPending, chunk]);
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
        return;
      }
      this.resPending = null;
      if (head.status === 101 && this.req!.upgrade !== null) {
        this.deadline = 0;
        this.res = head;
        this.phase = Phase.Tunnel;
        this.socket?.timeout(0);
        this.write(buf);
        const early = this.buf;
        this.buf = null;
        if (early !== null) conn.write(early);
        return;
      }
      if (head.status >= 200) {
        this.startResponse(head, buf);
        return;
      }
      // Informational answers (100 Continue, 103 Early Hints) pass through before the real one.
      this.write(buf.subarray(0, head.headLength));
      if (buf.length === head.headLength) return;
      buf = buf.subarray(head.headLength);
    }
  }

  private startResponse(head: ResponseHead, buf: Buffer): void {
    this.deadline = 0;
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
    if (
      this.route!.injectTracker &&
      this.pinned === null &&
      req.method === "GET" &&
      this.resMode === BodyMode.Length &&
      wantsInjection(head)
    ) {
      this.injectBody = [];
      this.body(buf, head.headLength, head.headLength);
    } else if (head.hopByHop || this.closeAfter || this.dechunk) {
      this.write(rewriteResponseHead(head, this.closeAfter, this.dechunk));
      this.body(buf, head.headLength, head.headLength);
    } else {
      // The head passes byte for byte, in one write with the body bytes that came with it.
      this.body(buf, head.headLength, 0);
    }
  }

  /** Body bytes from `offset`; `from` is where the unwritten bytes start (head included). */
  private body(chunk: Buffer, offset: number, from: number): void {
    let end = chunk.length;
    let done = false;
    switch (this.resMode) {
      case BodyMode.None:
        end = offset;
        done = true;
        break;
      case BodyMode.Length:
        end = Math.min(chunk.length, offset + this.resRemaining);
        this.resRemaining -= end - offset;
        done = this.resRemaining === 0;
        break;
      case BodyMode.Chunked: {
        let e: number;
        try {
          e = this.resDecoder!.feed(chunk, offset, this.dechunk ? (piece) => this.write(piece) : null);
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
        if (this.dechunk) from = end;
        break;
      }
    }
    if (end > from) {
      const piece = from === 0 && end === chunk.length ? chunk : chunk.subarray(from, end);
      if (this.injectBody !== null) this.injectBody.push(piece);
      else this.write(piece);
    }
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
    this.record(this.res!.status, this.target!.origin);
    if (this.pinned === null && this.target !== null) this.state.health.markHealthy(this.target.origin);
    this.res = null;
    this.req = null;
    if (this.closeAfter || !this.reqDone) {
      this.endClient();
      return;
    }
    this.phase = Phase.Idle;
    if (this.buf !== null) this.processBuffered();
    else this.resumeClient();
  }
}

/** Socket handlers shared by every front listener (plain and TLS). */
export const frontHandlers = {
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
