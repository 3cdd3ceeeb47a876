import { type ApiEnv, readBody, requireScope } from "@pier/http";
import { Hono, type MiddlewareHandler } from "hono";
import {
  type StatusPages,
  statusPageInputSchema,
  statusPagePatchSchema,
  statusPageView,
} from "../status-page/status-pages.ts";

function undo(revert: () => Promise<unknown>) {
  return async (error: unknown): Promise<never> => {
    await revert();
    throw error;
  };
}

/** `/api/v1/status-pages`: which monitors a public page shows, and where. */
export function statusPagesApi(
  pages: StatusPages,
  auth: MiddlewareHandler<ApiEnv>,
  onHostsChanged: () => Promise<void>,
) {
  const api = new Hono<ApiEnv>();
  api.use("*", auth);
  api.get("/", requireScope("read"), async (c) =>
    c.json({ statusPages: (await pages.list()).map(statusPageView) }),
  );
  api.post("/", requireScope("write"), async (c) => {
    const row = await pages.create(await readBody(c, statusPageInputSchema));
    // A host another route owns would make every later publish fail: undo and report the conflict.
    if (row.host) await onHostsChanged().catch(undo(() => pages.delete(row.slug)));
    return c.json({ statusPage: statusPageView(row) }, 201);
  });
  api.get("/:slug", requireScope("read"), async (c) =>
    c.json({ statusPage: statusPageView(await pages.find(c.req.param("slug"))) }),
  );
  api.patch("/:slug", requireScope("write"), async (c) => {
    const before = await pages.find(c.req.param("slug"));
    const row = await pages.update(before.slug, await readBody(c, statusPagePatchSchema));
    if (row.host !== before.host)
      await onHostsChanged().catch(undo(() => pages.update(row.slug, { host: before.host })));
    return c.json({ statusPage: statusPageView(row) });
  });
  api.delete("/:slug", requireScope("write"), async (c) => {
    const row = await pages.find(c.req.param("slug"));
    await pages.delete(row.slug);
    if (row.host) await onHostsChanged();
    return c.json({ deleted: true });
  });
  return api;
}

const htmlHeaders = {
  "content-type": "text/html; charset=utf-8",
  // Shared caches may keep it briefly too: a status page gets its traffic all at once.
  "cache-control": "public, max-age=30",
  "x-frame-options": "DENY",
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
};

/** The public side: no login, HTML or JSON. */
async function servePublicStatusPage(
  pages: StatusPages,
  by: { slug: string } | { host: string },
  format: "html" | "json",
): Promise<Response | null> {
  const page = await pages.render(by);
  if (!page) return null;
  if (format === "json") {
    return Response.json(page.model, {
      headers: { "cache-control": "public, max-age=30", "access-control-allow-origin": "*" },
    });
  }
  return new Response(page.html, { headers: htmlHeaders });
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
      return servePublicStatusPage(pages, { slug: match[1]! }, match[2] ? "json" : "html").then(
        (r) => r ?? notFound(),
      );
    },
    async byHost(request: Request): Promise<Response> {
      const path = new URL(request.url).pathname;
      if (!readOnly(request) || (path !== "/" && path !== "/index.json")) return notFound();
      const host = (request.headers.get("host") ?? "").replace(/:\d+$/, "").toLowerCase();
      return (await servePublicStatusPage(pages, { host }, path === "/" ? "html" : "json")) ?? notFound();
    },
  };
}
