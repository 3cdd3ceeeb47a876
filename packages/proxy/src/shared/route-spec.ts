import { z } from "zod";

/**
 * The route vocabulary, shared with the API (`@pier/proxy/spec`) so that a request body is
 * refused with the same rule and message the route table would apply later.
 */

const label = "(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)";
const hostPattern = new RegExp(`^(?:\\*\\.)?(?:${label}\\.)*${label}$`);

/** A DNS name, lower-cased, or `*.example.com` for a wildcard route. */
export const hostSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(hostPattern, "must be a host name like app.example.com (or *.example.com for a wildcard route)");

/** Upstreams are plain-HTTP origins without a path: HTTP/1.1 to local replicas, or h2c (upstreamProtocol). */
export const upstreamUrlSchema = z
  .string()
  .regex(
    /^http:\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/,
    "upstream must be http://HOST:PORT (plain HTTP, explicit port, no path), e.g. http://127.0.0.1:3000",
  );

/** Starts with "/"; a trailing slash is dropped so "/api/" and "/api" are one prefix. */
export const pathPrefixSchema = z
  .string()
  .startsWith("/", "pathPrefix must start with /")
  .transform((p) => (p.length > 1 && p.endsWith("/") ? p.slice(0, -1) : p));

export const upstreamProtocolSchema = z.enum(["http1", "h2c"]);
export type UpstreamProtocol = z.infer<typeof upstreamProtocolSchema>;

export const upstreamsRouteSpecSchema = z.object({
  kind: z.literal("upstreams"),
  id: z.string().min(1),
  host: hostSchema,
  pathPrefix: pathPrefixSchema.default("/"),
  stripPrefix: z.boolean().default(false),
  upstreams: z.array(upstreamUrlSchema),
  appId: z.string().min(1).optional(),
  maxBodyBytes: z.number().int().nonnegative().optional(),
  redirectHttps: z.boolean().default(false),
  canonicalHost: hostSchema.optional(),
  maintenance: z
    .object({ message: z.string(), healthPath: z.string().startsWith("/").optional() })
    .optional(),
  upstreamTimeoutMs: z.number().int().positive().optional(),
  connectTimeoutMs: z.number().int().positive().optional(),
  /** Add the analytics tracker tag to small uncompressed HTML answers (worker/tracker-inject.ts). */
  injectTracker: z.boolean().optional(),
  /**
   * A sleeping environment's route (no upstreams): requests are held while the pool's wake
   * handler starts it again (worker/wake-holds.ts), then forwarded to the woken release.
   */
  sleeping: z.literal(true).optional(),
  /**
   * How the proxy speaks to the upstreams: HTTP/1.1 on pooled keep-alive sockets (the default), or
   * `h2c`, HTTP/2 without TLS by prior knowledge, for apps that only speak HTTP/2 (gRPC). An h2c
   * route is reached by HTTP/2 clients (worker/h2/h2c-forward.ts); HTTP/1.1 clients get a 502.
   */
  upstreamProtocol: upstreamProtocolSchema.optional(),
});

/**
 * A route is a discriminated union on `kind` so that later kinds (a static site served from a
 * directory) slot in beside "upstreams"; `kind` may be omitted today and defaults to "upstreams".
 */
export const routeSpecSchema = z.preprocess(
  (v) => (v !== null && typeof v === "object" && !("kind" in v) ? { ...v, kind: "upstreams" } : v),
  z.discriminatedUnion("kind", [upstreamsRouteSpecSchema]),
);

export type RouteSpec = z.infer<typeof routeSpecSchema>;
export type RouteSpecInput = z.input<typeof routeSpecSchema>;

export { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_UPSTREAM_TIMEOUT_MS } from "./proxy-defaults.ts";
