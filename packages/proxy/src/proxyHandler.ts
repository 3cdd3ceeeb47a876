import type { Server } from "bun";
import { forwardWithFetch, isIdempotent } from "./fetchForward.ts";
import { buildRequestHead, type ForwardContext } from "./forwardHeaders.ts";
import {
  badGatewayPage,
  gatewayTimeoutPage,
  maintenancePage,
  notFoundPage,
  noUpstreamPage,
  payloadTooLargePage,
  redirect,
  unknownHostPage,
} from "./pages.ts";
import type { RequestRecord } from "./records.ts";
import {
  type CompiledRoute,
  findRoute,
  normalizeHost,
  type RouteTable,
  type UpstreamTarget,
  upstreamPathFor,
} from "./routeTable.ts";
import { UpstreamPool, UpstreamTimeoutError } from "./upstreamClient.ts";
import { UpstreamHealth } from "./upstreamHealth.ts";
import type { WebSocketData } from "./websocketProxy.ts";

const ACME_PREFIX = "/.well-known/acme-challenge/";
const PIER_PREFIX = "/_pier/";
const MAX_ATTEMPTS = 3;

/** Everything a worker's request handler reads; the fields are swapped whole, never mutated. */
export interface ProxyState {
  table: RouteTable;
  acme: Map<string, string>;
  internal: UpstreamTarget | null;
  httpsPort: number | null;
  httpPort: number;
  /** Unique per worker, prefix of generated request ids. */
  requestIdPrefix: string;
  record: (r: RequestRecord) => void;
}

type ProxyServer = Server<WebSocketData>;

