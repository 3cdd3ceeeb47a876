import {
  equalsLatin1,
  equalsLowerAscii,
  findLineEnd,
  HeaderLine,
  includesLowerAscii,
  isTokenByte,
  LineKind,
  nameIndex,
  parseDecimal,
  readHeaderLine,
} from "./head-bytes.ts";

/**
 * Pure HTTP/1.1 response framing for the socket-level front: head scanning (in place over the
 * received bytes, see head-bytes.ts) and chunked decoding. Kept free of sockets so the edge cases
 * are unit-tested byte by byte.
 */

export class UpstreamProtocolError extends Error {
  readonly code = "UPSTREAM_PROTOCOL";
  constructor(readonly detail: string) {
    super(
      `upstream sent an invalid HTTP/1.1 response (${detail}); check that the app speaks HTTP on its port`,
    );
    this.name = "UpstreamProtocolError";
  }
}

/** Response headers that only describe the upstream hop. */
const HOP_BY_HOP_RESPONSE_HEADERS = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "trailer",
  "upgrade",
]);

const INTERESTING = nameIndex([...HOP_BY_HOP_RESPONSE_HEADERS, "content-length", "transfer-encoding"]);

export const MAX_RESPONSE_HEAD_BYTES = 64 * 1024;

/**
 * What the front needs of an upstream response head: its framing (to know where the response ends
 * so the upstream socket can be reused) and whether the head can be passed on byte for byte.
 * Assigned by parseResponseHead; a connection passes the same object back for its next response.
 */
export class ResponseHead {
  status = 0;
  /** -1 when absent. */
  contentLength = -1;
  chunked = false;
  /** The upstream will close after this response (or did not speak keep-alive). */
  close = false;
  /** Bytes consumed by the head including the blank line. */
  headLength = 0;
  /** The buffer the head was read from, and where in it the head starts. */
  buf: Buffer = EMPTY;
  start = 0;
  /**
   * The head must be rewritten (forwardedHeadLines) before reaching the client: it carries
   * hop-by-hop headers, a Content-Length beside chunked, or an HTTP/1.0 status line.
   */
  needsRewrite = false;
  /** A Connection header may name other fields (RFC 9110 7.6.1), which the rewrite drops. */
  connectionNames = false;
}

const EMPTY = Buffer.alloc(0);
/** Scratch for the line being read (one parse at a time per thread). */
const LINE = new HeaderLine();

const LINE_ERRORS: Record<LineKind, string> = {
  [LineKind.Header]: "",
  [LineKind.End]: "",
  [LineKind.Incomplete]: "",
  [LineKind.BareCr]: "bare CR in the head",
  [LineKind.NoColon]: "header line without colon",
  [LineKind.BadByte]: "control byte (bare LF, NUL) in the head",
  [LineKind.Folded]: "folded header line",
  [LineKind.BadName]: "white space or a separator in a header name",
};

/** The head as latin1 text, without the final blank line (ends with CRLF). */
export function responseHeadText(head: ResponseHead): string {
  return head.buf.toString("latin1", head.start, head.start + head.headLength - 2);
}

/**
 * Parses the head starting at `from` into `into` and returns it; null while the head is
 * incomplete (`into` is then untouched). Strict where a client or a shared downstream connection
 * (a CDN reusing it across users) could read the answer differently from the proxy: the framing
 * must be unambiguous (one Content-Length, or Transfer-Encoding exactly `chunked`), as nginx
 * requires of its upstreams; anything else is a 502, never passed on.
 */
