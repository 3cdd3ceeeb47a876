import type { RequestHead } from "./request-head.ts";

/**
 * The request head sent upstream, written as bytes into one reusable buffer: the client's own
 * bytes for the request line, Host and kept header lines, then the proxy's forwarding headers.
 * One socket write of a buffer slice replaces building a string per request and encoding it.
 */

const HTTP11_HOST = Buffer.from(" HTTP/1.1\r\nhost: ", "latin1");
const FORWARDED_HOST = Buffer.from("x-forwarded-host: ", "latin1");
const REQUEST_ID = Buffer.from("\r\nx-request-id: ", "latin1");
const CHUNKED = Buffer.from("transfer-encoding: chunked\r\n", "latin1");
const CRLF = Buffer.from("\r\n", "latin1");

/** What the proxy adds to every forwarded head besides the client's lines. */
export interface ForwardedHeaders {
  /** X-Forwarded-For, X-Forwarded-Proto, X-Real-IP and Forwarded lines (forwardingLines), fixed per connection. */
  forwardedFor: Buffer;
  /** Prefix of generated request ids (latin1 bytes), unique per worker. */
  requestIdPrefix: Buffer;
  /** Number of this request's generated id; unused when the client sent X-Request-Id. */
  requestNumber: number;
  /** Extra header lines ("name: value\r\n"...), "" for none. */
  extra: string;
}

/**
 * What the proxy says about the client on every forwarded request: its address and scheme, in
 * each of the forms apps read. The client's own copies of these headers are dropped
 * (STRIPPED_REQUEST_HEADERS), so an app never sees an address the client chose.
 */
export function forwardingLines(clientIp: string, tls: boolean): Buffer {
  const proto = tls ? "https" : "http";
  // RFC 7239: an IPv6 address is quoted and bracketed.
  const node = clientIp.includes(":") ? `"[${clientIp}]"` : clientIp;
  return Buffer.from(
    `x-forwarded-for: ${clientIp}\r\nx-forwarded-proto: ${proto}\r\nx-real-ip: ${clientIp}\r\nforwarded: for=${node};proto=${proto}\r\n`,
    "latin1",
  );
}

/** The generated request id: the prefix and the number in base 36 (what writeUpstreamHead writes). */
export function requestIdText(prefix: string, requestNumber: number): string {
  return `${prefix}${requestNumber.toString(36)}`;
}

/** Upper bound of the bytes writeUpstreamHead writes for these inputs. */
export function upstreamHeadBound(h: RequestHead, path: string, f: ForwardedHeaders): number {
  return (
    h.headLength +
    path.length +
    2 * (h.hostEnd - h.hostStart) +
    f.forwardedFor.length +
    f.requestIdPrefix.length +
    (h.requestId?.length ?? 0) +
    f.extra.length +
    (h.upgrade?.length ?? 0) +
    160
  );
}

/**
 * Copies src[start, end) to out at `at`; returns the position after. Short runs skip the native
 * call; longer ones use Buffer#copy, which (unlike set(subarray)) allocates no view.
 */
function put(out: Buffer, at: number, src: Buffer, start: number, end: number): number {
  const n = end - start;
  if (n > 32) return at + src.copy(out, at, start, end);
  for (let i = 0; i < n; i++) out[at + i] = src[start + i]!;
  return at + n;
}

function putAll(out: Buffer, at: number, src: Buffer): number {
  return put(out, at, src, 0, src.length);
}

function putBase36(out: Buffer, at: number, n: number): number {
  let digits = 1;
  for (let rest = Math.floor(n / 36); rest > 0; rest = Math.floor(rest / 36)) digits++;
  for (let i = digits - 1; i >= 0; i--) {
    const d = n % 36;
    out[at + i] = d < 10 ? 48 + d : 87 + d;
    n = Math.floor(n / 36);
  }
  return at + digits;
}

/**
 * Writes the upstream head for `h` into `out` (at least upstreamHeadBound bytes long) and returns
 * its length. `path` is the target to send: the client's own bytes when it is the target as sent.
 */
export function writeUpstreamHead(out: Buffer, h: RequestHead, path: string, f: ForwardedHeaders): number {
  const src = h.buf;
  let at: number;
  if (path === h.target && h.rawTarget) at = put(out, 0, src, h.start, h.targetEnd);
  else at = out.write(`${h.method} ${path}`, 0, "latin1");
  at = putAll(out, at, HTTP11_HOST);
  at = put(out, at, src, h.hostStart, h.hostEnd);
  at = putAll(out, at, CRLF);
  const runs = h.keptRuns;
  for (let i = 0; i < runs.length; i += 2) at = put(out, at, src, runs[i]!, runs[i + 1]!);
  at = putAll(out, at, f.forwardedFor);
  at = putAll(out, at, FORWARDED_HOST);
  at = put(out, at, src, h.hostStart, h.hostEnd);
  at = putAll(out, at, REQUEST_ID);
  if (h.requestId !== null) at += out.write(h.requestId, at, "latin1");
  else at = putBase36(out, putAll(out, at, f.requestIdPrefix), f.requestNumber);
  at = putAll(out, at, CRLF);
  if (f.extra.length > 0) at += out.write(f.extra, at, "latin1");
  if (h.chunked) at = putAll(out, at, CHUNKED);
  if (h.upgrade !== null) at += out.write(`connection: upgrade\r\nupgrade: ${h.upgrade}\r\n`, at, "latin1");
  return putAll(out, at, CRLF);
}
