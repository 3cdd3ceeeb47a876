// Browser-safe: the dashboard bundles this file, so it imports route types only, never zod.
import type { ClientInput, ClientOutput, RouteDef, RouteKey, RouteOf } from "../contract/route.ts";

/** One request as the client builds it; a transport sends it (fetch with a token, or with a cookie). */
export interface ApiCall {
  method: string;
  /** The path with parameters filled in and the query string appended. */
  path: string;
  body?: unknown;
}

export type Transport = (call: ApiCall) => Promise<unknown>;

/**
 * A client of every route in `R`: `api.call("GET /api/v1/apps/:name", { params: { name } })`
 * answers with the route's response type. The route key carries method and path, so no contract
 * object is needed at run time.
 */
export interface ApiClient<R extends RouteDef> {
  call<K extends RouteKey<R>>(
    key: K,
    ...input: OptionalIfEmpty<ClientInput<RouteOf<R, K>>>
  ): Promise<ClientOutput<RouteOf<R, K>>>;
}

/** Callers may leave the input out when nothing in it is required. */
type OptionalIfEmpty<I> = Partial<I> extends I ? [input?: I] : [input: I];

/** Fills `:name` parameters (percent-encoded) and appends the query, skipping undefined values. */
export function buildPath(
  template: string,
  params: Record<string, string> | undefined,
  query: Record<string, unknown> | undefined,
): string {
  const path = template.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new Error(`missing path parameter "${name}" for ${template}`);
    return encodeURIComponent(value);
  });
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) search.append(key, String(item));
  }
  const qs = search.toString();
  return qs ? `${path}?${qs}` : path;
}

export function createApiClient<R extends RouteDef>(transport: Transport): ApiClient<R> {
  return {
    call(key, ...rest) {
      const input = (rest[0] ?? {}) as {
        params?: Record<string, string>;
        query?: Record<string, unknown>;
        body?: unknown;
      };
      const space = key.indexOf(" ");
      const method = key.slice(0, space);
      const path = buildPath(key.slice(space + 1), input.params, input.query);
      return transport({ method, path, body: input.body }) as never;
    },
  };
}