export function parseResponseHead(buf: Buffer, from = 0, into = new ResponseHead()): ResponseHead | null {
  const lineEnd = findLineEnd(buf, from);
  if (lineEnd === -1) return incomplete(buf, from);
  if (lineEnd < -1) throw new UpstreamProtocolError("bare CR or control byte in the status line");
  // HTTP-version SP 3DIGIT [SP reason] (RFC 9112 4); nginx also takes a line without the reason.
  const version = buf[from + 7];
  if (
    lineEnd - from < 12 ||
    !equalsLatin1(buf, from, from + 7, "HTTP/1.") ||
    (version !== 49 && version !== 48) ||
    buf[from + 8] !== 32 ||
    (lineEnd > from + 12 && buf[from + 12] !== 32)
  ) {
    throw new UpstreamProtocolError("bad status line");
  }
  const status = parseDecimal(buf, from + 9, from + 12);
  if (!(status >= 100 && status < 600)) throw new UpstreamProtocolError("bad status code");
  const http10 = version === 48;
  let close = http10;
  let contentLength = -1;
  let chunked = false;
  let transferEncoding = false;
  // The client gets pier's own version (RFC 9110 2.5), so an HTTP/1.0 status line is rewritten.
  let needsRewrite = http10;
  let connectionNames = false;
  let pos = lineEnd + 2;
  const line = LINE;
  for (;;) {
    const kind = readHeaderLine(buf, pos, INTERESTING, line);
    if (kind === LineKind.Incomplete) return incomplete(buf, from);
    if (kind === LineKind.End) break;
    if (kind !== LineKind.Header) throw new UpstreamProtocolError(LINE_ERRORS[kind]);
    if (line.colon === pos) throw new UpstreamProtocolError("header line without a name");
    // Only a few names matter: the rest are skipped without reading further.
    const name = line.name;
    if (name !== null) {
      const vs = line.valueStart;
      const ve = line.valueEnd;
      if (name === "content-length") {
        // Even two equal ones: nginx refuses them too, and some clients would.
        if (contentLength !== -1) throw new UpstreamProtocolError("more than one content-length");
        contentLength = parseDecimal(buf, vs, ve);
        if (contentLength === -1) throw new UpstreamProtocolError("bad content-length");
      } else if (name === "transfer-encoding") {
        // Only chunked is read: with any other coding (or a list) the proxy could not tell where
        // the body ends the way every client would.
        if (transferEncoding || !equalsLowerAscii(buf, vs, ve, "chunked")) {
          throw new UpstreamProtocolError("transfer-encoding other than chunked");
        }
        transferEncoding = true;
        chunked = true;
      } else if (name === "connection") {
        if (includesLowerAscii(buf, vs, ve, "close")) close = true;
        else if (includesLowerAscii(buf, vs, ve, "keep-alive")) close = false;
        // `Connection: keep-alive` alone (nginx and most servers on HTTP/1.1) says what the
        // client's connection is anyway, unless the proxy closes it (closeClient, which rewrites
        // the head): the head may go verbatim. Anything else on it names hop-by-hop headers.
        if (!equalsLowerAscii(buf, vs, ve, "keep-alive")) {
          needsRewrite = true;
          if (!equalsLowerAscii(buf, vs, ve, "close")) connectionNames = true;
        }
      } else {
        needsRewrite = true;
      }
    }
    pos = line.end + 2;
  }
  const headLength = pos + 2 - from;
  if (headLength > MAX_RESPONSE_HEAD_BYTES) throw new UpstreamProtocolError(HEAD_TOO_LARGE);
  // Chunked wins over a Content-Length, which is dropped on the way (RFC 9112 6.3).
  if (chunked && contentLength !== -1) needsRewrite = true;
  const h = into;
  h.status = status;
  h.contentLength = chunked ? -1 : contentLength;
  h.chunked = chunked;
  h.close = close;
  h.headLength = headLength;
  h.buf = buf;
  h.start = from;
  h.needsRewrite = needsRewrite;
  h.connectionNames = connectionNames;
  return h;
}

const HEAD_TOO_LARGE = "head larger than 64 KiB";

function incomplete(buf: Buffer, from: number): null {
  if (buf.length - from > MAX_RESPONSE_HEAD_BYTES) throw new UpstreamProtocolError(HEAD_TOO_LARGE);
  return null;
}

/**
 * The head's lines as the proxy passes them on, without the blank line: its own HTTP/1.1 status
 * line; without the hop-by-hop headers, those the Connection header names (RFC 9110 7.6.1; never
 * the framing ones, which the proxy reads itself), a Content-Length beside chunked, and `drop`.
 */
