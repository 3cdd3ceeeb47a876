import {
  equalsLatin1,
  equalsLowerAscii,
  findLineEnd,
  HeaderLine,
  indexOfColon,
  LineKind,
  nameIndex,
  nameKey,
  parseDecimal,
  readHeaderLine,
  trimOwsEnd,
} from "./head-bytes.ts";
import { removeDotSegments, scanTarget, TargetKind } from "./target-path.ts";

/**
 * Pure HTTP/1.1 request-head parsing for the socket-level front, in place over the received
 * bytes. It reads only what routing and framing need (method, target, Host, body framing,
 * Connection, Upgrade, X-Request-Id) and records every other header line as byte ranges of the
 * received buffer, so the forwarded head is copied from those bytes (upstream-head.ts) instead of
 * being re-serialised, and bytes above 0x7f pass through exactly as they came.
 */

/**
 * Hop-by-hop headers describe the client hop only; forwarding and X-Pier-* headers are the proxy's
 * to set, so a client can never spoof them: the console believes X-Pier-App and X-Pier-Host only
 * with the workers' X-Pier-Edge secret, and pier's static-site server injects the tracker only when
 * asked with X-Pier-Inject-Tracker. Host, X-Request-Id and the forwarding headers are re-added by
 * the proxy (upstream-head.ts); headers named in Connection are dropped as well.
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
  "x-real-ip",
  "forwarded",
  "x-request-id",
  "x-pier-host",
  "x-pier-app",
  "x-pier-edge",
  "x-pier-inject-tracker",
]);

const INTERESTING = nameIndex([...STRIPPED_REQUEST_HEADERS, "content-length"]);

/**
 * CGI-style servers (Rack, WSGI, PHP) read `X_Forwarded_For` as HTTP_X_FORWARDED_FOR, the same
 * variable as the real header (Puma CVE-2024-45614), so a client could spoof the proxy's own
 * headers with underscores: such spellings of the stripped X-* names are dropped too. Indexed by
 * the same key as the dashed names (first byte and length are unchanged by `-`/`_`).
 */
const UNDERSCORED = nameIndex([...STRIPPED_REQUEST_HEADERS].filter((n) => n.startsWith("x-")));

/** Methods as shared constant strings: the common request allocates no string for its method. */
const METHODS = ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE", "CONNECT"];

