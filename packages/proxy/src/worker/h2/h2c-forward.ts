import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  connect,
  constants,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Stream,
} from "node:http2";
import { type CompiledRoute, upstreamPathFor } from "../../shared/route-table.ts";
import type { FrontState } from "../front-state.ts";
import { recordExchange } from "../phases/exchange-record.ts";
import { overBodyLimit } from "../phases/filters/body-limit.ts";
import { STRIPPED_REQUEST_HEADERS } from "../request-head.ts";
import { requestIdText } from "../upstream-head.ts";
import { fieldBytes, MAX_RESPONSE_HEADER_LIST_BYTES } from "./h1-translation.ts";
import { cancelStream, resetStream } from "./reset-stream.ts";

/**
 * A stream on a route with `upstreamProtocol: "h2c"` (gRPC services), forwarded as an HTTP/2
 * stream to the upstream over a cleartext session by prior knowledge, one session per upstream
 * origin and worker, shared by every stream to it. Headers pass with the proxy's forwarding
 * headers (the client's copies dropped, `te: trailers` kept: gRPC needs it), bodies both ways with
 * backpressure, the upstream's trailers (grpc-status) are sent as trailers. A client's RST_STREAM
 * cancels the upstream stream; an upstream that resets or fails after answering resets the
 * client's stream, so a cut answer is never taken for whole.
 */

const sessions = new Map<string, ClientHttp2Session>();

function sessionFor(origin: string): ClientHttp2Session {
  const open = sessions.get(origin);
  if (open !== undefined && !open.closed && !open.destroyed) return open;
  const session = connect(origin);
  const forget = () => {
    if (sessions.get(origin) === session) sessions.delete(origin);
  };
  session.on("error", forget);
  session.on("close", forget);
  session.on("goaway", forget);
  sessions.set(origin, session);
  return session;
}

/** Fields HTTP/2 forbids or that name the client hop; the proxy writes its own forwarding ones. */
const DROPPED_RESPONSE_FIELDS = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
]);

export function forwardH2c(
  state: FrontState,
  route: CompiledRoute,
  path: string,
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  clientIp: string,
): void {
  const started = performance.now();
  const host = route.host;
  const target = route.upstreams[route.rr++ % Math.max(route.upstreams.length, 1)];
  let status = 0;
  let bytesIn = 0;
  let bytesOut = 0;
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    recordExchange(state, host, route, status, started, bytesIn, bytesOut, target?.origin ?? null);
  };
  const fail = (code: number, message: string) => {
    status = code;
    if (!stream.destroyed && !stream.headersSent) {
      stream.respond({ ":status": code, "content-type": "text/plain; charset=utf-8" });
      stream.end(`${message}\n`);
    } else resetStream(stream);
    finish();
  };
  if (target === undefined) {
    fail(503, `no upstream serves ${host}`);
    return;
  }
  let session: ClientHttp2Session;
  let upstream: ClientHttp2Stream;
  try {
    session = sessionFor(target.origin);
    upstream = session.request(upstreamHeaders(state, route, path, headers, clientIp), {
      endStream: stream.endAfterHeaders,
    });
  } catch (err) {
    fail(502, `could not reach upstream ${target.origin}: ${(err as Error).message}`);
    return;
  }
  // Until the answer's headers: as on the HTTP/1.1 path (FrontConnection.feedBody), the timeout
  // is for an upstream that goes quiet, not for a long upload (a gRPC client stream), so each piece
  // of request body it is sent starts the clock again. Not while the session is still connecting:
  // a connection that never opens must not be kept waiting by a client that keeps sending.
  let answered = false;
  const timer = setTimeout(() => {
    cancelStream(upstream);
    fail(
      504,
      `upstream ${target.origin} did not answer, nor take request data, for ${route.upstreamTimeoutMs} ms; raise the route's upstreamTimeoutMs if the app needs longer`,
    );
  }, route.upstreamTimeoutMs);
  const requestProgress = () => {
    if (!answered && !session.connecting) timer.refresh();
  };

  // Client to upstream. A body without a declared length is counted against the route's limit as
  // it streams (h2c-admission.ts refused a declared one over it before anything was sent).
  stream.on("data", (chunk: Buffer) => {
    if (done) return;
    bytesIn += chunk.length;
    if (overBodyLimit(route, bytesIn)) {
      clearTimeout(timer);
      cancelStream(upstream);
      fail(413, `the request body is over this route's limit of ${route.maxBodyBytes} bytes`);
      return;
    }
    if (!upstream.write(chunk)) stream.pause();
    requestProgress();
  });
  upstream.on("drain", () => stream.resume());
  stream.on("end", () => {
    // Not after a failure: the upstream stream was cancelled, and an END_STREAM sent now would
    // turn a cut upload into a whole one.
    if (done || upstream.destroyed) return;
    upstream.end();
    requestProgress();
  });
  stream.on("error", () => {});
  stream.on("close", () => {
    // The client went away or cancelled (RST_STREAM) before the answer ended.
    clearTimeout(timer);
    cancelStream(upstream);
    finish();
  });

  // Upstream to client.
  let trailers: OutgoingHttpHeaders | null = null;
  upstream.on("response", (h: IncomingHttpHeaders, flags: number) => {
    answered = true;
    clearTimeout(timer);
    status = Number(h[":status"]);
    if (stream.destroyed) return;
    const fields = responseFields(h);
    if (fields === null) {
      cancelStream(upstream);
      fail(
        502,
        `upstream ${target.origin} answered with headers over ${MAX_RESPONSE_HEADER_LIST_BYTES} bytes`,
      );
      return;
    }
    const endStream = (flags & constants.NGHTTP2_FLAG_END_STREAM) !== 0;
    stream.respond(fields, endStream ? { endStream: true } : { waitForTrailers: true });
  });
  upstream.on("data", (chunk: Buffer) => {
    bytesOut += chunk.length;
    if (!stream.destroyed && !stream.write(chunk)) upstream.pause();
  });
  stream.on("drain", () => upstream.resume());
  upstream.on("trailers", (h: IncomingHttpHeaders) => {
    trailers = responseFields(h);
    // Too large to send: a reset, so the client does not take the answer for complete.
    if (trailers === null) {
      cancelStream(upstream);
      fail(502, `upstream ${target.origin} sent trailers over ${MAX_RESPONSE_HEADER_LIST_BYTES} bytes`);
    }
  });
  stream.on("wantTrailers", () => {
    if (trailers !== null) stream.sendTrailers(trailers);
    else stream.close();
  });
  upstream.on("end", () => {
    if (!stream.destroyed && stream.headersSent && !stream.writableEnded) stream.end();
  });
  upstream.on("error", (err: Error) => {
    clearTimeout(timer);
    fail(502, `upstream ${target.origin} failed: ${err.message}; is the app listening with HTTP/2 (h2c)?`);
  });
  upstream.on("close", () => {
    clearTimeout(timer);
    if (upstream.rstCode !== constants.NGHTTP2_NO_ERROR && upstream.rstCode !== undefined && !done) {
      fail(502, `upstream ${target.origin} reset the stream (code ${upstream.rstCode})`);
    }
  });
}

