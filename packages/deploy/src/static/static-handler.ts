import { realpath, stat } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { brotliCompress, gzip, constants as zlibConstants } from "node:zlib";
import { injectTrackerTag, TRACKER_INJECT_HEADER } from "@pier/proxy/edge";
import { contentTypeFor, isCompressible } from "./content-types.ts";
import {
  cacheControlFor,
  candidatePaths,
  chooseEncoding,
  type Encoding,
  etagFor,
  isNotModified,
  wantsSpaFallback,
} from "./static-rules.ts";

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

export interface StaticSiteOptions {
  /** Directory holding the site (never written to). */
  dir: string;
  /** Answer unknown page paths with /index.html (single-page apps). */
  spa: boolean;
  /** Bytes of compressed variants kept in memory; default 32 MiB. */
  compressedCacheBytes?: number;
}

interface FoundFile {
  rel: string;
  abs: string;
  size: number;
  mtimeMs: number;
  /** The page with the analytics tag added, when the route asks for it (HTML only). */
  injected?: Uint8Array<ArrayBuffer>;
}

/** Compressing costs more than serving: below this size the saving does not pay. */
const minCompressBytes = 1024;
const maxCompressBytes = 8 * 1024 * 1024;

/** A fetch handler serving a directory: content types, ETag/Last-Modified, br/gzip, SPA fallback. */
export function createStaticSiteHandler(options: StaticSiteOptions): (request: Request) => Promise<Response> {
  const cache = new Map<string, Uint8Array<ArrayBuffer>>();
  const cacheLimit = options.compressedCacheBytes ?? 32 * 1024 * 1024;
  let cached = 0;

  let root: Promise<string> | undefined;
  async function find(rel: string): Promise<FoundFile | null> {
    const abs = join(options.dir, rel);
    try {
      const info = await stat(abs);
      if (!info.isFile()) return null;
      // A pushed repo may hold a symlink to /etc/passwd or pier's own keys: only files that
      // really live inside the site are served.
      root ??= realpath(options.dir);
      const real = await realpath(abs);
      if (!real.startsWith(`${await root}/`)) return null;
      return { rel, abs: real, size: info.size, mtimeMs: info.mtimeMs };
    } catch {
      return null;
    }
  }

  async function compressed(file: FoundFile, encoding: Exclude<Encoding, "identity">, etag: string) {
    const key = `${encoding}:${file.rel}:${etag}`;
    const hit = cache.get(key);
    if (hit) return hit;
    const raw = file.injected ?? new Uint8Array(await Bun.file(file.abs).arrayBuffer());
    const out =
      encoding === "br"
        ? await brotli(raw, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5 } })
        : await gzipAsync(raw, { level: 6 });
    const bytes = new Uint8Array(out.buffer as ArrayBuffer, out.byteOffset, out.byteLength);
    if (cached + bytes.byteLength <= cacheLimit) {
      cache.set(key, bytes);
      cached += bytes.byteLength;
    }
    return bytes;
  }

  return async (request) => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("Method not allowed\n", { status: 405, headers: { allow: "GET, HEAD" } });
    }
    const url = new URL(request.url);
    const candidates = candidatePaths(url.pathname);
    if (!candidates) return new Response("Bad request\n", { status: 400 });
    let file: FoundFile | null = null;
    for (const rel of candidates) {
      file = await find(rel);
      if (file) break;
    }
    let status = 200;
    if (!file && options.spa && wantsSpaFallback(url.pathname, request.headers.get("accept"))) {
      file = await find("index.html");
    }
    if (!file) {
      file = await find("404.html");
      status = 404;
      if (!file)
        return new Response("Not found\n", { status: 404, headers: { "content-type": "text/plain" } });
    }

    const contentType = contentTypeFor(file.rel);
    let etag = etagFor(file.size, file.mtimeMs);
    // Injected before compressing, so browsers (which always ask for br or gzip) get the tag too.
    if (request.headers.get(TRACKER_INJECT_HEADER) === "tracker" && contentType.startsWith("text/html")) {
      const page = injectTrackerTag(await Bun.file(file.abs).text());
      file = { ...file, injected: new TextEncoder().encode(page), size: Buffer.byteLength(page) };
      etag = `${etag.slice(0, -1)}-t"`;
    }
    const headers: Record<string, string> = {
      "content-type": contentType,
      etag,
      "last-modified": new Date(file.mtimeMs).toUTCString(),
      "cache-control": cacheControlFor(file.rel),
    };
    const compressible =
      isCompressible(contentType) && file.size >= minCompressBytes && file.size <= maxCompressBytes;
    if (compressible) headers.vary = "Accept-Encoding";
    if (
      status === 200 &&
      isNotModified(
        {
          ifNoneMatch: request.headers.get("if-none-match"),
          ifModifiedSince: request.headers.get("if-modified-since"),
        },
        etag,
        file.mtimeMs,
      )
    ) {
      return new Response(null, { status: 304, headers });
    }
    const encoding = compressible ? chooseEncoding(request.headers.get("accept-encoding")) : "identity";
    if (encoding !== "identity") {
      const body = await compressed(file, encoding, etag);
      headers["content-encoding"] = encoding;
      headers["content-length"] = String(body.byteLength);
      return new Response(request.method === "HEAD" ? null : body, { status, headers });
    }
    headers["content-length"] = String(file.size);
    const body = file.injected ?? Bun.file(file.abs);
    return new Response(request.method === "HEAD" ? null : body, { status, headers });
  };
}