export function forwardedHeadLines(head: ResponseHead, drop: string | null): string {
  const text = responseHeadText(head);
  const statusEnd = text.indexOf("\r\n") + 2;
  const named = head.connectionNames ? connectionNamed(text, statusEnd) : null;
  let out = `HTTP/1.1${text.slice(8, statusEnd)}`;
  let pos = statusEnd;
  while (pos < text.length) {
    const next = text.indexOf("\r\n", pos);
    const name = text.slice(pos, text.indexOf(":", pos)).toLowerCase();
    const dropped =
      HOP_BY_HOP_RESPONSE_HEADERS.has(name) ||
      name === drop ||
      (head.chunked && name === "content-length") ||
      (named?.has(name) ?? false);
    if (!dropped) out += text.slice(pos, next + 2);
    pos = next + 2;
  }
  return out;
}

/** The field names the head's Connection headers list, lower-cased (framing names left out). */
function connectionNamed(text: string, pos: number): Set<string> {
  const named = new Set<string>();
  while (pos < text.length) {
    const next = text.indexOf("\r\n", pos);
    const colon = text.indexOf(":", pos);
    if (colon - pos === 10 && text.slice(pos, colon).toLowerCase() === "connection") {
      for (const token of text.slice(colon + 1, next).split(",")) {
        const t = token.trim().toLowerCase();
        if (t !== "content-length" && t !== "transfer-encoding") named.add(t);
      }
    }
    pos = next + 2;
  }
  return named;
}

/**
 * The head for the client (forwardedHeadLines), with `connection: close` added when the client
 * connection ends after this response, and (for HTTP/1.0 clients of a chunked answer) the
 * Transfer-Encoding dropped because the body is de-chunked on the way.
 */
export function rewriteResponseHead(head: ResponseHead, closeClient: boolean, dechunk: boolean): string {
  const out = forwardedHeadLines(head, dechunk ? "transfer-encoding" : null);
  return closeClient ? `${out}connection: close\r\n\r\n` : `${out}\r\n`;
}

enum ChunkState {
  Size = 0,
  /** After the size: white space before an extension, or the CR. */
  SizeEnd = 1,
  /** A chunk extension (`;name=value`), up to its CR. */
  Ext = 2,
  SizeLf = 3,
  Data = 4,
  DataCr = 5,
  DataLf = 6,
  /** Start of a trailer line; a CR here is the blank line that ends the body. */
  TrailerStart = 7,
  /** A trailer field's name, up to its colon. */
  TrailerName = 8,
  TrailerValue = 9,
  TrailerLf = 10,
  EndLf = 11,
  Done = 12,
}

/**
 * Hex digits a chunk size may have. 16 already exceed what a body may hold (2^53 bytes): more only
 * serve to overflow a parser, and parsers that overflow differently disagree on where a body ends.
 */
export const MAX_CHUNK_SIZE_DIGITS = 16;

/**
 * Incremental decoder for `Transfer-Encoding: chunked`; emits payload slices as they arrive.
 * Strict where readers of chunked bodies are known to differ (RFC 9112 7.1): every line ends in
 * CRLF (a bare LF or CR is refused), sizes have at most MAX_CHUNK_SIZE_DIGITS digits, extensions
 * hold no control bytes, and each trailer line is a field line (RFC 9112 7.1.2: a token name, a
 * colon, a value without control bytes but tabs): a line such as `GET /x HTTP/1.1` after the last
 * chunk was taken by some readers as the trailer section and by others as the next request.
 * Trailer fields are checked, then left out of what the caller forwards (forwardEnd): the proxy
 * may discard them (RFC 9110 6.5.1), and forwarded they would carry fields such as
 * X-Forwarded-For or X-Pier-Edge past the head's stripping to apps that read trailers.
 */
export class ChunkedDecoder {
  private state = ChunkState.Size;
  private size = 0;
  private digits = 0;
  /** Payload bytes seen so far (for body size limits). */
  decodedBytes = 0;
  /**
   * After each feed: where in its buffer the bytes to pass on as chunked framing end. It is feed's
   * result (or the buffer's end) unless trailer fields came, which start there and are not passed on.
   */
  forwardEnd = 0;
  /**
   * Trailer fields came (and were left out of forwardEnd, with the blank line after them): whoever
   * passes the framing on ends it with CRLF itself once done. Without trailers, as nearly always,
   * the body's last bytes (`0\r\n\r\n`) pass on as they came.
   */
  trailers = false;

