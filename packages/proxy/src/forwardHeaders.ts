/**
 * What the upstream sees of the client's headers. Hop-by-hop headers describe the client hop only;
 * forwarding and X-Pier-* headers are the proxy's to set, so a client can never spoof them.
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

/** Headers the proxy adds to every forwarded request. */
export interface ForwardContext {
  hostHeader: string;
  clientIp: string;
  proto: "http" | "https";
  requestId: string;
  /** Set only for /_pier/ requests to the platform. */
  pierHost: string | null;
  pierApp: string | null;
}

/**
 * Builds the complete HTTP/1.1 request head for a body-less request, or returns null when the
 * request carries a body (the caller then takes the streaming path).
 */
export function buildRequestHead(
  method: string,
  path: string,
  headers: Headers,
  ctx: ForwardContext,
): string | null {
  let head = `${method} ${path} HTTP/1.1\r\nhost: ${ctx.hostHeader}\r\n`;
  for (const [name, value] of headers) {
    if (name === "content-length") {
      if (value !== "0") return null;
      continue;
    }
    if (STRIPPED_REQUEST_HEADERS.has(name)) {
      if (name === "transfer-encoding") return null;
      continue;
    }
    head += `${name}: ${value}\r\n`;
  }
  head += `x-forwarded-for: ${ctx.clientIp}\r\nx-forwarded-proto: ${ctx.proto}\r\nx-forwarded-host: ${ctx.hostHeader}\r\nx-request-id: ${ctx.requestId}\r\n`;
  if (ctx.pierHost !== null) head += `x-pier-host: ${ctx.pierHost}\r\n`;
  if (ctx.pierApp !== null) head += `x-pier-app: ${ctx.pierApp}\r\n`;
  return `${head}\r\n`;
}

/** The same header set as a Headers object, for the fetch()-based streaming path. */
export function buildForwardHeaders(headers: Headers, ctx: ForwardContext): Headers {
  const out = new Headers();
  for (const [name, value] of headers) {
    if (!STRIPPED_REQUEST_HEADERS.has(name)) out.append(name, value);
  }
  out.set("host", ctx.hostHeader);
  out.set("x-forwarded-for", ctx.clientIp);
  out.set("x-forwarded-proto", ctx.proto);
  out.set("x-forwarded-host", ctx.hostHeader);
  out.set("x-request-id", ctx.requestId);
  if (ctx.pierHost !== null) out.set("x-pier-host", ctx.pierHost);
  if (ctx.pierApp !== null) out.set("x-pier-app", ctx.pierApp);
  return out;
}

const STRIPPED_RESPONSE_HEADERS = [
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "trailer",
];

/** Copies an upstream fetch() response minus hop-by-hop headers. */
export function cleanResponseHeaders(headers: Headers): Headers {
  const out = new Headers(headers);
  for (const name of STRIPPED_RESPONSE_HEADERS) out.delete(name);
  return out;
}
