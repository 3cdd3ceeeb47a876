import { basename } from "node:path";
import type { HTMLBundle } from "bun";
import dashboardHtml from "../web/index.html";
import { parseRoute } from "../web/routes.ts";

export interface DashboardAsset {
  contentType: string;
  etag: string;
  body: Uint8Array<ArrayBuffer>;
  /** Compressed once at start-up: assets never change while the binary runs. */
  gzip: Uint8Array<ArrayBuffer>;
  /** Hashed chunk names may be cached forever; index.html must be revalidated. */
  immutable: boolean;
}

export interface DashboardAssets {
  /** index.html with the bundle's stylesheets inlined (see inlineStylesheets). */
  index: DashboardAsset;
  byPath: ReadonlyMap<string, DashboardAsset>;
}

export class DashboardBundleError extends Error {
  readonly code = "dashboard_bundle_missing";
}

function asset(body: Uint8Array<ArrayBuffer>, contentType: string, immutable: boolean): DashboardAsset {
  return {
    contentType,
    etag: `"${Bun.hash(body).toString(36)}"`,
    body,
    gzip: Bun.gzipSync(body, { level: 9 }),
    immutable,
  };
}

/**
 * In the compiled binary the HTML import was bundled ahead of time and `files` lists the embedded
 * outputs (under /$bunfs/). Run from source (`bun run`, `bun test`) there is no such list, so the
 * same entry is bundled here, once, with the same options.
 */
export async function loadDashboardAssets(bundle: HTMLBundle = dashboardHtml): Promise<DashboardAssets> {
  const outputs: { path: string; contentType: string; body: Uint8Array<ArrayBuffer> }[] = [];
  if (bundle.files?.length) {
    for (const file of bundle.files) {
      outputs.push({
        path: file.path,
        contentType: file.headers["content-type"],
        body: await Bun.file(file.path).bytes(),
      });
    }
  } else {
    const built = await Bun.build({
      entrypoints: [bundle.index],
      minify: true,
      splitting: true,
      publicPath: "/",
    });
    if (!built.success)
      throw new DashboardBundleError(`Bundling the dashboard failed: ${built.logs.join("\n")}`);
    for (const output of built.outputs) {
      outputs.push({
        path: output.path,
        contentType: output.type,
        body: new Uint8Array(await output.arrayBuffer()),
      });
    }
  }
  let html: { body: Uint8Array<ArrayBuffer>; contentType: string } | undefined;
  const byPath = new Map<string, DashboardAsset>();
  for (const output of outputs) {
    if (output.contentType.startsWith("text/html")) html = output;
    else byPath.set(`/${basename(output.path)}`, asset(output.body, output.contentType, true));
  }
  if (!html) throw new DashboardBundleError("The dashboard bundle has no index.html; rebuild pier.");
  const css = new Map<string, string>();
  for (const [path, file] of byPath)
    if (file.contentType.startsWith("text/css")) css.set(path, new TextDecoder().decode(file.body));
  const inlined = inlineStylesheets(new TextDecoder().decode(html.body), css);
  return { index: asset(new TextEncoder().encode(inlined), html.contentType, false), byPath };
}

const linkTag = /<link\b[^>]*>/gi;

/**
 * index.html with each `<link rel="stylesheet">` of the bundle replaced by a `<style>` holding
 * that stylesheet, so the dashboard loads no stylesheet from its origin and its CSP needs none
 * (see contentSecurityPolicy). Links to anything else are left as they are. Pure.
 */
export function inlineStylesheets(html: string, stylesheets: ReadonlyMap<string, string>): string {
  return html.replace(linkTag, (tag) => {
    if (!/\brel=["']?stylesheet\b/i.test(tag)) return tag;
    const href = /\bhref=["']?([^"' >]+)/i.exec(tag)?.[1];
    const body = href === undefined ? undefined : stylesheets.get(href);
    if (body === undefined) return tag;
    // `</style` would end the element early; `<\/` reads the same to a CSS parser.
    return `<style>${body.replace(/<\/style/gi, "<\\/style")}</style>`;
  });
}

/**
 * The dashboard's CSP. Session replays are rebuilt by rrweb in an about:blank frame that inherits
 * this policy, and a recording is whatever a visitor's browser sent: with `'self'` for images,
 * media, fonts or styles, a recorded `<img src="/api/v1/…">` would be fetched from the console
 * with the session cookie. So the dashboard loads nothing from its origin but its scripts and its
 * API: its stylesheets are inlined into index.html, images are data: URLs. Recorded `<link>`
 * hrefs, which CSP does not cover for prefetch, are removed by the replay page itself. Nothing in
 * it depends on the request, so a proxy in front that rewrites Host cannot unstyle the dashboard.
 */
export const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "connect-src 'self'",
  // The inlined stylesheets, Preact style props and the pages' own <style> elements.
  "style-src 'unsafe-inline'",
  "img-src data: blob:",
  "media-src data: blob:",
  "font-src data:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join("; ");

const securityHeaders = {
  "content-security-policy": contentSecurityPolicy,
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
};

function respond(request: Request, file: DashboardAsset, status = 200): Response {
  const headers: Record<string, string> = {
    "content-type": file.contentType,
    etag: file.etag,
    vary: "accept-encoding",
    "cache-control": file.immutable ? "public, max-age=31536000, immutable" : "no-cache",
    ...(file.immutable ? {} : securityHeaders),
  };
  if (status === 200 && request.headers.get("if-none-match") === file.etag)
    return new Response(null, { status: 304, headers });
  const gzip = /\bgzip\b/.test(request.headers.get("accept-encoding") ?? "");
  if (gzip) headers["content-encoding"] = "gzip";
  const body = gzip ? file.gzip : file.body;
  headers["content-length"] = String(body.byteLength);
  return new Response(request.method === "HEAD" ? null : body, { status, headers });
}

/** The dashboard's answer for a console request, or null when the path belongs to someone else. */
export function serveDashboard(assets: DashboardAssets, request: Request): Response | null {
  if (request.method !== "GET" && request.method !== "HEAD") return null;
  const url = new URL(request.url);
  const file = assets.byPath.get(url.pathname);
  if (file) return respond(request, file);
  if (parseRoute(url.pathname)) return respond(request, assets.index);
  // A mistyped address typed into the browser gets the dashboard's own "Page not found" (status
  // 404), not the API's JSON; scripts asking for JSON still get that.
  if ((request.headers.get("accept") ?? "").includes("text/html")) return respond(request, assets.index, 404);
  return null;
}
