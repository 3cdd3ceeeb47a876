import type { ApiEnv } from "@pier/api";
import { NotFoundError } from "@pier/core";
import type { Database } from "@pier/db";
import { sql } from "drizzle-orm";
import { type Context, Hono } from "hono";

/**
 * Runs `load` once, on the first call, and hands every caller the same result. A failed load is
 * not cached: the next call tries again (a subsystem that could not start must not stay broken).
 */
export function once<T>(load: () => Promise<T>): Once<T> {
  let pending: Promise<T> | undefined;
  const get = () => {
    pending ??= load().catch((error) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
  return Object.assign(get, { started: () => pending });
}

export interface Once<T> {
  (): Promise<T>;
  /** The load already asked for, if any: stopping must not load what never ran. */
  started(): Promise<T> | undefined;
}

/** The console's context of the request being handed to a lazily built sub-app. */
const outerContexts = new WeakMap<Request, Context<ApiEnv>>();

/**
 * `console.route(prefix, subApp)` for a sub-app that is built on the first request under `prefix`,
 * so a subsystem nobody uses costs nothing at idle. The sub-app sees what a mounted one sees: the
 * full path, the console's variables (request id, principal) and its errors and 404s go to the
 * console's error handler.
 */
export function lazyRoute(console: Hono<ApiEnv>, prefix: string, build: () => Promise<Hono<ApiEnv>>): void {
  const mounted = once(async () => {
    const app = new Hono<ApiEnv>();
    app.use("*", async (c, next) => {
      const outer = outerContexts.get(c.req.raw);
      if (outer) {
        for (const [key, value] of Object.entries(outer.var)) c.set(key as keyof ApiEnv["Variables"], value);
      }
      await next();
    });
    app.route(prefix, await build());
    app.notFound((c) => {
      throw new NotFoundError("Route", `${c.req.method} ${c.req.path}`);
    });
    app.onError((error) => {
      throw error;
    });
    return app;
  });
  const handler = async (c: Context<ApiEnv>) => {
    const app = await mounted();
    outerContexts.set(c.req.raw, c);
    return app.fetch(c.req.raw, c.env);
  };
  console.all(prefix, handler);
  console.all(`${prefix}/*`, handler);
}

/**
 * Whether `table` has any row: how a subsystem decides at start whether it has work to resume
 * (monitors to schedule, releases to reconcile) before loading its code.
 */
export async function hasRows(database: Database, table: string): Promise<boolean> {
  const query = sql`select 1 from ${sql.identifier(table)} limit 1`;
  if (database.dialect === "sqlite") return database.db.all(query).length > 0;
  const db = database.db as unknown as { execute(q: typeof query): Promise<unknown[] | { rows: unknown[] }> };
  const result = await db.execute(query);
  return (Array.isArray(result) ? result : result.rows).length > 0;
}
