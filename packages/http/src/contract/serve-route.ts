import { ForbiddenError, PierError, ValidationError } from "@pier/core";
import { type Context, Hono, type MiddlewareHandler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import { assertAppAccess, requireScope } from "../authenticate.ts";
import { readBody } from "../body.ts";
import type { ApiEnv } from "../env.ts";
import { describeZodError } from "../error-response.ts";
import type { EventInput, RouteDef, RouteInput, RouteResult } from "./route.ts";

export type RouteHandler<D extends RouteDef> = (
  input: RouteInput<D>,
  c: Context<ApiEnv>,
) => Promise<RouteResult<D> | Response> | RouteResult<D> | Response;

/**
 * Set in tests (test/support starts pier with it): every JSON answer is checked against its
 * route's response schema, and a mismatch is a 500 naming the route, so a contract that drifted
 * from its handler fails the suite instead of surprising a client.
 */
const checkResponses = process.env.PIER_CHECK_RESPONSES === "1";

/**
 * A Hono app for a group of contract routes, mounted at `prefix` (`console.route(prefix, app)` or
 * `lazyRoute`), authenticated with `authenticate` where a route asks for it.
 */
export interface RouteGroup {
  app: Hono<ApiEnv>;
  prefix: string;
  authenticate: MiddlewareHandler<ApiEnv>;
}

export function routeGroup(prefix: string, authenticate: MiddlewareHandler<ApiEnv>): RouteGroup {
  return { app: new Hono<ApiEnv>(), prefix, authenticate };
}

/**
 * Registers `def` on `group` at its full path: authentication and the scope check from
 * `def.access`, then path parameters, query and JSON body validated into `input`, then the
 * handler's result answered as JSON with `def.status` (a Response passes through untouched).
 */
export function serveRoute<D extends RouteDef>(group: RouteGroup, def: D, handler: RouteHandler<D>): void {
  const guards: MiddlewareHandler<ApiEnv>[] = [];
  // A console-wide authentication in front of the group (or the console's context handed to a
  // lazily built group) has already found the principal: one token lookup per request is enough.
  if (def.access !== "public")
    guards.push((c, next) => (c.get("principal") ? next() : group.authenticate(c, next)));
  if (def.access !== "public" && def.access !== "self") guards.push(requireScope(def.access));
  if (def.access !== "public") guards.push(appScopeGuard(def));
  if (!def.path.startsWith(group.prefix))
    throw new Error(`${def.method} ${def.path} does not belong to a group mounted at ${group.prefix}`);
  const path = def.path.slice(group.prefix.length) || "/";
  group.app.on(def.method, [path], ...guards, async (c) => {
    const input = {
      params: def.params ? parseWith(def.params, c.req.param(), "path") : c.req.param(),
      query: def.query ? parseWith(def.query, c.req.query(), "query") : {},
      body: def.body ? await readBody(c, def.body, { optional: def.bodyOptional }) : undefined,
    } as RouteInput<D>;
    const result = await handler(input, c);
    if (result instanceof Response) return result;
    if (def.status === 204) return c.body(null, 204);
    if (checkResponses && def.response) {
      const checked = def.response.safeParse(result);
      if (!checked.success) {
        throw new PierError(
          "contract_violation",
          `${def.method} ${def.path} answered outside its response schema: ${describeZodError(checked.error)}`,
          500,
        );
      }
    }
    return c.json(result as object, (def.status ?? 200) as ContentfulStatusCode);
  });
}

/**
 * The `data` of the event `name` of a streaming route, as JSON. With PIER_CHECK_RESPONSES it is
 * checked against the route's event schema first and a mismatch throws (ending the stream), so an
 * event that drifted from its contract fails the suite the way a JSON answer does.
 */
export function eventData<D extends RouteDef, E extends string>(
  def: D,
  name: E,
  data: EventInput<D, E>,
): string {
  const schema = def.events?.[name];
  if (!schema) throw new Error(`${def.method} ${def.path} has no event "${name}" in its contract`);
  if (checkResponses) {
    const checked = schema.safeParse(data);
    if (!checked.success) {
      throw new PierError(
        "contract_violation",
        `${def.method} ${def.path} sent a "${name}" event outside its schema: ${describeZodError(checked.error)}`,
        500,
      );
    }
  }
  return JSON.stringify(data);
}

/** Routes an app-limited token may call: its apps' own routes, and those whose handler checks. */
function appScopeGuard(def: RouteDef): MiddlewareHandler<ApiEnv> {
  const scope = def.appScope ?? (def.path.startsWith("/api/v1/apps/:name") ? "name" : undefined);
  return async (c, next) => {
    const principal = c.get("principal");
    if (principal.kind === "token" && principal.apps && scope !== "handler") {
      if (scope === "name") assertAppAccess(principal, c.req.param("name") ?? "");
      else if (def.access !== "self") {
        throw new ForbiddenError(
          `This token is limited to the app${principal.apps.length === 1 ? "" : "s"} ${principal.apps.join(", ")}; ${def.method} ${def.path} needs a token for the whole platform.`,
        );
      }
    }
    return next();
  };
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ValidationError(`Invalid ${where}: ${describeZodError(parsed.error)}`);
  return parsed.data;
}
