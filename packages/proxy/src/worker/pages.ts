/**
 * The small HTML pages the proxy answers with itself. Each says what happened and what to do,
 * because the person reading it is usually the app's owner looking at a fresh deploy.
 */

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A response the proxy answers itself, serialised straight onto the client socket. */
export interface LocalResponse {
  status: number;
  /** Header lines, each ending in CRLF. */
  headers: string;
  body: string;
}

const REASONS: Record<number, string> = {
  200: "OK",
  202: "Accepted",
  308: "Permanent Redirect",
  400: "Bad Request",
  404: "Not Found",
  408: "Request Timeout",
  413: "Content Too Large",
  431: "Request Header Fields Too Large",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** The full HTTP/1.1 response as a string (written as UTF-8; the length counts bytes). */
export function serializeLocal(res: LocalResponse, close: boolean, headOnly: boolean): string {
  const length = Buffer.byteLength(res.body);
  return `HTTP/1.1 ${res.status} ${REASONS[res.status] ?? ""}\r\n${res.headers}content-length: ${length}\r\n${close ? "connection: close\r\n" : ""}\r\n${headOnly ? "" : res.body}`;
}

function page(status: number, title: string, body: string, requestId: string, extra = ""): LocalResponse {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${status} ${title}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}code{background:#f3f3f3;padding:0 .2em}small{color:#777}</style></head>
<body><h1>${status} ${title}</h1>${body}<p><small>pier proxy · request ${escapeHtml(requestId)}</small></p></body></html>
`;
  return {
    status,
    headers: `content-type: text/html; charset=utf-8\r\ncache-control: no-store\r\nx-request-id: ${headerSafe(requestId)}\r\n${extra}`,
    body: html,
  };
}

/** A client-supplied request id must not be able to inject header lines. */
function headerSafe(s: string): string {
  return s.replace(/[\r\n]/g, "");
}

export function unknownHostPage(host: string, requestId: string): LocalResponse {
  return page(
    404,
    "Unknown host",
    `<p>No app is configured for <code>${escapeHtml(host || "(no Host header)")}</code>.</p>
<p>If you own this server, add the domain to an app (<code>pier domains add</code> or the dashboard) and check that DNS points here.</p>`,
    requestId,
  );
}

export function noUpstreamPage(host: string, requestId: string): LocalResponse {
  return page(
    503,
    "No running replica",
    `<p>The app for <code>${escapeHtml(host)}</code> has no running replica right now.</p>
<p>If a deploy is in progress, retry in a few seconds; otherwise check the app's deployments in the dashboard.</p>`,
    requestId,
  );
}

export function badGatewayPage(host: string, detail: string, requestId: string): LocalResponse {
  return page(
    502,
    "Bad gateway",
    `<p>The app for <code>${escapeHtml(host)}</code> could not be reached: ${escapeHtml(detail)}</p>
<p>The app may be starting or crashing. Check its logs; the proxy retries healthy replicas automatically.</p>`,
    requestId,
  );
}

export function gatewayTimeoutPage(host: string, timeoutMs: number, requestId: string): LocalResponse {
  return page(
    504,
    "Gateway timeout",
    `<p>The app for <code>${escapeHtml(host)}</code> did not answer within ${timeoutMs} ms.</p>
<p>Look for slow requests in the app's logs, or raise the route's upstream timeout.</p>`,
    requestId,
  );
}

/** A request on a sleeping route that could not wait for it to wake (failed, too slow, or pier stopping). */
export function wakeFailedPage(host: string, requestId: string): LocalResponse {
  return page(
    503,
    "Starting up",
    `<p>The app for <code>${escapeHtml(host)}</code> was asleep and is not awake yet.</p>
<p>Retry in a few seconds. If this lasts, check the app's deployments and logs in the dashboard.</p>`,
    requestId,
    "retry-after: 5\r\n",
  );
}

export function maintenancePage(message: string, requestId: string): LocalResponse {
  return page(
    503,
    "Down for maintenance",
    `<p>${escapeHtml(message)}</p><p>Please try again a little later.</p>`,
    requestId,
    "retry-after: 120\r\n",
  );
}

export function payloadTooLargePage(limit: number, requestId: string): LocalResponse {
  return page(
    413,
    "Request body too large",
    `<p>This app accepts request bodies up to ${limit} bytes.</p>
<p>Send a smaller body, or raise the route's maximum body size.</p>`,
    requestId,
  );
}

export function notFoundPage(what: string, requestId: string): LocalResponse {
  return page(404, "Not found", `<p>${escapeHtml(what)}</p>`, requestId);
}

export function redirect(location: string): LocalResponse {
  return { status: 308, headers: `location: ${headerSafe(location)}\r\n`, body: "" };
}

export function badRequestPage(status: number, detail: string): LocalResponse {
  return { status, headers: "content-type: text/plain\r\n", body: `${detail}\n` };
}

/** A client that has not sent a whole request head within the head timeout (slowloris). */
export function requestTimeoutPage(timeoutMs: number): LocalResponse {
  return badRequestPage(408, `the request head did not arrive within ${timeoutMs} ms`);
}

/** A client whose request body stopped arriving for the body timeout. */
export function bodyTimeoutPage(timeoutMs: number): LocalResponse {
  return badRequestPage(
    408,
    `the request body stopped arriving: no byte of it came for ${timeoutMs} ms; send the whole body promptly`,
  );
}

export function acmeAnswer(answer: string): LocalResponse {
  return { status: 200, headers: "content-type: text/plain\r\n", body: answer };
}
