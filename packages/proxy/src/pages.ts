/**
 * The small HTML pages the proxy answers with itself. Each says what happened and what to do,
 * because the person reading it is usually the app's owner looking at a fresh deploy.
 */

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(status: number, title: string, body: string, requestId: string): Response {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${status} ${title}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}code{background:#f3f3f3;padding:0 .2em}small{color:#777}</style></head>
<body><h1>${status} ${title}</h1>${body}<p><small>pier proxy · request ${escapeHtml(requestId)}</small></p></body></html>
`;
  return new Response(html, {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "x-request-id": requestId,
    },
  });
}

export function unknownHostPage(host: string, requestId: string): Response {
  return page(
    404,
    "Unknown host",
    `<p>No app is configured for <code>${escapeHtml(host || "(no Host header)")}</code>.</p>
<p>If you own this server, add the domain to an app (<code>pier domains add</code> or the dashboard) and check that DNS points here.</p>`,
    requestId,
  );
}

export function noUpstreamPage(host: string, requestId: string): Response {
  return page(
    503,
    "No running replica",
    `<p>The app for <code>${escapeHtml(host)}</code> has no running replica right now.</p>
<p>If a deploy is in progress, retry in a few seconds; otherwise check the app's deployments in the dashboard.</p>`,
    requestId,
  );
}

export function badGatewayPage(host: string, detail: string, requestId: string): Response {
  return page(
    502,
    "Bad gateway",
    `<p>The app for <code>${escapeHtml(host)}</code> could not be reached: ${escapeHtml(detail)}</p>
<p>The app may be starting or crashing. Check its logs; the proxy retries healthy replicas automatically.</p>`,
    requestId,
  );
}

export function gatewayTimeoutPage(host: string, timeoutMs: number, requestId: string): Response {
  return page(
    504,
    "Gateway timeout",
    `<p>The app for <code>${escapeHtml(host)}</code> did not answer within ${timeoutMs} ms.</p>
<p>Look for slow requests in the app's logs, or raise the route's upstream timeout.</p>`,
    requestId,
  );
}

export function maintenancePage(message: string, requestId: string): Response {
  const res = page(
    503,
    "Down for maintenance",
    `<p>${escapeHtml(message)}</p><p>Please try again a little later.</p>`,
    requestId,
  );
  res.headers.set("retry-after", "120");
  return res;
}

export function payloadTooLargePage(limit: number, requestId: string): Response {
  return page(
    413,
    "Request body too large",
    `<p>This app accepts request bodies up to ${limit} bytes.</p>
<p>Send a smaller body, or raise the route's maximum body size.</p>`,
    requestId,
  );
}

export function notFoundPage(what: string, requestId: string): Response {
  return page(404, "Not found", `<p>${escapeHtml(what)}</p>`, requestId);
}

export function redirect(location: string): Response {
  return new Response(null, { status: 308, headers: { location } });
}