function methodOf(buf: Buffer, start: number, end: number): string {
  for (let i = 0; i < METHODS.length; i++) {
    if (equalsLatin1(buf, start, end, METHODS[i]!)) return METHODS[i]!;
  }
  // RFC 9110 9.1: a method is a token; indexOfColon is -1 only when every byte is a tchar.
  if (indexOfColon(buf, start, end) !== -1) throw new BadRequestError("the method is not a token");
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
  /** Request target (origin-form path with query), dot segments removed (target-path.ts). */
  target = "";
  /** `target` is the client's bytes unchanged, so the forwarded head can copy them. */
  rawTarget = false;
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
 * string is reused instead of a new one. `bridged`: the head comes from the HTTP/2 bridge, whose
 * HTTP/1.0 heads carry a stream's body as chunked (h2/h1-translation.ts).
 */
export function parseRequestHead(
  buf: Buffer,
  from: number,
  previousHost = "",
  into = new RequestHead(),
  bridged = false,
): RequestHead | null {
  const lineEnd = findLineEnd(buf, from);
  if (lineEnd === -1) return incomplete(buf, from);
  if (lineEnd === -2) throw new BadRequestError("bare CR in the request line");
  if (lineEnd === -3) throw new BadRequestError("control byte in the request line");
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
  let hasHost = false;
  let hostStart = sp2;
  let hostEnd = sp2;
  let contentLength = -1;
  let chunked = false;
  let connection = 0;
  NAMED.count = 0;
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
    if (kind === LineKind.End) break;
    if (kind !== LineKind.Header || line.colon === pos) throw new BadRequestError(LINE_ERRORS[kind]);
    const name = line.name;
    if (name === null) {
      if ((buf[pos]! | 0x20) === 120 /* x */ && isUnderscoredStripped(buf, pos, line.colon)) {
        nRuns = addRun(keptRuns, nRuns, runStart, pos);
        runStart = line.end + 2;
      }
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
      // RFC 9112 3.2: two Host lines, or one that is not a host, are a 400; proxies and apps that
      // pick different lines or read junk after the port differently is how host injection starts.
      if (hasHost) throw new BadRequestError("more than one Host header");
      hasHost = true;
      hostStart = vs;
      hostEnd = ve;
      // The connection's previous Host passed this check already.
      if (equalsLatin1(buf, vs, ve, previousHost)) host = previousHost;
      else if (!isHostValue(buf, vs, ve))
        throw new BadRequestError("Host is not a host name, address or port");
      else host = buf.toString("latin1", vs, ve);
    } else if (name === "transfer-encoding") {
      // Only chunked is decoded, and only once (RFC 9112 6.1: 501 for a coding not understood);
      // any other list would be forwarded as plain chunked with its other codings lost.
      if (!equalsLowerAscii(buf, vs, ve, "chunked")) {
        throw new BadRequestError("only Transfer-Encoding: chunked is supported", 501);
      }
      if (chunked) throw new BadRequestError("Transfer-Encoding: chunked given twice");
      chunked = true;
    } else if (name === "connection") {
      connection |= readConnectionOptions(buf, vs, ve);
    } else if (name === "upgrade") upgrade = buf.toString("latin1", vs, ve);
    else if (name === "x-request-id") requestId = buf.toString("latin1", vs, ve);
    pos = line.end + 2;
  }
  nRuns = addRun(keptRuns, nRuns, runStart, pos);
  // Headers the client named in Connection are hop-by-hop too (RFC 9110 7.6.1).
  if (NAMED.count > 0) nRuns = dropConnectionNamed(buf, keptRuns, nRuns);
  // RFC 9112 6.3: with both, Transfer-Encoding wins and Content-Length must not be forwarded.
  if (chunked && contentLength !== -1) throw new BadRequestError("both content-length and transfer-encoding");
  // HTTP/1.0 has no Transfer-Encoding: an HTTP/1.0 reader ends such a body elsewhere, so its framing
  // is faulty (RFC 9112 6.1), as for nginx.
  if (chunked && http10 && !bridged) {
    throw new BadRequestError("Transfer-Encoding in an HTTP/1.0 request; send HTTP/1.1 or a Content-Length");
  }
  // Checked once whole as well: a head that arrives in one piece never waits in incomplete().
  if (pos + 2 - from > MAX_REQUEST_HEAD_BYTES) throw new BadRequestError("head larger than 64 KiB", 431);
  // As with Host: a keep-alive client (a poller, a health check, a load test) often repeats its
  // target, and then neither a string nor a scan is needed.
  const ts = sp1 + 1;
  const repeated = into.rawTarget && equalsLatin1(buf, ts, sp2, into.target);
  const targetKind = repeated ? TargetKind.Plain : scanTarget(buf, ts, sp2);
  if (targetKind === TargetKind.Invalid) {
    throw new BadRequestError("white space or a control byte in the request target");
  }
  const method = methodOf(buf, from, sp1);
  const h = into;
  h.buf = buf;
  h.start = from;
  h.method = method;
  if (!repeated) {
    const target = buf.toString("latin1", ts, sp2);
    h.rawTarget = targetKind === TargetKind.Plain;
    h.target = h.rawTarget ? target : removeDotSegments(target);
  }
  h.targetEnd = sp2;
  h.http10 = http10;
  h.host = host;
  h.hostStart = hostStart;
  h.hostEnd = hostEnd;
  h.contentLength = contentLength;
  h.chunked = chunked;
  h.close = http10 ? (connection & KEEP_ALIVE) === 0 : (connection & CLOSE) !== 0;
  h.upgrade = upgrade !== null && (connection & UPGRADE) !== 0 ? upgrade : null;
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

const LINE_ERRORS: Record<LineKind, string> = {
  [LineKind.Header]: "header line without name",
  [LineKind.End]: "",
  [LineKind.Incomplete]: "",
  [LineKind.BareCr]: "bare CR in a header line",
  [LineKind.NoColon]: "header line without colon",
  [LineKind.BadByte]: "control byte (bare LF, NUL) in a header line",
  [LineKind.Folded]: "folded header line (starting with white space)",
  [LineKind.BadName]: "white space or a separator in a header name",
};

/**
 * Each header named in Connection is looked for in every kept line, so their number is capped:
 * 14k one-letter names against 9k lines cost a worker 0.27 s of CPU for one 64 KiB head.
 * Real clients name one or two.
 */
export const MAX_CONNECTION_NAMES = 32;

const CLOSE = 1;
const KEEP_ALIVE = 2;
const UPGRADE = 4;

/**
 * Connection options other than close, keep-alive and upgrade: names of headers to drop, as
 * [start, end) pairs of the head being parsed, and how many numbers are set.
 */
const NAMED = { ranges: [] as number[], count: 0 };

/** The options of one Connection value as CLOSE | KEEP_ALIVE | UPGRADE; other tokens go to NAMED. */
function readConnectionOptions(buf: Buffer, start: number, end: number): number {
  let flags = 0;
  let i = start;
  while (i < end) {
    while (i < end && (buf[i] === 44 || buf[i] === 32 || buf[i] === 9)) i++;
    let j = i;
    while (j < end && buf[j] !== 44) j++;
    const tokenEnd = trimOwsEnd(buf, i, j);
    if (tokenEnd > i) {
      if (equalsLowerAscii(buf, i, tokenEnd, "close")) flags |= CLOSE;
      else if (equalsLowerAscii(buf, i, tokenEnd, "keep-alive")) flags |= KEEP_ALIVE;
      else if (equalsLowerAscii(buf, i, tokenEnd, "upgrade")) flags |= UPGRADE;
      else {
        if (NAMED.count === 2 * MAX_CONNECTION_NAMES) {
          throw new BadRequestError(`Connection names more than ${MAX_CONNECTION_NAMES} headers`);
        }
        NAMED.ranges[NAMED.count] = i;
        NAMED.ranges[NAMED.count + 1] = tokenEnd;
        NAMED.count += 2;
      }
    }
    i = j + 1;
  }
  return flags;
}

/** Whether the name [start, end) is one the client listed in Connection (ASCII case ignored). */
function namedInConnection(buf: Buffer, start: number, end: number): boolean {
  // The body's framing is not the client's to drop.
  if (equalsLowerAscii(buf, start, end, "content-length")) return false;
  const ranges = NAMED.ranges;
  for (let r = 0; r < NAMED.count; r += 2) {
    const at = ranges[r]!;
    if (ranges[r + 1]! - at !== end - start) continue;
    let same = true;
    for (let i = 0; i < end - start && same; i++) {
      const a = buf[start + i]!;
      const b = buf[at + i]!;
      same = a === b || ((a | 0x20) === (b | 0x20) && (a | 0x20) >= 97 && (a | 0x20) <= 122);
    }
    if (same) return true;
  }
  return false;
}

const DROP_SCRATCH: number[] = [];

/** The kept runs without the lines named in Connection; returns their new count. */
function dropConnectionNamed(buf: Buffer, runs: number[], n: number): number {
  const out = DROP_SCRATCH;
  let m = 0;
  for (let r = 0; r < n; r += 2) {
    let runStart = runs[r]!;
    const end = runs[r + 1]!;
    // Every line in a run was checked already: each has a colon and ends in CRLF.
    for (let p = runStart; p < end; ) {
      let eol = p;
      while (buf[eol] !== 13) eol++;
      if (namedInConnection(buf, p, indexOfColon(buf, p, eol))) {
        m = addRun(out, m, runStart, p);
        runStart = eol + 2;
      }
      p = eol + 2;
    }
    m = addRun(out, m, runStart, end);
  }
  for (let i = 0; i < m; i++) runs[i] = out[i]!;
  return m;
}

/** Whether the name [start, end) contains a `_` and reads as an X-* stripped name with `_` for `-`. */
function isUnderscoredStripped(buf: Buffer, start: number, end: number): boolean {
  const candidates = UNDERSCORED.get(nameKey(buf[start]!, end - start));
  if (candidates === undefined) return false;
  for (let c = 0; c < candidates.length; c++) {
    const lower = candidates[c]!;
    let underscore = false;
    let i = 0;
    for (; i < lower.length; i++) {
      const b = buf[start + i]!;
      const want = lower.charCodeAt(i);
      if (b === want || ((b | 0x20) === want && want >= 97 && want <= 122)) continue;
      if (b !== 95 /* _ */ || want !== 45 /* - */) break;
      underscore = true;
    }
    if (i === lower.length && underscore) return true;
  }
  return false;
}

/**
 * Bytes of a Host value outside an IP literal: reg-name (RFC 3986 3.2.2: unreserved, sub-delims,
 * `%` of a pct-encoding, which also covers IPv4) plus the `:` of the port.
 */
const HOST_BYTE = (() => {
  const table = new Uint8Array(256);
  const allowed = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=%";
  for (let i = 0; i < allowed.length; i++) table[allowed.charCodeAt(i)] = 1;
  return table;
})();

function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 102);
}

