import { type RouteGroup, serveRoute } from "@pier/http";
import { type StatusPages, statusPageView } from "../status-page/status-pages.ts";
import { uptimeRoutes } from "./contract.ts";

function undo(revert: () => Promise<unknown>) {
  return async (error: unknown): Promise<never> => {
    await revert();
    throw error;
  };
}

/** `/api/v1/status-pages`: which monitors a public page shows, and where. */
export function statusPagesRoutes(
  group: RouteGroup,
  pages: StatusPages,
  onHostsChanged: () => Promise<void>,
): void {
  serveRoute(group, uptimeRoutes.listStatusPages, async () => ({
    statusPages: (await pages.list()).map(statusPageView),
  }));

  serveRoute(group, uptimeRoutes.createStatusPage, async ({ body }) => {
    const row = await pages.create(body);
    // A host another route owns would make every later publish fail: undo and report the conflict.
    if (row.host) await onHostsChanged().catch(undo(() => pages.delete(row.slug)));
    return { statusPage: statusPageView(row) };
  });

  serveRoute(group, uptimeRoutes.getStatusPage, async ({ params }) => ({
    statusPage: statusPageView(await pages.find(params.slug)),
  }));

  serveRoute(group, uptimeRoutes.updateStatusPage, async ({ params, body }) => {
    const before = await pages.find(params.slug);
    const row = await pages.update(before.slug, body);
    if (row.host !== before.host)
      await onHostsChanged().catch(undo(() => pages.update(row.slug, { host: before.host })));
    return { statusPage: statusPageView(row) };
  });

  serveRoute(group, uptimeRoutes.deleteStatusPage, async ({ params }) => {
    const row = await pages.find(params.slug);
    await pages.delete(row.slug);
    if (row.host) await onHostsChanged();
    return { deleted: true as const };
  });
}

/**
 * Browsers and shared caches keep a copy but ask again every time (a 304 when nothing changed): a
 * page cached for even 30 s went on showing an outage that was over.
 */
const revalidate = "public, no-cache";

const htmlHeaders = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": revalidate,
  "x-frame-options": "DENY",
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
};

/** The answer, or a 304 when the client's copy (If-None-Match) is the current one. */
function withEtag(request: Request, body: string, headers: Record<string, string>): Response {
  const etag = `"${Bun.hash(body).toString(36)}"`;
  const all = { ...headers, etag };
  if (request.headers.get("if-none-match") === etag) return new Response(null, { status: 304, headers: all });
  return new Response(request.method === "HEAD" ? null : body, { headers: all });
}

/** The public side: no login, HTML or JSON. */
async function servePublicStatusPage(
  request: Request,
  pages: StatusPages,
  by: { slug: string } | { host: string },
  format: "html" | "json",
): Promise<Response | null> {
  const page = await pages.render(by);
  if (!page) return null;
  if (format === "json") {
    return withEtag(request, JSON.stringify(page.model), {
      "content-type": "application/json;charset=utf-8",
      "cache-control": revalidate,
      "access-control-allow-origin": "*",
    });
  }
  return withEtag(request, page.html, htmlHeaders);
}

const notFound = () =>
  new Response("No status page here.", {
    status: 404,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
const readOnly = (request: Request) => request.method === "GET" || request.method === "HEAD";

/** Public handlers: `/status/SLUG[.json]` on the console, and the root of a page's own host. */
export function publicStatusHandlers(pages: StatusPages) {
  return {
    bySlug(request: Request): Promise<Response> | null {
      if (!readOnly(request)) return null;
      const match = /^\/status\/([a-z0-9][a-z0-9-]*?)(\.json)?\/?$/.exec(new URL(request.url).pathname);
      if (!match) return null;
      return servePublicStatusPage(request, pages, { slug: match[1]! }, match[2] ? "json" : "html").then(
        (r) => r ?? notFound(),
      );
    },
    async byHost(request: Request): Promise<Response> {
      const path = new URL(request.url).pathname;
      if (!readOnly(request) || (path !== "/" && path !== "/index.json")) return notFound();
      const host = (request.headers.get("host") ?? "").replace(/:\d+$/, "").toLowerCase();
      return (
        (await servePublicStatusPage(request, pages, { host }, path === "/" ? "html" : "json")) ?? notFound()
      );
    },
  };
}
