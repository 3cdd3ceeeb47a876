/**
 * The decisions of static-site serving, without I/O: which file answers a URL path, whether the
 * client's cached copy is still good, and which encoding to send.
 */

export type Encoding = "br" | "gzip" | "identity";

/**
 * Candidate files for a URL path, in order: the file itself, then `<path>/index.html`, then
 * `<path>.html` (pretty URLs). Null when the path tries to leave the site (`..`, NUL, backslash).
 */
export function candidatePaths(urlPath: string): string[] | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes("\0") || decoded.includes("\\")) return null;
  const parts: string[] = [];
  for (const part of decoded.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") return null;
    parts.push(part);
  }
  const path = parts.join("/");
  if (path === "") return ["index.html"];
  const out = decoded.endsWith("/") ? [] : [path];
  out.push(`${path}/index.html`);
  if (!decoded.endsWith("/") && !/\.[A-Za-z0-9]+$/.test(path)) out.push(`${path}.html`);
  return out;
}

/**
 * SPA fallback applies to page navigations only: a missing `/app.js` must stay a 404 so a broken
 * asset reference does not come back as HTML with status 200.
 */
export function wantsSpaFallback(urlPath: string, accept: string | null): boolean {
  const last = urlPath.slice(urlPath.lastIndexOf("/") + 1);
  if (/\.[A-Za-z0-9]+$/.test(last) && !last.endsWith(".html")) return false;
  return accept === null || accept === "" || accept.includes("text/html") || accept.includes("*/*");
}

/** A weak validator from size and modification time: cheap, and changes whenever the file does. */
export function etagFor(size: number, mtimeMs: number): string {
  return `W/"${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}"`;
}

/** RFC 9110: If-None-Match wins over If-Modified-Since; weak comparison for GET/HEAD. */
export function isNotModified(
  headers: { ifNoneMatch: string | null; ifModifiedSince: string | null },
  etag: string,
  mtimeMs: number,
): boolean {
  if (headers.ifNoneMatch !== null) {
    const bare = (tag: string) => tag.trim().replace(/^W\//, "");
    return headers.ifNoneMatch.split(",").some((tag) => tag.trim() === "*" || bare(tag) === bare(etag));
  }
  if (headers.ifModifiedSince !== null) {
    const since = Date.parse(headers.ifModifiedSince);
    // HTTP dates have second precision; a file modified within the same second is not newer.
    return !Number.isNaN(since) && Math.floor(mtimeMs / 1000) * 1000 <= since;
  }
  return false;
}

/** Picks br over gzip when both are acceptable; honours q=0 exclusions. */
export function chooseEncoding(acceptEncoding: string | null): Encoding {
  if (!acceptEncoding) return "identity";
  const weights = new Map<string, number>();
  for (const part of acceptEncoding.toLowerCase().split(",")) {
    const [name, ...params] = part.trim().split(";");
    if (!name) continue;
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)).find(Boolean);
    weights.set(name.trim(), q ? Number(q[1]) : 1);
  }
  const weight = (name: string) => weights.get(name) ?? (weights.has("*") ? weights.get("*")! : 0);
  if (weight("br") > 0) return "br";
  if (weight("gzip") > 0) return "gzip";
  return "identity";
}

/** HTML must revalidate so a new release shows at once; hashed assets could be cached for longer. */
export function cacheControlFor(path: string): string {
  if (path.endsWith(".html")) return "no-cache";
  if (/[.-][0-9a-f]{8,}\.[a-z0-9]+$/i.test(path)) return "public, max-age=31536000, immutable";
  return "public, max-age=0, must-revalidate";
}