  get done(): boolean {
    return this.state === ChunkState.Done;
  }

  /** Returns the index just past the terminating chunk when done, else -1. Throws on bad framing. */
  feed(buf: Uint8Array, start: number, emit: ((chunk: Uint8Array) => void) | null): number {
    let i = start;
    const n = buf.length;
    // Where trailer fields start in this buffer: the first byte of the first one, or all of it once
    // they started in an earlier one.
    let cut = this.trailers ? start : -1;
    while (i < n) {
      const c = buf[i]!;
      switch (this.state) {
        case ChunkState.Size: {
          const digit = hexValue(c);
          if (digit !== -1) {
            if (++this.digits > MAX_CHUNK_SIZE_DIGITS) throw new UpstreamProtocolError("chunk size too long");
            this.size = this.size * 16 + digit;
            i++;
            break;
          }
          if (this.digits === 0) throw new UpstreamProtocolError("chunk size missing");
          if (this.size > Number.MAX_SAFE_INTEGER) throw new UpstreamProtocolError("chunk size too large");
          this.state = ChunkState.SizeEnd;
          break;
        }
        case ChunkState.SizeEnd:
          i++;
          if (c === 13) this.state = ChunkState.SizeLf;
          else if (c === 59 /* ; */) this.state = ChunkState.Ext;
          else if (c !== 32 && c !== 9) throw new UpstreamProtocolError("bad chunk size");
          break;
        case ChunkState.Ext:
          i++;
          if (c === 13) this.state = ChunkState.SizeLf;
          else if (c < 32 && c !== 9) throw new UpstreamProtocolError("control byte in a chunk extension");
          break;
        case ChunkState.SizeLf:
          if (c !== 10) throw new UpstreamProtocolError("chunk size line not ended by CRLF");
          i++;
          this.digits = 0;
          this.state = this.size === 0 ? ChunkState.TrailerStart : ChunkState.Data;
          break;
        case ChunkState.Data: {
          const take = Math.min(this.size, n - i);
          if (emit !== null) emit(buf.subarray(i, i + take));
          this.decodedBytes += take;
          i += take;
          this.size -= take;
          if (this.size === 0) this.state = ChunkState.DataCr;
          break;
        }
        case ChunkState.DataCr:
          if (c !== 13) throw new UpstreamProtocolError("chunk not followed by CRLF");
          this.state = ChunkState.DataLf;
          i++;
          break;
        case ChunkState.DataLf:
          if (c !== 10) throw new UpstreamProtocolError("chunk not followed by CRLF");
          this.state = ChunkState.Size;
          this.size = 0;
          i++;
          break;
        case ChunkState.TrailerStart:
          if (c === 13) this.state = ChunkState.EndLf;
          else if (isTokenByte(c)) {
            if (cut === -1) cut = i;
            this.trailers = true;
            this.state = ChunkState.TrailerName;
          } else throw new UpstreamProtocolError(NOT_A_FIELD);
          i++;
          break;
        case ChunkState.TrailerName:
          if (c === 58 /* : */) this.state = ChunkState.TrailerValue;
          else if (!isTokenByte(c)) throw new UpstreamProtocolError(NOT_A_FIELD);
          i++;
          break;
        case ChunkState.TrailerValue:
          if (c === 13) this.state = ChunkState.TrailerLf;
          else if ((c < 32 && c !== 9) || c === 127)
            throw new UpstreamProtocolError("control byte in a trailer");
          i++;
          break;
        case ChunkState.TrailerLf:
          if (c !== 10) throw new UpstreamProtocolError("trailer line not ended by CRLF");
          i++;
          this.state = ChunkState.TrailerStart;
          break;
        case ChunkState.EndLf:
          if (c !== 10) throw new UpstreamProtocolError("chunked body not ended by CRLF");
          this.state = ChunkState.Done;
          this.forwardEnd = cut === -1 ? i + 1 : cut;
          return i + 1;
        case ChunkState.Done:
          this.forwardEnd = cut === -1 ? i : cut;
          return i;
      }
    }
    this.forwardEnd = cut === -1 ? i : cut;
    return this.state === ChunkState.Done ? i : -1;
  }
}

const NOT_A_FIELD = "a trailer line that is not a `name: value` field";

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}
