import { TRACKER_INJECT_HEADER } from "./edge/tracker-tag.ts";
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_UPSTREAM_TIMEOUT_MS } from "./proxy-defaults.ts";
import type { RouteSpec } from "./route-spec.ts";

/** One upstream origin, split once at build time so the hot path never parses a URL. */
export interface UpstreamTarget {
  origin: string;
  hostname: string;
  port: number;
}

/** A route as the hot path wants it: every default resolved, every derived string pre-built. */
export interface CompiledRoute {
  id: string;
  host: string;
  appId: string | null;
  pathPrefix: string;
  stripPrefix: boolean;
  upstreams: UpstreamTarget[];
  maxBodyBytes: number;
  redirectHttps: boolean;
  canonicalHost: string | null;
  maintenance: { message: string; healthPath: string | null } | null;
  upstreamTimeoutMs: number;
  connectTimeoutMs: number;
  injectTracker: boolean;
  /**
   * Header lines (each ending in CRLF) the proxy adds to every request it forwards to the route's
   * upstreams: the tracker request on routes with injectTracker, the workers' edge secret on routes
   * to pier's own console. Built once here, so forwarding adds no string per request.
   */
  forwardExtra: string;
  /** Held and woken instead of answered 503 (route-spec.ts). */
  sleeping: boolean;
  /** HTTP/2 by prior knowledge to the upstreams (gRPC) instead of pooled HTTP/1.1 (route-spec.ts). */
  h2c: boolean;
  /** Round-robin cursor. The one mutable field: each worker advances its own cloned copy. */
  rr: number;
}

/** Routes of one host, longest prefix first, so the first prefix that matches wins. */
export type HostRoutes = CompiledRoute[];

/**
 * An immutable, pre-indexed snapshot. Plain Maps and objects only: it crosses to workers by
 * structured clone and each worker swaps it in with one assignment.
 */
export interface RouteTable {
  version: number;
  exact: Map<string, HostRoutes>;
  /** Keyed by the suffix after "*." (e.g. "example.com"). */
  wildcard: Map<string, HostRoutes>;
  size: number;
}

export interface RouteMatch {
  route: CompiledRoute;
  /** Path (with query) to send upstream, after the optional prefix strip. */
  upstreamPath: string;
}

export class RouteConflictError extends Error {
  readonly code = "ROUTE_CONFLICT";
  constructor(host: string, pathPrefix: string, a: string, b: string) {
    super(
      `routes "${a}" and "${b}" both claim ${host}${pathPrefix}; remove one or give it another path prefix`,
    );
    this.name = "RouteConflictError";
  }
}

/**
 * Route ids key the deltas sent to workers, so they must be unique. A RouteConflictError (same
 * code) so that callers mapping ROUTE_CONFLICT to a 409 handle it without change.
 */
export class DuplicateRouteIdError extends RouteConflictError {
  constructor(id: string) {
    super("", "", id, id);
    this.message = `two routes have the id "${id}"; route ids must be unique within one publish`;
    this.name = "DuplicateRouteIdError";
  }
}

function compileUpstream(origin: string): UpstreamTarget {
  const rest = origin.slice("http://".length);
  const colon = rest.lastIndexOf(":");
  let hostname = rest.slice(0, colon);
  if (hostname.startsWith("[")) hostname = hostname.slice(1, -1);
  return { origin, hostname, port: Number(rest.slice(colon + 1)) };
}

function normalizePrefix(p: string | undefined): string {
  if (!p || p === "/") return "/";
  return p.endsWith("/") ? p.slice(0, -1) : p;
}

/** Who is pier's console to the workers, and the line that proves a forwarded request came from one. */
export interface ConsoleEdge {
  /** The console's origin (`http://127.0.0.1:7070`): routes with an upstream there are the console's. */
  origin: string;
  /** "x-pier-edge: <secret>\r\n" */
  line: string;
}

