import { connectionFlags, pierApi, resolveConnection } from "./api-client.ts";
import { type Command, intFlag, type ParsedArgs, UsageError } from "./command.ts";

const json = { type: "boolean", help: "print JSON" } as const;
const periods = ["1h", "6h", "24h", "7d"] as const;
const statuses = ["unset", "ok", "error"] as const;
const ownerFlags = {
  app: { type: "string", value: "APP", help: "spans sent with the app's project key" },
  service: { type: "string", value: "NAME", help: "one service (service.name)" },
  period: { type: "string", value: "P", help: "1h, 6h, 24h (default) or 7d" },
} as const;

function choice<T extends string>(args: ParsedArgs, name: string, allowed: readonly T[], command: Command) {
  const value = args.flags[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value))
    throw new UsageError(`--${name} is ${allowed.join(", ")}`, command);
  return value as T;
}

function text(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags[name];
  return typeof value === "string" ? value : undefined;
}

/** Milliseconds as a column: three significant places, never scientific. */
const ms = (value: number) => (value < 10 ? value.toFixed(2) : String(Math.round(value)));

export const tracesListCommand: Command = {
  name: "traces list",
  summary:
    "Requests (each service's entry span) newest or slowest first, filtered by route, duration and status.",
  usage:
    "pier traces list [--app APP] [--service NAME] [--route R] [--status error] [--min-ms N] [--slowest] [--json]",
  flags: {
    ...ownerFlags,
    route: { type: "string", value: "R", help: 'one route, e.g. "GET /users/:id"' },
    status: { type: "string", value: "S", help: "unset, ok or error" },
    "min-ms": { type: "string", value: "N", help: "at least N ms long" },
    slowest: { type: "boolean", help: "slowest first instead of newest" },
    limit: { type: "string", value: "N", help: "at most N (1-200, default 50)" },
    json,
    ...connectionFlags,
  },
  async run(args) {
    const minMs = intFlag(args, "min-ms", this, { min: 0, max: 86_400_000 });
    const limit = intFlag(args, "limit", this, { min: 1, max: 200 });
    const query = {
      app: text(args, "app"),
      service: text(args, "service"),
      route: text(args, "route"),
      status: choice(args, "status", statuses, this),
      period: choice(args, "period", periods, this),
      minDurationMs: minMs === undefined ? undefined : String(minMs),
      sort: args.flags.slowest ? ("slowest" as const) : undefined,
      limit: limit === undefined ? undefined : String(limit),
    };
    const { traces, total } = await pierApi(resolveConnection(args)).call("GET /api/v1/traces", { query });
    if (args.flags.json) {
      console.log(JSON.stringify(traces, null, 2));
      return 0;
    }
    if (traces.length === 0) {
      console.log(
        "No requests match. Traces come from OTLP exporters (/v1/traces) and Sentry SDKs with tracing.",
      );
      return 0;
    }
    console.log("TRACE ID                          DURATION ms  STATUS  SERVICE / ROUTE");
    for (const t of traces) {
      console.log(
        `${t.traceId}  ${ms(t.durationMs).padStart(11)}  ${t.status.padEnd(6)}  ${t.service}  ${t.route}`,
      );
    }
    if (total > traces.length) console.error(`${traces.length} of ${total}`);
    return 0;
  },
};

export const tracesRoutesCommand: Command = {
  name: "traces routes",
  summary: "Routes with their request and error counts and p50/p95/p99 in ms, slowest p95 first.",
  usage: "pier traces routes [--app APP] [--service NAME] [--period 1h|6h|24h|7d] [--json]",
  flags: { ...ownerFlags, json, ...connectionFlags },
  async run(args) {
    const query = {
      app: text(args, "app"),
      service: text(args, "service"),
      period: choice(args, "period", periods, this),
    };
    const stats = await pierApi(resolveConnection(args)).call("GET /api/v1/traces/routes", { query });
    if (args.flags.json) {
      console.log(JSON.stringify(stats, null, 2));
      return 0;
    }
    if (stats.routes.length === 0) {
      console.log(`No requests in the last ${stats.period}.`);
      return 0;
    }
    console.log("REQUESTS  ERRORS      p50      p95      p99  SERVICE / ROUTE");
    for (const r of stats.routes) {
      console.log(
        `${String(r.count).padStart(8)}  ${String(r.errors).padStart(6)}  ${ms(r.p50).padStart(7)}  ${ms(r.p95).padStart(7)}  ${ms(r.p99).padStart(7)}  ${r.service}  ${r.route}`,
      );
    }
    return 0;
  },
};

export const tracesShowCommand: Command = {
  name: "traces show",
  summary: "A trace's spans as a tree with their start offsets and durations in ms.",
  usage: "pier traces show TRACE_ID [--json]",
  positionals: [{ name: "TRACE_ID", required: true }],
  flags: { json, ...connectionFlags },
  async run(args) {
    const traceId = args.positionals[0]!.toLowerCase();
    if (!/^[0-9a-f]{32}$/.test(traceId)) throw new UsageError("TRACE_ID is 32 hex digits", this);
    const trace = await pierApi(resolveConnection(args)).call("GET /api/v1/traces/:traceId", {
      params: { traceId },
    });
    if (args.flags.json) {
      console.log(JSON.stringify(trace, null, 2));
      return 0;
    }
    const ids = new Set(trace.spans.map((s) => s.spanId));
    const start = Math.min(...trace.spans.map((s) => s.start));
    const children = new Map<string | null, typeof trace.spans>();
    for (const span of trace.spans) {
      const parent = span.parentSpanId && ids.has(span.parentSpanId) ? span.parentSpanId : null;
      children.set(parent, [...(children.get(parent) ?? []), span]);
    }
    const print = (parent: string | null, depth: number) => {
      for (const span of children.get(parent) ?? []) {
        const offset = ms(span.start - start).padStart(8);
        const mark = span.status === "error" ? " ✗" : "";
        console.log(
          `${offset} ${ms(span.durationMs).padStart(8)}  ${"  ".repeat(depth)}${span.service}: ${span.name}${mark}`,
        );
        print(span.spanId, depth + 1);
      }
    };
    console.log("   +ms       ms  SPAN");
    print(null, 0);
    for (const error of trace.errors)
      console.log(`error event ${error.eventId} (project ${error.projectId})`);
    return 0;
  },
};

export const tracesCommands = [tracesListCommand, tracesRoutesCommand, tracesShowCommand];
