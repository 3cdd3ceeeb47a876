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
  return { index, byPath };
}

const securityHeaders = {
  // The dashboard only ever talks to its own origin; inline styles come from Preact style props.
  "content-security-policy":
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
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
