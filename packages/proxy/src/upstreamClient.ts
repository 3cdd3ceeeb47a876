import type { Socket } from "bun";
import { ChunkedDecoder, parseResponseHead, type ResponseHead } from "./responseParser.ts";
import type { UpstreamTarget } from "./routeTable.ts";

/**
 * A pooled keep-alive HTTP/1.1 client for body-less requests (the bulk of traffic). It writes a
 * pre-built request head on an idle socket and parses the answer in JS on the worker's own event
 * loop: measured faster here than fetch(), which adds URL parsing, Headers objects and a hop to
 * Bun's HTTP client thread per request.
 */

export class UpstreamConnectError extends Error {
  readonly code = "UPSTREAM_CONNECT";
  /** The request never reached the upstream, so any method may be retried elsewhere. */
  readonly retryable = true;
  constructor(origin: string, cause: unknown) {
    super(
      `could not connect to upstream ${origin}: ${(cause as Error)?.message ?? cause}; is the app listening?`,
    );
    this.name = "UpstreamConnectError";
  }
}

export class UpstreamResetError extends Error {
  readonly code = "UPSTREAM_RESET";
  constructor(
    origin: string,
    /** True when a reused keep-alive socket closed before any response byte: a stale socket. */
    readonly retryable: boolean,
  ) {
    super(`upstream ${origin} closed the connection before a complete response; check the app's logs`);
    this.name = "UpstreamResetError";
  }
}

export class UpstreamTimeoutError extends Error {
  readonly code = "UPSTREAM_TIMEOUT";
  readonly retryable = false;
  constructor(
    origin: string,
    readonly timeoutMs: number,
    phase: "connect" | "response",
  ) {
    const ms = timeoutMs;
    super(
      `upstream ${origin} did not ${phase === "connect" ? "accept the connection" : "answer"} within ${ms} ms`,
    );
    this.name = "UpstreamTimeoutError";
  }
}

/** Responses up to this size with a Content-Length are collected and sent in one piece. */
const BUFFER_LIMIT = 128 * 1024;
const MAX_IDLE_PER_UPSTREAM = 512;
const SWEEP_INTERVAL_MS = 50;

enum BodyMode {
  None = 0,
  Buffer = 1,
  Stream = 2,
  Chunked = 3,
  UntilClose = 4,
}

/** Called once per exchange with the final status and body bytes sent to the client. */
export type ExchangeEnd = (status: number, bytes: number) => void;

interface Exchange {
  resolve: (r: Response) => void;
  reject: (e: Error) => void;
  noBody: boolean;
  /** The budget of the current phase (connect, then response head), for the timeout message. */
  timeoutMs: number;
  responseTimeoutMs: number;
  deadline: number;
  head: ResponseHead | null;
  mode: BodyMode;
  remaining: number;
  body: Uint8Array | null;
  filled: number;
  controller: ReadableStreamDefaultController<Uint8Array> | null;
  decoder: ChunkedDecoder | null;
  bytes: number;
  onEnd: ExchangeEnd | null;
}

interface Connection {
  socket: Socket<Connection> | null;
  pool: UpstreamPool;
  ex: Exchange | null;
  pending: Buffer | null;
  unwritten: Buffer | null;
  reused: boolean;
  received: boolean;
}

const busy = new Set<Connection>();
let sweepTimer: Timer | null = null;

/** One timer per thread instead of one per request: deadlines are checked every 50 ms. */
function ensureSweep(): void {
  if (sweepTimer !== null) return;
  sweepTimer = setInterval(() => {
    if (busy.size === 0) return;
    const now = performance.now();
    for (const conn of busy) {
      const ex = conn.ex;
      if (ex === null || ex.head !== null || ex.deadline > now) continue;
      const phase = conn.socket === null ? "connect" : "response";
      failExchange(conn, new UpstreamTimeoutError(conn.pool.target.origin, ex.timeoutMs, phase));
    }
  }, SWEEP_INTERVAL_MS);
  sweepTimer.unref?.();
}

function failExchange(conn: Connection, err: Error): void {
  const ex = conn.ex;
  conn.ex = null;
  busy.delete(conn);
  const socket = conn.socket;
  conn.socket = null;
  socket?.terminate();
  if (ex === null) return;
  if (ex.controller !== null) {
    try {
      ex.controller.error(err);
    } catch {}
  } else if (ex.head === null || ex.mode === BodyMode.Buffer) {
    ex.reject(err);
  }
}

function writeHead(conn: Connection, socket: Socket<Connection>, head: string): void {
  const written = socket.write(head);
  if (written < head.length) conn.unwritten = Buffer.from(head, "latin1").subarray(Math.max(written, 0));
}