function upstreamHeaders(
  state: FrontState,
  route: CompiledRoute,
  path: string,
  h: IncomingHttpHeaders,
  clientIp: string,
): OutgoingHttpHeaders {
  const authority = String(h[":authority"] ?? h.host ?? "");
  const out: OutgoingHttpHeaders = {
    ":method": String(h[":method"] ?? "GET"),
    ":path": upstreamPathFor(route, path),
    ":scheme": "http",
    ":authority": authority,
  };
  for (const name in h) {
    if (name.charCodeAt(0) === 58 /* : */) continue;
    if (name === "te") {
      if (h.te === "trailers") out.te = "trailers";
      continue;
    }
    if (STRIPPED_REQUEST_HEADERS.has(name)) continue;
    out[name] = h[name];
  }
  const node = clientIp.includes(":") ? `"[${clientIp}]"` : clientIp;
  out["x-forwarded-for"] = clientIp;
  out["x-forwarded-proto"] = "https";
  out["x-forwarded-host"] = authority;
  out["x-real-ip"] = clientIp;
  out.forwarded = `for=${node};proto=https`;
  const id = h["x-request-id"];
  out["x-request-id"] =
    typeof id === "string" && id.length > 0 && id.length <= 200
      ? id
      : requestIdText(state.requestIdPrefix, state.requestCounter++);
  // The route's own lines (the edge secret on routes to the console), "name: value\r\n" each.
  for (const line of route.forwardExtra.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) out[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return out;
}

/**
 * The fields passed on to the client; null when they are more than a stream may carry
 * (MAX_RESPONSE_HEADER_LIST_BYTES: Bun ends the whole client connection over it).
 */
function responseFields(h: IncomingHttpHeaders): OutgoingHttpHeaders | null {
  const out: OutgoingHttpHeaders = {};
  let listBytes = 0;
  for (const name in h) {
    if (DROPPED_RESPONSE_FIELDS.has(name)) continue;
    const value = h[name];
    out[name] = value;
    if (Array.isArray(value)) for (const v of value) listBytes += fieldBytes(name, v);
    else listBytes += fieldBytes(name, String(value));
  }
  return listBytes > MAX_RESPONSE_HEADER_LIST_BYTES ? null : out;
}
