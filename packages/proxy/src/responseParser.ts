/**
 * Pure HTTP/1.1 response framing for the pooled upstream client: head parsing and chunked
 * decoding. Kept free of sockets so the edge cases are unit-tested byte by byte.
 */

export interface ResponseHead {
  status: number;
  statusText: string;
  /** Headers to pass to the client: hop-by-hop and framing headers removed. */
  headers: [string, string][];
  /** -1 when absent. */
  contentLength: number;
  chunked: boolean;
  /** The upstream will close after this response (or did not speak keep-alive). */
  close: boolean;
  /** Bytes consumed by the head including the blank line. */
  headLength: number;
}

export class UpstreamProtocolError extends Error {
  readonly code = "UPSTREAM_PROTOCOL";
  constructor(detail: string) {
    super(
      `upstream sent an invalid HTTP/1.1 response (${detail}); check that the app speaks HTTP on its port`,
    );
    this.name = "UpstreamProtocolError";
  }
}

/** Response headers the proxy owns or that only describe the upstream hop. */
const DROPPED_RESPONSE_HEADERS = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
  "content-length",
  "date",
]);

const MAX_HEAD_BYTES = 64 * 1024;

/** Index of "\r\n\r\n" at or after `from`, or -1. */
export function findHeadEnd(buf: Uint8Array, from: number): number {
  let i = buf.indexOf(13, from);
  while (i !== -1 && i + 3 < buf.length) {
    if (buf[i + 1] === 10 && buf[i + 2] === 13 && buf[i + 3] === 10) return i;
    i = buf.indexOf(13, i + 1);
  }
  return -1;
}

/** Returns null while the head is incomplete. */
export function parseResponseHead(buf: Buffer): ResponseHead | null {
  const end = findHeadEnd(buf, 0);
  if (end === -1) {
    if (buf.length > MAX_HEAD_BYTES) throw new UpstreamProtocolError("head larger than 64 KiB");
    return null;
  }
  const text = buf.toString("latin1", 0, end);
  const firstLineEnd = text.indexOf("\r\n");
  const statusLine = firstLineEnd === -1 ? text : text.slice(0, firstLineEnd);
  if (!statusLine.startsWith("HTTP/1.")) throw new UpstreamProtocolError("bad status line");
  const status = Number(statusLine.slice(9, 12));
  if (!(status >= 100 && status < 600)) throw new UpstreamProtocolError("bad status code");
  const http10 = statusLine.charCodeAt(7) === 48; /* "0" */
  const headers: [string, string][] = [];
  let contentLength = -1;
  let chunked = false;
  let close = http10;
  let pos = firstLineEnd === -1 ? text.length : firstLineEnd + 2;
  while (pos < text.length) {
    let lineEnd = text.indexOf("\r\n", pos);
    if (lineEnd === -1) lineEnd = text.length;
    const colon = text.indexOf(":", pos);
    if (colon === -1 || colon > lineEnd) throw new UpstreamProtocolError("header line without colon");
    const name = text.slice(pos, colon).toLowerCase();
    const value = text.slice(colon + 1, lineEnd).trim();
    pos = lineEnd + 2;
    if (DROPPED_RESPONSE_HEADERS.has(name)) {
      if (name === "content-length") {
        contentLength = Number(value);
        if (!Number.isSafeInteger(contentLength) || contentLength < 0) {
          throw new UpstreamProtocolError("bad content-length");
        }
      } else if (name === "transfer-encoding") {
        chunked = value.toLowerCase().endsWith("chunked");
      } else if (name === "connection") {
        const v = value.toLowerCase();
        if (v.includes("close")) close = true;
        else if (v.includes("keep-alive")) close = false;
      }
      continue;
    }
    headers.push([name, value]);
  }
  return {
    status,
    statusText: statusLine.slice(13),
    headers,
    contentLength: chunked ? -1 : contentLength,
    chunked,
    close,
    headLength: end + 4,
  };
}

enum ChunkState {
  Size = 0,
  SizeExt = 1,
  Data = 2,
  DataCr = 3,
  DataLf = 4,
  Trailer = 5,
  Done = 6,
}

/** Incremental decoder for `Transfer-Encoding: chunked`; emits payload slices as they arrive. */
export class ChunkedDecoder {
  private state = ChunkState.Size;
  private size = 0;
  private sawDigit = false;
  /** Consecutive bytes of the current trailer line; 0 right after a CRLF means end. */
  private trailerLineLength = 0;

  get done(): boolean {
    return this.state === ChunkState.Done;
  }

  /** Returns the index just past the terminating chunk when done, else -1. */
  feed(buf: Uint8Array, start: number, emit: (chunk: Uint8Array) => void): number {
    let i = start;
    const n = buf.length;
    while (i < n) {
      switch (this.state) {
        case ChunkState.Size: {
          const c = buf[i]!;
          const digit = hexValue(c);
          if (digit !== -1) {
            this.size = this.size * 16 + digit;
            this.sawDigit = true;
            i++;
          } else if (c === 13 || c === 59 /* ; */ || c === 32 || c === 9) {
            if (!this.sawDigit) throw new UpstreamProtocolError("chunk size missing");
            this.state = ChunkState.SizeExt;
          } else {
            throw new UpstreamProtocolError("bad chunk size");
          }
          break;
        }
        case ChunkState.SizeExt: {
          const lf = buf.indexOf(10, i);
          if (lf === -1) return -1;
          i = lf + 1;
          this.sawDigit = false;
          if (this.size === 0) {
            this.state = ChunkState.Trailer;
            this.trailerLineLength = 0;
          } else {
            this.state = ChunkState.Data;
          }
          break;
        }
        case ChunkState.Data: {
          const take = Math.min(this.size, n - i);
          emit(buf.subarray(i, i + take));
          i += take;
          this.size -= take;
          if (this.size === 0) this.state = ChunkState.DataCr;
          break;
        }
        case ChunkState.DataCr:
          if (buf[i] !== 13) throw new UpstreamProtocolError("chunk not followed by CRLF");
          this.state = ChunkState.DataLf;
          i++;
          break;
        case ChunkState.DataLf:
          if (buf[i] !== 10) throw new UpstreamProtocolError("chunk not followed by CRLF");
          this.state = ChunkState.Size;
          this.size = 0;
          i++;
          break;
        case ChunkState.Trailer: {
          const c = buf[i++]!;
          if (c === 10) {
            if (this.trailerLineLength === 0) {
              this.state = ChunkState.Done;
              return i;
            }
            this.trailerLineLength = 0;
          } else if (c !== 13) {
            this.trailerLineLength++;
          }
          break;
        }
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