const handlers = {
  open(socket: Socket<Connection>) {
    const conn = socket.data;
    conn.socket = socket;
    const ex = conn.ex;
    if (ex === null) return;
    ex.timeoutMs = ex.responseTimeoutMs;
    ex.deadline = performance.now() + ex.timeoutMs;
    const head = conn.pending;
    conn.pending = null;
    if (head !== null) writeHead(conn, socket, head.toString("latin1"));
  },
  drain(socket: Socket<Connection>) {
    const conn = socket.data;
    const rest = conn.unwritten;
    if (rest === null) return;
    const written = socket.write(rest);
    conn.unwritten = written < rest.length ? rest.subarray(Math.max(written, 0)) : null;
  },
  data(socket: Socket<Connection>, chunk: Buffer) {
    onData(socket.data, chunk);
  },
  close(socket: Socket<Connection>) {
    onClose(socket.data);
  },
  error(socket: Socket<Connection>) {
    onClose(socket.data);
  },
  connectError(socket: Socket<Connection>, err: Error) {
    const conn = socket.data;
    const ex = conn.ex;
    conn.ex = null;
    busy.delete(conn);
    ex?.reject(new UpstreamConnectError(conn.pool.target.origin, err));
  },
};

function onClose(conn: Connection): void {
  const pool = conn.pool;
  const ex = conn.ex;
  conn.socket = null;
  if (ex === null) {
    const i = pool.idle.indexOf(conn);
    if (i !== -1) pool.idle.splice(i, 1);
    return;
  }
  conn.ex = null;
  busy.delete(conn);
  if (ex.head === null) {
    ex.reject(new UpstreamResetError(pool.target.origin, conn.reused && !conn.received));
  } else if (ex.mode === BodyMode.UntilClose) {
    ex.controller!.close();
    ex.onEnd?.(ex.head.status, ex.bytes);
  } else if (ex.controller !== null) {
    try {
      ex.controller.error(new UpstreamResetError(pool.target.origin, false));
    } catch {}
  } else if (ex.mode === BodyMode.Buffer) {
    ex.reject(new UpstreamResetError(pool.target.origin, false));
  }
}

function finish(conn: Connection, ex: Exchange): void {
  conn.ex = null;
  busy.delete(conn);
  ex.onEnd?.(ex.head!.status, ex.bytes);
  const socket = conn.socket;
  if (socket === null) return;
  const pool = conn.pool;
  if (ex.head!.close || pool.closed || pool.idle.length >= MAX_IDLE_PER_UPSTREAM) {
    conn.socket = null;
    socket.end();
    return;
  }
  conn.reused = true;
  pool.idle.push(conn);
}

function streamFor(conn: Connection, ex: Exchange): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      ex.controller = controller;
    },
    cancel() {
      // The client went away mid-body: the socket is mid-response and cannot be reused.
      if (conn.ex === ex) {
        conn.ex = null;
        busy.delete(conn);
        const socket = conn.socket;
        conn.socket = null;
        socket?.terminate();
      }
    },
  });
}

function onData(conn: Connection, chunk: Buffer): void {
  conn.received = true;
  const ex = conn.ex;
  if (ex === null) {
    // Bytes on an idle keep-alive socket mean the upstream broke framing: drop the socket.
    conn.socket?.terminate();
    return;
  }
  if (ex.head !== null) {
    bodyData(conn, ex, chunk, 0);
    return;
  }
  const buf = conn.pending === null ? chunk : Buffer.concat([conn.pending, chunk]);
  let head: ResponseHead | null;
  try {
    head = parseResponseHead(buf);
  } catch (err) {
    failExchange(conn, err as Error);
    return;
  }
  if (head === null) {
    conn.pending = buf;
    return;
  }
  conn.pending = null;
  if (head.status < 200) {
    // Informational answers (100 Continue, 103 Early Hints) precede the real one.
    if (buf.length > head.headLength) onData(conn, buf.subarray(head.headLength));
    return;
  }
  ex.head = head;
  startBody(conn, ex, head, buf, head.headLength);
}