function forwardExtraOf(spec: RouteSpec, edge: ConsoleEdge | null): string {
  let extra = spec.injectTracker ? `${TRACKER_INJECT_HEADER}: tracker\r\n` : "";
  if (edge !== null && spec.upstreams.includes(edge.origin)) extra += edge.line;
  return extra;
}

export function compileRoute(spec: RouteSpec, edge: ConsoleEdge | null = null): CompiledRoute {
  return {
    id: spec.id,
    host: spec.host.toLowerCase(),
    appId: spec.appId ?? null,
    pathPrefix: normalizePrefix(spec.pathPrefix),
    stripPrefix: spec.stripPrefix ?? false,
    upstreams: spec.upstreams.map(compileUpstream),
    maxBodyBytes: spec.maxBodyBytes ?? Number.POSITIVE_INFINITY,
    redirectHttps: spec.redirectHttps ?? false,
    canonicalHost: spec.canonicalHost ? spec.canonicalHost.toLowerCase() : null,
    maintenance: spec.maintenance
      ? { message: spec.maintenance.message, healthPath: spec.maintenance.healthPath ?? null }
      : null,
    upstreamTimeoutMs: spec.upstreamTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS,
    connectTimeoutMs: spec.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    injectTracker: spec.injectTracker ?? false,
    forwardExtra: forwardExtraOf(spec, edge),
    sleeping: spec.sleeping === true,
    h2c: spec.upstreamProtocol === "h2c",
    rr: 0,
  };
}

function insert(index: Map<string, HostRoutes>, key: string, route: CompiledRoute): void {
  const list = index.get(key);
  if (!list) {
    index.set(key, [route]);
    return;
  }
  for (const other of list) {
    if (other.pathPrefix === route.pathPrefix) {
      throw new RouteConflictError(route.host, route.pathPrefix, other.id, route.id);
    }
  }
  list.push(route);
}

/** Pure. Expects specs already validated by routeSpecSchema (the API boundary does that once). */
export function buildRouteTable(
  routes: RouteSpec[],
  version: number,
  edge: ConsoleEdge | null = null,
): RouteTable {
  return indexRoutes(
    routes.map((spec) => compileRoute(spec, edge)),
    version,
  );
}

/** Indexes compiled routes into a new table; the route objects themselves are shared, not copied. */
export function indexRoutes(routes: Iterable<CompiledRoute>, version: number): RouteTable {
  const exact = new Map<string, HostRoutes>();
  const wildcard = new Map<string, HostRoutes>();
  let size = 0;
  for (const route of routes) {
    if (route.host.startsWith("*.")) insert(wildcard, route.host.slice(2), route);
    else insert(exact, route.host, route);
    size++;
  }
  const byPrefixLength = (a: CompiledRoute, b: CompiledRoute) => b.pathPrefix.length - a.pathPrefix.length;
  for (const list of exact.values()) if (list.length > 1) list.sort(byPrefixLength);
  for (const list of wildcard.values()) if (list.length > 1) list.sort(byPrefixLength);
  return { version, exact, wildcard, size };
}

/** Two routes claiming one host and path prefix: `kept` is served, `dropped` is left out. */
export interface RouteConflict {
  host: string;
  pathPrefix: string;
  kept: { id: string; appId: string | null };
  dropped: { id: string; appId: string | null };
  message: string;
}

/**
 * Pure. Leaves out every route that claims a host and prefix another route has, instead of
 * refusing the whole table: one bad route (a custom domain equal to another app's host, stored by
 * an older pier) must not take every other route down with it, nor stop pier from starting.
 * The winner is the route that was served before (`incumbents`: ids of the last published table),
 * so a publish never takes a host away from what serves it now; among newcomers the earlier in
 * `routes` wins (callers list an app's own generated hosts before custom domains). Duplicate ids
 * are a bug in the caller, not in stored data, and still throw.
 */
