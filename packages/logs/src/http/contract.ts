import { appNameSchema, defineRoutes, timestamp } from "@pier/http/contract";
import { z } from "zod";
import { levels } from "../level.ts";
import { parseTimeBound } from "./time-bound.ts";

export const logLineView = z.object({
  id: z.number().int(),
  ts: timestamp(),
  env: z.string(),
  release: z.string(),
  replica: z.string(),
  stream: z.enum(["stdout", "stderr", "otlp"]),
  level: z.enum(levels).nullable(),
  line: z.string(),
  /** OTLP attributes, trace and span ids. */
  attrs: z.record(z.string(), z.unknown()).nullable(),
});

const timeBound = z
  .string()
  .transform((value, ctx) => {
    const ms = parseTimeBound(value);
    if (ms === null) {
      ctx.addIssue({ code: "custom", message: "must be a duration like 15m, 1h, 7d, a date or epoch ms" });
      return z.NEVER;
    }
    return ms;
  })
  .optional();

const filters = z.object({
  since: timeBound,
  until: timeBound,
  grep: z.string().min(1).max(500).optional(),
  release: z.string().max(100).optional(),
  env: z.string().max(100).optional(),
  replica: z.string().max(200).optional(),
  stream: z.enum(["stdout", "stderr", "otlp"]).optional(),
  level: z.enum(levels, `must be one of ${levels.join(", ")}`).optional(),
});

const params = z.object({ name: appNameSchema });

/** Stored app logs: containers' stdout/stderr kept by pier, and OTLP log records. */
export const logsRoutes = defineRoutes({
  searchLogs: {
    method: "GET",
    path: "/api/v1/logs/:name",
    tag: "logs",
    access: "read",
    appScope: "name",
    summary:
      "Stored log lines of an app, newest first: ?since=1h&until=&grep=TEXT (case-insensitive substring)&level=error (and more severe)&release=&env=&replica=&stream=, limit 1 to 5000 (default 200), ?before=ID pages back",
    params,
    query: filters.extend({
      limit: z.coerce.number().int().min(1).max(5000).default(200),
      before: z.coerce.number().int().min(1).optional(),
    }),
    response: z.object({
      lines: z.array(logLineView),
      /** Pass as ?before= for the page before this one; null when this was the last. */
      before: z.number().int().nullable(),
    }),
  },
  tailLogs: {
    method: "GET",
    path: "/api/v1/logs/:name/tail",
    tag: "logs",
    access: "read",
    appScope: "name",
    summary:
      "Lines stored from now on (or after ?after=ID) as an event stream of `line` events, with the search's filters",
    params,
    query: filters.extend({ after: z.coerce.number().int().min(0).optional() }),
    produces: "text/event-stream",
  },
});