/**
 * Whether [start, end) is Host's `uri-host [ ":" port ]` (RFC 9110 7.2, RFC 3986 3.2.2-3): a
 * reg-name or IPv4 address, or an IPv6 address in brackets, then optionally `:` and digits
 * (possibly none). IPvFuture literals are refused: no client sends them.
 */
export function isHostValue(buf: Uint8Array, start: number, end: number): boolean {
  let i = start;
  if (i < end && buf[i] === 91 /* [ */) {
    i++;
    while (i < end && (isHexDigit(buf[i]!) || buf[i] === 58 || buf[i] === 46)) i++;
    if (i === start + 1 || i >= end || buf[i] !== 93 /* ] */) return false;
    i++;
  } else {
    for (; i < end; i++) {
      const c = buf[i]!;
      if (HOST_BYTE[c] === 0) break;
      if (c === 37 /* % */) {
        if (i + 2 >= end || !isHexDigit(buf[i + 1]!) || !isHexDigit(buf[i + 2]!)) return false;
        i += 2;
      }
    }
  }
  if (i === end) return true;
  if (buf[i] !== 58 /* : */) return false;
  for (i++; i < end; i++) if (buf[i]! < 48 || buf[i]! > 57) return false;
  return true;
}

function incomplete(buf: Buffer, from: number): null {
  if (buf.length - from > MAX_REQUEST_HEAD_BYTES) throw new BadRequestError("head larger than 64 KiB", 431);
  return null;
}
