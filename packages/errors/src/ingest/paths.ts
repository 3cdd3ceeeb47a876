export type IngestRoute = { kind: "envelope" | "store"; projectId: string | null };

const INGEST_PATH = /^(?:\/_pier)?\/api\/(\d+)\/(envelope|store)\/?$/;
/** Same-origin endpoint for the browser SDK's `tunnel` option; the DSN travels in the envelope header. */
export const TUNNEL_PATH = "/_pier/errors/tunnel";

/**
 * Which ingest endpoint a path is, or null. Runs for every console request, so it stays cheap; it
 * lives apart from the handler so `pier serve` can route ingest before loading error tracking.
 */
export function matchIngestPath(pathname: string): IngestRoute | null {
  if (pathname === TUNNEL_PATH) return { kind: "envelope", projectId: null };
  if (!pathname.startsWith("/api/") && !pathname.startsWith("/_pier/api/")) return null;
  const m = INGEST_PATH.exec(pathname);
  return m ? { kind: m[2] as "envelope" | "store", projectId: m[1]! } : null;
}
