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
 * Pure HTTP/1.1 response framing for the socket-level front: head scanning (in place over the
 * received bytes, see head-bytes.ts) and chunked decoding. Kept free of sockets so the edge cases
 * are unit-tested byte by byte.
 */

export class UpstreamProtocolError extends Error {
  readonly code = "UPSTREAM_PROTOCOL";
  constructor(detail: string) {
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

const MAX_HEAD_BYTES = 64 * 1024;

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
  /** The head carries hop-by-hop headers, so it must be rewritten before reaching the client. */
  hopByHop = false;
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
 * incomplete (`into` is then untouched).
 */
export function parseResponseHead(buf: Buffer, from = 0, into = new ResponseHead()): ResponseHead | null {
  const lineEnd = findLineEnd(buf, from);
  if (lineEnd === -1) return incomplete(buf, from);
  if (lineEnd < -1) throw new UpstreamProtocolError("bare CR or control byte in the status line");
  if (lineEnd - from < 12 || !equalsLatin1(buf, from, from + 7, "HTTP/1.") || buf[from + 8] !== 32) {
    throw new UpstreamProtocolError("bad status line");
  }
  const status = parseDecimal(buf, from + 9, from + 12);
  if (!(status >= 100 && status < 600)) throw new UpstreamProtocolError("bad status code");
  let close = buf[from + 7] === 48; /* HTTP/1.0 */
  let contentLength = -1;
  let chunked = false;
  let hopByHop = false;
  let pos = lineEnd + 2;
  const line = LINE;
  for (;;) {
    const kind = readHeaderLine(buf, pos, INTERESTING, line);
    if (kind === LineKind.Incomplete) return incomplete(buf, from);
    if (kind === LineKind.End) break;
    if (kind !== LineKind.Header) throw new UpstreamProtocolError(LINE_ERRORS[kind]);
    // Only a few names matter: the rest are skipped without reading further.
    const name = line.name;
    if (name !== null) {
      const vs = line.valueStart;
      const ve = line.valueEnd;
      if (name === "content-length") {
        contentLength = parseDecimal(buf, vs, ve);
        if (contentLength === -1) throw new UpstreamProtocolError("bad content-length");
      } else if (name === "transfer-encoding") {
        chunked = ve - vs >= 7 && equalsLowerAscii(buf, ve - 7, ve, "chunked");
      } else if (name === "connection") {
        if (includesLowerAscii(buf, vs, ve, "close")) close = true;
        else if (includesLowerAscii(buf, vs, ve, "keep-alive")) close = false;
        // `Connection: keep-alive` alone (nginx and most servers on HTTP/1.1) says what the
        // client's connection is anyway, unless the proxy closes it (closeClient, which rewrites
        // the head): the head may go verbatim. Anything else on it names hop-by-hop headers.
        if (!equalsLowerAscii(buf, vs, ve, "keep-alive")) hopByHop = true;
      } else {
        hopByHop = true;
      }
    }
    pos = line.end + 2;
  }
  const h = into;
  h.status = status;
  h.contentLength = chunked ? -1 : contentLength;
  h.chunked = chunked;
  h.close = close;
  h.headLength = pos + 2 - from;
  h.buf = buf;
  h.start = from;
  h.hopByHop = hopByHop;
  return h;
}

function incomplete(buf: Buffer, from: number): null {
  if (buf.length - from > MAX_HEAD_BYTES) throw new UpstreamProtocolError("head larger than 64 KiB");
  return null;
}

/**
 * The head for the client: hop-by-hop headers removed, `connection: close` added when the client
 * connection ends after this response, and (for HTTP/1.0 clients of a chunked answer) the
 * Transfer-Encoding dropped because the body is de-chunked on the way.
 */
export function rewriteResponseHead(head: ResponseHead, closeClient: boolean, dechunk: boolean): string {
  const text = responseHeadText(head);
  let out = text.slice(0, text.indexOf("\r\n") + 2);
  let pos = out.length;
  while (pos < text.length) {
    const next = text.indexOf("\r\n", pos);
    const name = text.slice(pos, text.indexOf(":", pos)).toLowerCase();
    if (!HOP_BY_HOP_RESPONSE_HEADERS.has(name) && !(dechunk && name === "transfer-encoding")) {
      out += text.slice(pos, next + 2);
    }
    pos = next + 2;
  }
  if (closeClient) out += "connection: close\r\n";
  return `${out}\r\n`;
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
  Trailer = 8,
  TrailerLf = 9,
  EndLf = 10,
  Done = 11,
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
 * hold no control bytes.
 */
export class ChunkedDecoder {
  private state = ChunkState.Size;
  private size = 0;
  private digits = 0;
  /** Payload bytes seen so far (for body size limits). */
  decodedBytes = 0;

  get done(): boolean {
    return this.state === ChunkState.Done;
  }

  /** Returns the index just past the terminating chunk when done, else -1. Throws on bad framing. */
  feed(buf: Uint8Array, start: number, emit: ((chunk: Uint8Array) => void) | null): number {
    let i = start;
    const n = buf.length;
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
          i++;
          if (c === 13) this.state = ChunkState.EndLf;
          else if (c < 32 && c !== 9) throw new UpstreamProtocolError("control byte in a trailer");
          else this.state = ChunkState.Trailer;
          break;
        case ChunkState.Trailer:
          i++;
          if (c === 13) this.state = ChunkState.TrailerLf;
          else if (c < 32 && c !== 9) throw new UpstreamProtocolError("control byte in a trailer");
          break;
        case ChunkState.TrailerLf:
          if (c !== 10) throw new UpstreamProtocolError("trailer line not ended by CRLF");
          i++;
          this.state = ChunkState.TrailerStart;
          break;
        case ChunkState.EndLf:
          if (c !== 10) throw new UpstreamProtocolError("chunked body not ended by CRLF");
          this.state = ChunkState.Done;
          return i + 1;
        case ChunkState.Done:
          return i;
      }
    }
    return this.state === ChunkState.Done ? i : -1;
  }
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}
