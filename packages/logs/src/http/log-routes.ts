import type { Stores } from "@pier/db";
import {
  type ApiEnv,
  findAppOr404,
  keepOpen,
  routeGroup,
  serveRoute,
  sseResponse,
  streamSource,
} from "@pier/http";
import type { Hono, MiddlewareHandler } from "hono";
import type { StoredLogRecord } from "../log-record.ts";
import type { LogQuery } from "../store/log-query.ts";
import type { SqliteLogStore } from "../store/sqlite-store.ts";
import { logsRoutes } from "./contract.ts";

export const logsPrefix = "/api/v1/logs";

export function presentLine(line: StoredLogRecord) {
  let attrs: Record<string, unknown> | null = null;
  if (line.attrs) {
    try {
      attrs = JSON.parse(line.attrs) as Record<string, unknown>;
    } catch {
      attrs = null;
    }
  }
  return {
    id: line.id,
    ts: new Date(line.ts).toISOString(),
    env: line.env,
    release: line.release,
    replica: line.replica,
    stream: line.stream,
    level: line.level,
    line: line.line,
    attrs,
  };
}

const tailPollMs = 1000;
const tailBatch = 1000;

export function createLogRoutes(deps: {
  stores: Stores;
  store: SqliteLogStore;
  authenticate: MiddlewareHandler<ApiEnv>;
}): Hono<ApiEnv> {
  const group = routeGroup(logsPrefix, deps.authenticate);

  serveRoute(group, logsRoutes.searchLogs, async ({ params, query }) => {
    const app = await findAppOr404(deps.stores, params.name);
    const { before, limit, ...filters } = query;
    const lines = deps.store.search({ ...filters, app: app.name, beforeId: before, limit });
    return {
      lines: lines.map(presentLine),
      before: lines.length === limit ? (lines.at(-1)?.id ?? null) : null,
    };
  });

  serveRoute(group, logsRoutes.tailLogs, async ({ params, query }, c) => {
    const app = await findAppOr404(deps.stores, params.name);
    const { after, ...filters } = query;
    keepOpen(c.env, c.req.raw);
    let last = after ?? deps.store.lastId();
    const q: Omit<LogQuery, "afterId" | "limit"> = { ...filters, app: app.name };
    return sseResponse(streamSource(c), async (send, closed) => {
      // Woken by each stored batch; the poll covers a pier beside this one writing the same file.
      let wake: (() => void) | null = null;
      const unsubscribe = deps.store.onInsert(() => wake?.());
      try {
        while (!closed.aborted) {
          const lines = deps.store.search({ ...q, afterId: last, limit: tailBatch });
          for (const line of lines) send("line", JSON.stringify(presentLine(line)));
          if (lines.length > 0) last = lines.at(-1)!.id;
          if (lines.length === tailBatch) continue;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(done, tailPollMs);
            function done() {
              clearTimeout(timer);
              wake = null;
              closed.removeEventListener("abort", done);
              resolve();
            }
            wake = done;
            closed.addEventListener("abort", done, { once: true });
          });
        }
      } finally {
        unsubscribe();
      }
    });
  });

  return group.app;
}
