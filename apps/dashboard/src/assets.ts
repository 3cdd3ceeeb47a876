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
  index: DashboardAsset;
  byPath: ReadonlyMap<string, DashboardAsset>;
  /** The paths of the bundle's stylesheets: the only same-origin styles the CSP allows. */
  stylesheets: readonly string[];
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
  let index: DashboardAsset | undefined;
  const byPath = new Map<string, DashboardAsset>();
  for (const output of outputs) {
    if (output.contentType.startsWith("text/html")) {
      index = asset(output.body, output.contentType, false);
    } else {
      byPath.set(`/${basename(output.path)}`, asset(output.body, output.contentType, true));
    }
  }
  if (!index) throw new DashboardBundleError("The dashboard bundle has no index.html; rebuild pier.");
  const stylesheets = [...byPath]
    .filter(([, file]) => file.contentType.startsWith("text/css"))
    .map(([p]) => p);
  return { index, byPath, stylesheets };
}

const hostWithPort = /^[A-Za-z0-9.-]+(:\d{1,5})?$/;

/**
 * The dashboard's CSP. Session replays are rebuilt by rrweb in an about:blank frame that inherits
 * this policy, and a recording is whatever a visitor's browser sent: with `'self'` for images,
 * media, fonts or styles, a recorded `<img src="/api/v1/…">` would be fetched from the console
 * with the session cookie. So the dashboard loads nothing from its origin but its scripts, its API
 * and, by exact URL, its own stylesheets (CSP paths need a host: the one the browser asked for).
 * Images are data: URLs. Recorded `<link>` hrefs, which CSP does not cover for prefetch, are
 * removed by the replay page itself.
 */
export function contentSecurityPolicy(host: string | null, stylesheets: readonly string[]): string {
  // An IPv6 literal cannot be written in a CSP source: such a console falls back to 'self'.
  const styles =
    host && hostWithPort.test(host) ? stylesheets.map((path) => `${host}${path}`).join(" ") : "'self'";
  return [
    "default-src 'none'",
    "script-src 'self'",
    "connect-src 'self'",
    // Inline styles come from Preact style props and the pages' own <style> elements.
    `style-src 'unsafe-inline' ${styles}`,
    "img-src data: blob:",
    "media-src data: blob:",
    "font-src data:",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join("; ");
}

function respond(assets: DashboardAssets, request: Request, file: DashboardAsset, status = 200): Response {
  const headers: Record<string, string> = {
    "content-type": file.contentType,
    etag: file.etag,
    vary: "accept-encoding",
    "cache-control": file.immutable ? "public, max-age=31536000, immutable" : "no-cache",
  };
  if (!file.immutable) {
    headers["content-security-policy"] = contentSecurityPolicy(
      request.headers.get("host") ?? new URL(request.url).host,
      assets.stylesheets,
    );
    headers["x-content-type-options"] = "nosniff";
    headers["referrer-policy"] = "same-origin";
  }
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
  if (file) return respond(assets, request, file);
  if (parseRoute(url.pathname)) return respond(assets, request, assets.index);
  // A mistyped address typed into the browser gets the dashboard's own "Page not found" (status
  // 404), not the API's JSON; scripts asking for JSON still get that.
  if ((request.headers.get("accept") ?? "").includes("text/html"))
    return respond(assets, request, assets.index, 404);
  return null;
}