export function resolveRouteConflicts(
  routes: RouteSpec[],
  incumbents: ReadonlySet<string>,
): { routes: RouteSpec[]; conflicts: RouteConflict[] } {
  const ids = new Set<string>();
  for (const spec of routes) {
    if (ids.has(spec.id)) throw new DuplicateRouteIdError(spec.id);
    ids.add(spec.id);
  }
  // Incumbents claim first, whatever their position in the list.
  const ordered = [
    ...routes.filter((spec) => incumbents.has(spec.id)),
    ...routes.filter((spec) => !incumbents.has(spec.id)),
  ];
  const claims = new Map<string, RouteSpec>();
  const dropped = new Set<RouteSpec>();
  const conflicts: RouteConflict[] = [];
  for (const spec of ordered) {
    const key = `${spec.host} ${spec.pathPrefix}`;
    const winner = claims.get(key);
    if (winner === undefined) {
      claims.set(key, spec);
      continue;
    }
    dropped.add(spec);
    conflicts.push({
      host: spec.host,
      pathPrefix: spec.pathPrefix,
      kept: { id: winner.id, appId: winner.appId ?? null },
      dropped: { id: spec.id, appId: spec.appId ?? null },
      message: `routes "${winner.id}" and "${spec.id}" both claim ${spec.host}${spec.pathPrefix}; "${spec.id}" is left out until one of them is removed`,
    });
  }
  return { routes: dropped.size === 0 ? routes : routes.filter((spec) => !dropped.has(spec)), conflicts };
}

function removeFrom(index: Map<string, HostRoutes>, key: string, route: CompiledRoute): void {
  const list = index.get(key);
  if (list === undefined) return;
  const rest = list.filter((r) => r !== route);
  if (rest.length === 0) index.delete(key);
  else index.set(key, rest);
}

function addTo(index: Map<string, HostRoutes>, key: string, route: CompiledRoute): void {
  const list = index.get(key);
  if (list === undefined) {
    index.set(key, [route]);
    return;
  }
  const next = [...list, route];
  next.sort((a, b) => b.pathPrefix.length - a.pathPrefix.length);
  index.set(key, next);
}

/** Route objects of a table by id: what a delta needs to find the routes it replaces. */
export function routesById(table: RouteTable): Map<string, CompiledRoute> {
  const byId = new Map<string, CompiledRoute>();
  for (const list of table.exact.values()) for (const r of list) byId.set(r.id, r);
  for (const list of table.wildcard.values()) for (const r of list) byId.set(r.id, r);
  return byId;
}

/** Above this share of changed routes a new table is indexed instead of patching the live one. */
const REBUILD_RATIO = 0.25;

/**
 * Applies a delta: `upserts` replace routes with the same id (or add them), `removes` drops ids;
 * `byId` is updated to match. A small delta patches the live table in place; a large one indexes a
 * new table from the untouched route objects plus the new ones. Either way untouched routes keep
 * their objects (and round-robin cursors), and callers apply it inside one event-loop task, so no
 * request ever sees a half-applied table. Conflicts were rejected by the main thread before the
 * delta was sent. Returns the table to serve from.
 */
export function applyRouteDelta(
  table: RouteTable,
  byId: Map<string, CompiledRoute>,
  upserts: CompiledRoute[],
  removes: string[],
  version: number,
): RouteTable {
  if (upserts.length + removes.length > REBUILD_RATIO * Math.max(byId.size, 1)) {
    for (const id of removes) byId.delete(id);
    for (const route of upserts) byId.set(route.id, route);
    return indexRoutes(byId.values(), version);
  }
  const drop = (id: string) => {
    const old = byId.get(id);
    if (old === undefined) return;
    byId.delete(id);
    if (old.host.startsWith("*.")) removeFrom(table.wildcard, old.host.slice(2), old);
    else removeFrom(table.exact, old.host, old);
  };
  for (const id of removes) drop(id);
  for (const route of upserts) {
    drop(route.id);
    byId.set(route.id, route);
    if (route.host.startsWith("*.")) addTo(table.wildcard, route.host.slice(2), route);
    else addTo(table.exact, route.host, route);
  }
  table.version = version;
  table.size = byId.size;
  return table;
}