function startBody(conn: Connection, ex: Exchange, head: ResponseHead, buf: Buffer, offset: number): void {
  const status = head.status;
  const init = { status, statusText: head.statusText, headers: head.headers };
  const available = buf.length - offset;
  if (ex.noBody || status === 204 || status === 304) {
    ex.mode = BodyMode.None;
    ex.resolve(new Response(null, init));
    finish(conn, ex);
    return;
  }
  if (head.chunked) {
    ex.mode = BodyMode.Chunked;
    ex.decoder = new ChunkedDecoder();
    ex.resolve(new Response(streamFor(conn, ex), init));
    if (available > 0) bodyData(conn, ex, buf, offset);
    return;
  }
  const length = head.contentLength;
  if (length >= 0 && length <= available) {
    ex.bytes = length;
    ex.resolve(
      new Response(
        length === 0 ? null : (buf.subarray(offset, offset + length) as Uint8Array<ArrayBuffer>),
        init,
      ),
    );
    finish(conn, ex);
    return;
  }
  if (length >= 0 && length <= BUFFER_LIMIT) {
    ex.mode = BodyMode.Buffer;
    ex.body = new Uint8Array(length);
    ex.body.set(buf.subarray(offset), 0);
    ex.filled = available;
    return;
  }
  ex.mode = length >= 0 ? BodyMode.Stream : BodyMode.UntilClose;
  ex.remaining = length;
  if (length < 0) head.close = true;
  ex.resolve(new Response(streamFor(conn, ex), init));
  if (available > 0) bodyData(conn, ex, buf, offset);
}

function bodyData(conn: Connection, ex: Exchange, buf: Buffer, offset: number): void {
  switch (ex.mode) {
    case BodyMode.Buffer: {
      const body = ex.body!;
      const take = Math.min(body.length - ex.filled, buf.length - offset);
      body.set(buf.subarray(offset, offset + take), ex.filled);
      ex.filled += take;
      if (ex.filled === body.length) {
        ex.bytes = body.length;
        ex.body = null;
        const head = ex.head!;
        ex.resolve(
          new Response(body as Uint8Array<ArrayBuffer>, {
            status: head.status,
            statusText: head.statusText,
            headers: head.headers,
          }),
        );
        finish(conn, ex);
      }
      return;
    }
    case BodyMode.Stream: {
      const take = Math.min(ex.remaining, buf.length - offset);
      ex.controller!.enqueue(buf.subarray(offset, offset + take));
      ex.bytes += take;
      ex.remaining -= take;
      if (ex.remaining === 0) {
        ex.controller!.close();
        finish(conn, ex);
      }
      return;
    }
    case BodyMode.UntilClose:
      ex.controller!.enqueue(offset === 0 ? buf : buf.subarray(offset));
      ex.bytes += buf.length - offset;
      return;
    case BodyMode.Chunked: {
      let end: number;
      try {
        end = ex.decoder!.feed(buf, offset, (piece) => {
          ex.bytes += piece.length;
          ex.controller!.enqueue(piece);
        });
      } catch (err) {
        failExchange(conn, err as Error);
        return;
      }
      if (end !== -1) {
        ex.controller!.close();
        finish(conn, ex);
      }
      return;
    }
  }
}

/** Keep-alive sockets to one upstream origin, owned by one worker thread. */
export class UpstreamPool {
  readonly idle: Connection[] = [];
  closed = false;

  constructor(readonly target: UpstreamTarget) {}

  /**
   * Sends `head` (a complete request head, no body) and resolves with the response once its head
   * arrived (small bodies are collected first). Rejects with UpstreamConnectError,
   * UpstreamResetError or UpstreamTimeoutError.
   */
  request(
    head: string,
    noBody: boolean,
    connectTimeoutMs: number,
    timeoutMs: number,
    onEnd: ExchangeEnd | null,
  ): Promise<Response> {
    ensureSweep();
    return new Promise<Response>((resolve, reject) => {
      const ex: Exchange = {
        resolve,
        reject,
        noBody,
        timeoutMs,
        responseTimeoutMs: timeoutMs,
        deadline: 0,
        head: null,
        mode: BodyMode.None,
        remaining: 0,
        body: null,
        filled: 0,
        controller: null,
        decoder: null,
        bytes: 0,
        onEnd,
      };
      const conn = this.idle.pop();
      if (conn !== undefined && conn.socket !== null) {
        conn.ex = ex;
        conn.received = false;
        ex.deadline = performance.now() + timeoutMs;
        busy.add(conn);
        writeHead(conn, conn.socket, head);
        return;
      }
      const fresh: Connection = {
        socket: null,
        pool: this,
        ex,
        pending: Buffer.from(head, "latin1"),
        unwritten: null,
        reused: false,
        received: false,
      };
      ex.timeoutMs = connectTimeoutMs;
      ex.deadline = performance.now() + connectTimeoutMs;
      busy.add(fresh);
      Bun.connect<Connection>({
        hostname: this.target.hostname,
        port: this.target.port,
        data: fresh,
        socket: handlers,
      }).catch((err) => {
        if (fresh.ex === ex) {
          fresh.ex = null;
          busy.delete(fresh);
          reject(new UpstreamConnectError(this.target.origin, err));
        }
      });
    });
  }

  close(): void {
    this.closed = true;
    for (const conn of this.idle.splice(0)) conn.socket?.end();
  }
}
