import {
  equalsLatin1,
  equalsLowerAscii,
  findLineEnd,
  HeaderLine,
  includesLowerAscii,
  LineKind,
  nameIndex,
  parseDecimal,
  readHeaderLine,
} from "./head-bytes.ts";

/**
 * Pure HTTP/1.1 request-head parsing for the socket-level front, in place over the received
 * bytes. It reads only what routing and framing need (method, target, Host, body framing,
 * Connection, Upgrade, X-Request-Id) and records every other header line as byte ranges of the
 * received buffer, so the forwarded head is copied from those bytes (upstream-head.ts) instead of
 * being re-serialised, and bytes above 0x7f pass through exactly as they came.
 */

/**
 * Hop-by-hop headers describe the client hop only; forwarding and X-Pier-* headers are the proxy's
 * to set, so a client can never spoof them. Host and X-Request-Id are re-added by the proxy.
 */
export const STRIPPED_REQUEST_HEADERS = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  "x-forwarded-for",
  "x-forwarded-proto",
  "x-forwarded-host",
  "x-request-id",
  "x-pier-host",
  "x-pier-app",
]);

const INTERESTING = nameIndex([...STRIPPED_REQUEST_HEADERS, "content-length"]);

/** Methods as shared constant strings: the common request allocates no string for its method. */
const METHODS = ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE", "CONNECT"];

function methodOf(buf: Buffer, start: number, end: number): string {
  for (let i = 0; i < METHODS.length; i++) {
    if (equalsLatin1(buf, start, end, METHODS[i]!)) return METHODS[i]!;
  }
  return buf.toString("latin1", start, end);
}

/**
 * A parsed head. Fields are assigned by parseRequestHead; a connection passes the same object
 * back for its next request, so a keep-alive exchange allocates no head object.
 */
export class RequestHead {
  /** The buffer the head was read from; the ranges below index into it. */
  buf: Buffer = EMPTY;
  /** Where the head starts in `buf` (the request line). */
  start = 0;
  method = "";
  /** Request target as sent (origin-form path with query). */
  target = "";
  /** End of the target in `buf`: [start, targetEnd) is "METHOD TARGET". */
  targetEnd = 0;
  http10 = false;
  /** Raw Host header value ("" when absent). */
  host = "";
  /** The Host value's bytes in `buf` (equal when absent). */
  hostStart = 0;
  hostEnd = 0;
  /** -1 when absent. */
  contentLength = -1;
  chunked = false;
  /** The client wants the connection closed after this exchange. */
  close = false;
  /** Value of Upgrade when Connection asks for an upgrade, else null. */
  upgrade: string | null = null;
  requestId: string | null = null;
  /** Header lines to forward unchanged, as [start, end) pairs of `buf`, each run ending in CRLF. */
  keptRuns: number[] = [];
  /** Bytes consumed by the head including the blank line. */
  headLength = 0;

  /** The forwarded header lines as latin1 text (for the few readers that want names and values). */
  get kept(): string {
    let out = "";
    const runs = this.keptRuns;
    for (let i = 0; i < runs.length; i += 2) out += this.buf.toString("latin1", runs[i]!, runs[i + 1]!);
    return out;
  }
}

const EMPTY = Buffer.alloc(0);

export class BadRequestError extends Error {
  readonly code = "BAD_REQUEST";
  constructor(
    detail: string,
    readonly status = 400,
  ) {
    super(`malformed HTTP/1.1 request: ${detail}`);
    this.name = "BadRequestError";
  }
}

export const MAX_REQUEST_HEAD_BYTES = 64 * 1024;

/**
 * Parses the head starting at `from` into `into` and returns it; null while incomplete (`into` is
 * then untouched). Throws BadRequestError. `previousHost` is the Host value of the connection's
 * last request: a keep-alive connection nearly always names the same host again, and then that
 * string is reused instead of a new one.
 */