/** True when `path` is `prefix` itself or continues it at a segment or query boundary. */
function prefixMatches(prefix: string, path: string): boolean {
  if (prefix === "/") return true;
  if (!path.startsWith(prefix)) return false;
  if (path.length === prefix.length) return true;
  const next = path.charCodeAt(prefix.length);
  return next === 47 /* / */ || next === 63 /* ? */;
}

function findInList(list: HostRoutes | undefined, path: string): CompiledRoute | null {
  if (list === undefined) return null;
  for (let i = 0; i < list.length; i++) {
    const route = list[i]!;
    if (prefixMatches(route.pathPrefix, path)) return route;
  }
  return null;
}

/**
 * Hot-path lookup without allocation. `host` must be as normalizeHost leaves it. Exact hosts win
 * over wildcards; among wildcards the longest suffix wins (`*.a.example.com` over `*.example.com`).
 */
export function findRoute(table: RouteTable, host: string, path: string): CompiledRoute | null {
  const exact = findInList(table.exact.get(host), path);
  if (exact !== null) return exact;
  if (table.wildcard.size === 0) return null;
  let dot = host.indexOf(".");
  while (dot !== -1) {
    const hit = findInList(table.wildcard.get(host.slice(dot + 1)), path);
    if (hit !== null) return isLabelRun(host, dot) ? hit : null;
    dot = host.indexOf(".", dot + 1);
  }
  return null;
}

/**
 * Whether host[0, end) is DNS labels (letters, digits, `-`, `_`) joined by single dots: what a
 * wildcard may stand for. Anything else (`evil.example/`, `?`, `@`, an empty label) would make a
 * redirect or an absolute link built from the host point somewhere else.
 */
function isLabelRun(host: string, end: number): boolean {
  let previous = 46; /* . */
  for (let i = 0; i < end; i++) {
    const c = host.charCodeAt(i);
    if (c === 46) {
      if (previous === 46) return false;
    } else if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 95)) return false;
    previous = c;
  }
  return previous !== 46;
}

/** The path sent upstream: the prefix removed when the route strips it, always starting with "/". */
export function upstreamPathFor(route: CompiledRoute, path: string): string {
  if (!route.stripPrefix || route.pathPrefix === "/") return path;
  const rest = path.slice(route.pathPrefix.length);
  if (rest.length === 0) return "/";
  return rest.charCodeAt(0) === 63 /* ? */ ? `/${rest}` : rest;
}

/**
 * Lower-cases and drops the port and one trailing dot (`Example.com.:8080` -> `example.com`,
 * `[::1]:80` -> `[::1]`). `example.com.` is the absolute form of `example.com` (RFC 1034 3.1), the
 * same name, as nginx treats it; `example.com..` keeps a dot and so matches no route.
 */
export function normalizeHost(hostHeader: string): string {
  let end = hostHeader.length;
  if (hostHeader.charCodeAt(0) === 91 /* [ */) {
    end = hostHeader.indexOf("]") + 1 || end;
  } else {
    const colon = hostHeader.indexOf(":");
    if (colon !== -1) end = colon;
    if (hostHeader.charCodeAt(end - 1) === 46 /* . */) end--;
  }
  const host = end === hostHeader.length ? hostHeader : hostHeader.slice(0, end);
  return host.toLowerCase();
}

/** Pure. `path` includes the query string. */
export function matchRoute(table: RouteTable, host: string, path: string): RouteMatch | null {
  const route = findRoute(table, normalizeHost(host), path);
  return route === null ? null : { route, upstreamPath: upstreamPathFor(route, path) };
}
