export const TRACKER_TAG = '<script defer src="/_pier/script.js"></script>';

/**
 * Set by the proxy on requests to a route with tracker auto-injection. pier's own static-site
 * server injects the tag itself before compressing (the proxy can only inject into uncompressed
 * answers, and browsers always ask for compressed ones); other upstreams ignore it.
 */
export const TRACKER_INJECT_HEADER = "x-pier-inject-tracker";

/**
 * Adds the tracker tag to an HTML document: before </head>, else after <body ...>, else after
 * <html ...> or the doctype (anything before the doctype would put the page in quirks mode), else
 * at the start. Pure so the proxy and the static-site server can call it on a whole HTML body; a
 * page that already loads the tracker is returned unchanged, so enabling auto-injection on a site
 * that has the tag counts nothing twice.
 */
export function injectTrackerTag(html: string, tag = TRACKER_TAG): string {
  if (html.includes("/_pier/script.js")) return html;
  const head = html.search(/<\/head\s*>/i);
  if (head !== -1) return html.slice(0, head) + tag + html.slice(head);
  for (const opening of [/<body\b[^>]*>/i, /<html\b[^>]*>/i, /<!doctype\b[^>]*>/i]) {
    const match = html.match(opening);
    if (match?.index !== undefined) {
      const end = match.index + match[0].length;
      return html.slice(0, end) + tag + html.slice(end);
    }
  }
  return tag + html;
}

/** Whether a response is worth injecting into: successful, HTML, not compressed by the upstream. */
export function shouldInject(status: number, headers: Headers): boolean {
  return (
    status === 200 &&
    (headers.get("content-type") ?? "").toLowerCase().startsWith("text/html") &&
    !headers.has("content-encoding")
  );
}