export function createProxyHandler(state: ProxyState, tls: boolean) {
  const health = new UpstreamHealth();
  const pools = new Map<string, UpstreamPool>();
  const proto = tls ? "https" : "http";
  let requestCounter = 0;

  function poolFor(target: UpstreamTarget): UpstreamPool {
    let pool = pools.get(target.origin);
    if (pool === undefined) {
      pool = new UpstreamPool(target);
      pools.set(target.origin, pool);
    }
    return pool;
  }

  function portSuffix(toTls: boolean): string {
    const port = toTls ? state.httpsPort : state.httpPort;
    return port === null || port === (toTls ? 443 : 80) ? "" : `:${port}`;
  }

  async function forward(
    req: Request,
    server: ProxyServer,
    route: CompiledRoute,
    path: string,
    host: string,
    ctx: ForwardContext,
    started: number,
    pinned: UpstreamTarget | null,
  ): Promise<Response> {
    const method = req.method;
    const head =
      method === "GET" || method === "HEAD" ? buildRequestHead(method, path, req.headers, ctx) : null;
    const retryable = head !== null || (isIdempotent(method) && req.body === null);
    let exclude: UpstreamTarget | null = null;
    const attempts = pinned !== null ? 1 : Math.min(MAX_ATTEMPTS, route.upstreams.length);
    let lastError: Error | null = null;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const target: UpstreamTarget | null = pinned ?? health.pick(route, route.rr++, exclude);
      if (target === null) break;
      const record = (status: number, bytesOut: number) =>
        state.record({
          ts: Date.now(),
          host,
          routeId: route.id,
          appId: route.appId,
          status,
          durationMs: performance.now() - started,
          bytesIn: 0,
          bytesOut,
          upstream: target.origin,
        });
      try {
        const res =
          head !== null
            ? await poolFor(target).request(
                head,
                method === "HEAD",
                route.connectTimeoutMs,
                route.upstreamTimeoutMs,
                record,
              )
            : await forwardWithFetch(req, target, path, ctx, route, record);
        if (pinned === null) health.markHealthy(target.origin);
        if (res.headers.get("content-type")?.startsWith("text/event-stream")) server.timeout(req, 0);
        return res;
      } catch (err) {
        lastError = err as Error;
        const code = (err as { code?: string }).code;
        if (code === "BODY_TOO_LARGE")
          return finishLocal(payloadTooLargePage(route.maxBodyBytes, ctx.requestId));
        if (code === "UPSTREAM_CONNECT" && pinned === null) health.markFailed(target.origin);
        if (!(err as { retryable?: boolean }).retryable || !retryable) break;
        exclude = target;
      }
    }
    if (lastError === null) return finishLocal(noUpstreamPage(host, ctx.requestId));
    if (lastError instanceof UpstreamTimeoutError) {
      return finishLocal(gatewayTimeoutPage(host, lastError.timeoutMs, ctx.requestId));
    }
    return finishLocal(badGatewayPage(host, lastError.message, ctx.requestId));

    function finishLocal(res: Response): Response {
      state.record({
        ts: Date.now(),
        host,
        routeId: route.id,
        appId: route.appId,
        status: res.status,
        durationMs: performance.now() - started,
        bytesIn: 0,
        bytesOut: 0,
        upstream: null,
      });
      return res;
    }
  }

  return function handle(req: Request, server: ProxyServer): Response | Promise<Response> | undefined {
    const started = performance.now();
    const url = req.url;
    const slash = url.indexOf("/", 8);
    const path = slash === -1 ? "/" : url.slice(slash);
    const headers = req.headers;
    const hostHeader = headers.get("host") ?? "";
    const host = normalizeHost(hostHeader);
    const requestId =
      headers.get("x-request-id") ?? `${state.requestIdPrefix}${(requestCounter++).toString(36)}`;

    if (!tls && path.startsWith(ACME_PREFIX)) {
      const q = path.indexOf("?");
      const token = path.slice(ACME_PREFIX.length, q === -1 ? path.length : q);
      const answer = state.acme.get(token);
      if (answer !== undefined) return new Response(answer, { headers: { "content-type": "text/plain" } });
      return notFoundPage("No ACME challenge is pending for this token.", requestId);
    }

    const route = findRoute(state.table, host, path);
    if (route === null) {
      state.record({
        ts: Date.now(),
        host,
        routeId: null,
        appId: null,
        status: 404,
        durationMs: performance.now() - started,
        bytesIn: 0,
        bytesOut: 0,
        upstream: null,
      });
      return unknownHostPage(host, requestId);
    }
    if (route.redirectHttps && !tls) return redirect(`https://${host}${portSuffix(true)}${path}`);
    if (route.canonicalHost !== null && route.canonicalHost !== host) {
      return redirect(`${proto}://${route.canonicalHost}${portSuffix(tls)}${path}`);
    }

    const ip = server.requestIP(req);
    const ctx: ForwardContext = {
      hostHeader,
      clientIp: ip === null ? "" : ip.address,
      proto,
      requestId,
      pierHost: null,
      pierApp: null,
    };

    if (path.startsWith(PIER_PREFIX) && state.internal !== null) {
      ctx.pierHost = host;
      ctx.pierApp = route.appId;
      return forward(req, server, route, path, host, ctx, started, state.internal);
    }

    if (route.maintenance !== null) {
      const q = path.indexOf("?");
      const bare = q === -1 ? path : path.slice(0, q);
      if (route.maintenance.healthPath !== bare) return maintenancePage(route.maintenance.message, requestId);
    }

    const upstreamPath = upstreamPathFor(route, path);

    if (route.maxBodyBytes !== Number.POSITIVE_INFINITY) {
      const length = headers.get("content-length");
      if (length !== null && Number(length) > route.maxBodyBytes) {
        return payloadTooLargePage(route.maxBodyBytes, requestId);
      }
    }

    if (headers.get("upgrade")?.toLowerCase() === "websocket") {
      const target = health.pick(route, route.rr++, null);
      if (target === null) return noUpstreamPage(host, requestId);
      const protocols = headers.get("sec-websocket-protocol");
      const upgraded = server.upgrade(req, {
        data: { target, path: upstreamPath, ctx, headers: req.headers, upstream: null, queue: [] },
        headers: protocols ? { "sec-websocket-protocol": protocols.split(",")[0]!.trim() } : undefined,
      });
      return upgraded ? undefined : badGatewayPage(host, "WebSocket upgrade failed", requestId);
    }

    return forward(req, server, route, upstreamPath, host, ctx, started, null);
  };
}