export function parseRequestHead(
  buf: Buffer,
  from: number,
  previousHost = "",
  into = new RequestHead(),
): RequestHead | null {
  const lineEnd = findLineEnd(buf, from);
  if (lineEnd === -1) return incomplete(buf, from);
  if (lineEnd === -2) throw new BadRequestError("bare CR in the request line");
  let sp1 = from;
  while (sp1 < lineEnd && buf[sp1] !== 32) sp1++;
  let sp2 = lineEnd - 1;
  while (sp2 > sp1 && buf[sp2] !== 32) sp2--;
  if (sp1 === from || sp1 >= lineEnd || sp2 <= sp1) throw new BadRequestError("bad request line");
  const http10 = equalsLatin1(buf, sp2 + 1, lineEnd, "HTTP/1.0");
  if (!http10 && !equalsLatin1(buf, sp2 + 1, lineEnd, "HTTP/1.1")) {
    throw new BadRequestError("unsupported version");
  }

  let host = "";
  let hostStart = sp2;
  let hostEnd = sp2;
  let contentLength = -1;
  let chunked = false;
  let connectionClose = false;
  let connectionKeepAlive = false;
  let connectionUpgrade = false;
  let upgrade: string | null = null;
  let requestId: string | null = null;
  // Collected apart and copied at the end: an incomplete or bad head must leave `into` as it was.
  // Array lengths are never set on the hot path: in JavaScriptCore that is a slow generic put
  // (bun --cpu-prof on bench/proxy/exchange.ts: nearly half of the parser's samples). The
  // scratch only grows.
  const keptRuns = KEPT_RUNS;
  let nRuns = 0;
  // Kept lines are recorded in runs: one range per stretch of headers between stripped ones.
  let runStart = lineEnd + 2;
  let pos = runStart;
  const line = LINE;
  for (;;) {
    const kind = readHeaderLine(buf, pos, INTERESTING, line);
    if (kind === LineKind.Incomplete) return incomplete(buf, from);
    if (kind === LineKind.BareCr) throw new BadRequestError("bare CR in a header line");
    if (kind === LineKind.End) break;
    if (kind === LineKind.NoColon || line.colon === pos)
      throw new BadRequestError("header line without name");
    const name = line.name;
    if (name === null) {
      pos = line.end + 2;
      continue;
    }
    const vs = line.valueStart;
    const ve = line.valueEnd;
    if (name === "content-length") {
      const n = parseDecimal(buf, vs, ve);
      if (n === -1 || (contentLength !== -1 && n !== contentLength)) {
        throw new BadRequestError("bad content-length");
      }
      contentLength = n;
      pos = line.end + 2;
      continue;
    }
    nRuns = addRun(keptRuns, nRuns, runStart, pos);
    runStart = line.end + 2;
    if (name === "host") {
      hostStart = vs;
      hostEnd = ve;
      host = equalsLatin1(buf, vs, ve, previousHost) ? previousHost : buf.toString("latin1", vs, ve);
    } else if (name === "transfer-encoding") {
      if (ve - vs < 7 || !equalsLowerAscii(buf, ve - 7, ve, "chunked")) {
        throw new BadRequestError("unsupported transfer-encoding");
      }
      chunked = true;
    } else if (name === "connection") {
      connectionClose ||= includesLowerAscii(buf, vs, ve, "close");
      connectionKeepAlive ||= includesLowerAscii(buf, vs, ve, "keep-alive");
      connectionUpgrade ||= includesLowerAscii(buf, vs, ve, "upgrade");
    } else if (name === "upgrade") upgrade = buf.toString("latin1", vs, ve);
    else if (name === "x-request-id") requestId = buf.toString("latin1", vs, ve);
    pos = line.end + 2;
  }
  nRuns = addRun(keptRuns, nRuns, runStart, pos);
  // RFC 9112 6.3: with both, Transfer-Encoding wins and Content-Length must not be forwarded.
  if (chunked && contentLength !== -1) throw new BadRequestError("both content-length and transfer-encoding");
  const h = into;
  h.buf = buf;
  h.start = from;
  h.method = methodOf(buf, from, sp1);
  // As with Host: a keep-alive client (a poller, a health check, a load test) often repeats it.
  if (!equalsLatin1(buf, sp1 + 1, sp2, h.target)) h.target = buf.toString("latin1", sp1 + 1, sp2);
  h.targetEnd = sp2;
  h.http10 = http10;
  h.host = host;
  h.hostStart = hostStart;
  h.hostEnd = hostEnd;
  h.contentLength = contentLength;
  h.chunked = chunked;
  h.close = http10 ? !connectionKeepAlive : connectionClose;
  h.upgrade = upgrade !== null && connectionUpgrade ? upgrade : null;
  h.requestId = requestId;
  const runs = h.keptRuns;
  // A connection's requests nearly always carry the same header lines, so this rarely changes.
  if (runs.length !== nRuns) runs.length = nRuns;
  for (let i = 0; i < nRuns; i++) runs[i] = keptRuns[i]!;
  h.headLength = pos + 2 - from;
  return h;
}

/** Appends the run [start, end) to `runs` holding `n` entries, unless empty; returns the new count. */
function addRun(runs: number[], n: number, start: number, end: number): number {
  if (start >= end) return n;
  runs[n] = start;
  runs[n + 1] = end;
  return n + 2;
}

/** Scratch for the runs and lines of the head being parsed (one parse at a time per thread). */
const KEPT_RUNS: number[] = [];
const LINE = new HeaderLine();

function incomplete(buf: Buffer, from: number): null {
  if (buf.length - from > MAX_REQUEST_HEAD_BYTES) throw new BadRequestError("head larger than 64 KiB", 431);
  return null;
}
