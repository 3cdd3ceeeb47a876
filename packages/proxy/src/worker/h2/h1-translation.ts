import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http2";

/**
 * The two translations between an HTTP/2 stream and the HTTP/1.1 engine (front-connection.ts):
 * a stream's header block becomes a request head the engine parses like any client's, and the
 * engine's answer head becomes the stream's response headers. Pure, so tested without sockets.
 */

/** A request the proxy refuses before it reaches the engine (answered with this status). */
export class H2RequestError extends Error {
  readonly code = "H2_BAD_REQUEST";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "H2RequestError";
  }
}

/**
 * Connection-specific fields (RFC 9113 §8.2.2) mean nothing on a stream; `host` gives way to
 * `:authority`. They are dropped rather than passed on, so the engine never sees a second framing.
 */
const DROPPED_REQUEST_FIELDS = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "host",
  "http2-settings",
]);

/** Bytes that would end a header line early: a field holding one would smuggle a line of its own. */
const LINE_BREAKING = /[\r\n\0]/;

/**
 * The HTTP/1.0 request head for a stream's headers. HTTP/1.0 on purpose: the engine then closes the
 * stand-in connection after the answer (one per stream), de-chunks the upstream's chunked answers
 * and ends the body by closing, so the bridge never parses body framing. The upstream still gets
 * HTTP/1.1 on a pooled keep-alive socket (upstream-head.ts). A body without Content-Length is sent
 * chunked, which the engine takes in an HTTP/1.0 head only from the bridge (a real HTTP/1.0 client
 * sending Transfer-Encoding gets a 400: parseRequestHead's `bridged`); `hasBody` is false when the
 * HEADERS frame ended the stream.
 */
export function requestHeadFromStream(headers: IncomingHttpHeaders, hasBody: boolean): string {
  const method = headers[":method"];
  const path = headers[":path"];
  const authority = headers[":authority"] ?? headers.host;
  if (typeof method !== "string" || method.length === 0) throw new H2RequestError(400, "missing :method");
  // No extended CONNECT (RFC 8441) is advertised, so a CONNECT here is a plain tunnel request.
  if (method === "CONNECT") throw new H2RequestError(405, "CONNECT is not supported over HTTP/2");
  if (typeof path !== "string" || path.length === 0) throw new H2RequestError(400, "missing :path");
  if (typeof authority !== "string" || authority.length === 0) {
    throw new H2RequestError(400, "missing :authority");
  }
  if (LINE_BREAKING.test(method) || LINE_BREAKING.test(path) || LINE_BREAKING.test(authority)) {
    throw new H2RequestError(400, "line break in a pseudo-header");
  }
  let head = `${method} ${path} HTTP/1.0\r\nhost: ${authority}\r\n`;
  let hasLength = false;
  for (const name in headers) {
    if (name.charCodeAt(0) === 58 /* : */ || DROPPED_REQUEST_FIELDS.has(name)) continue;
    const value = headers[name];
    if (value === undefined) continue;
    if (LINE_BREAKING.test(name)) throw new H2RequestError(400, "line break in a header name");
    if (name === "content-length") hasLength = true;
    if (typeof value === "string") {
      if (LINE_BREAKING.test(value)) throw new H2RequestError(400, `line break in header ${name}`);
      head += `${name}: ${value}\r\n`;
      continue;
    }
    for (const v of value) {
      if (LINE_BREAKING.test(v)) throw new H2RequestError(400, `line break in header ${name}`);
      head += `${name}: ${v}\r\n`;
    }
  }
  if (hasBody && !hasLength) head += "transfer-encoding: chunked\r\n";
  return `${head}\r\n`;
}

/** Response fields HTTP/2 forbids (RFC 9113 §8.2.2); the engine may have left some in. */
const DROPPED_RESPONSE_FIELDS = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
]);

/**
 * The largest response header list a stream is answered with, sized as HTTP/2 counts it (RFC 9113
 * 6.5.2: name, value and 32 bytes per field), as the 64 KiB the proxy takes in a head. Bun's
 * node:http2 drops the whole client connection, not the one stream, when asked to send a field of
 * about 64 KiB (measured with Bun 1.4.4: name and value over about 65530 bytes), so larger heads never
 * reach stream.respond().
 */
export const MAX_RESPONSE_HEADER_LIST_BYTES = 64 * 1024;

/** One field's share of a header list, as HTTP/2 counts it (RFC 9113 6.5.2). */
export function fieldBytes(name: string, value: string): number {
  return name.length + value.length + 32;
}

export interface StreamResponseHead {
  status: number;
  headers: OutgoingHttpHeaders;
  /** -1 when the answer gave none. */
  contentLength: number;
  /** The header list's size as HTTP/2 counts it (RFC 9113 6.5.2). */
  listBytes: number;
}

/** The stream's response headers from an HTTP/1.x response head (status line to blank line, latin1). */
export function responseHeadersFromHead(text: string): StreamResponseHead {
  const lineEnd = text.indexOf("\r\n");
  const status = Number.parseInt(text.slice(9, 12), 10);
  const headers: OutgoingHttpHeaders = { ":status": status };
  let contentLength = -1;
  let listBytes = 0;
  let pos = lineEnd + 2;
  while (pos < text.length) {
    let next = text.indexOf("\r\n", pos);
    if (next === -1) next = text.length;
    if (next === pos) break;
    const colon = text.indexOf(":", pos);
    if (colon !== -1 && colon < next) {
      const name = text.slice(pos, colon).toLowerCase();
      const value = text.slice(colon + 1, next).trim();
      if (!DROPPED_RESPONSE_FIELDS.has(name)) {
        if (name === "content-length") contentLength = Number.parseInt(value, 10);
        listBytes += fieldBytes(name, value);
        const prev = headers[name];
        if (prev === undefined) headers[name] = value;
        else if (Array.isArray(prev)) prev.push(value);
        else headers[name] = [String(prev), value];
      }
    }
    pos = next + 2;
  }
  return { status, headers, contentLength, listBytes };
}
