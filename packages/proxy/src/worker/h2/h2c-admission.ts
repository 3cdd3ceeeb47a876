import type { IncomingHttpHeaders } from "node:http2";
import { type CompiledRoute, findRoute, normalizeHost, type RouteTable } from "../../shared/route-table.ts";
import { overBodyLimit } from "../phases/filters/body-limit.ts";
import { PIER_PREFIX } from "../phases/filters/console-forward.ts";
import { removeDotSegments, scanTarget, TargetKind } from "../target-path.ts";

/**
 * Where an HTTP/2 stream goes. Streams on h2c routes (gRPC) are forwarded as HTTP/2
 * (h2c-forward.ts), except when the route answers them itself: a redirect to its canonical host,
 * maintenance, a declared body over its limit, pier's own /_pier/ paths, or a pier that is
 * stopping. Those go through the HTTP/1.1 engine (stream-bridge.ts), whose request filters write
 * the same answers as for any other route; a sleeping h2c route holds the stream until it wakes.
 * Every other stream goes through the engine too, which looks its route up itself.
 */
export type H2cAdmission =
  | { kind: "engine" }
  /** `path` is the stream's `:path` as h2cRoutePath resolved it, forwarded as is. */
  | { kind: "forward"; route: CompiledRoute; path: string }
  | { kind: "hold"; route: CompiledRoute };

const ENGINE: H2cAdmission = { kind: "engine" };

export function admitH2c(table: RouteTable, draining: boolean, headers: IncomingHttpHeaders): H2cAdmission {
  const authority = headers[":authority"] ?? headers.host;
  const rawPath = headers[":path"];
  if (typeof authority !== "string" || typeof rawPath !== "string") return ENGINE;
  // A path the engine refuses is refused there, with its 400.
  const path = h2cRoutePath(rawPath);
  if (path === null) return ENGINE;
  const host = normalizeHost(authority);
  const route = findRoute(table, host, path);
  if (route === null || !route.h2c || draining) return ENGINE;
  if (path.startsWith(PIER_PREFIX)) return ENGINE;
  if (route.canonicalHost !== null && route.canonicalHost !== host) return ENGINE;
  if (route.maintenance !== null && route.maintenance.healthPath !== pathOnly(path)) return ENGINE;
  const declared = Number(headers["content-length"] ?? 0);
  if (Number.isFinite(declared) && overBodyLimit(route, declared)) return ENGINE;
  return route.sleeping ? { kind: "hold", route } : { kind: "forward", route, path };
}

/**
 * `:path` as routes see it, with dot segments resolved as for an HTTP/1.1 target (target-path.ts),
 * so `/svc/../admin` is routed to `/admin`'s route and a stripped prefix never leaves `/../` for
 * the upstream. Null for a path the engine refuses. Worked out once per stream, by admitH2c.
 */
export function h2cRoutePath(path: string): string | null {
  const bytes = Buffer.from(path, "latin1");
  const kind = scanTarget(bytes, 0, bytes.length);
  if (kind === TargetKind.Invalid) return null;
  return kind === TargetKind.DotSegments ? removeDotSegments(path) : path;
}

function pathOnly(path: string): string {
  const q = path.indexOf("?");
  return q === -1 ? path : path.slice(0, q);
}
