import { cpus, homedir } from "node:os";
import { join } from "node:path";
import { z } from "zod";

const port = z.coerce.number({ error: "must be a number" }).int().min(0).max(65535);

/** "10s", "500ms", "2m" or a bare number of seconds, as milliseconds (at least 1 ms, at most a day). */
const duration = z.preprocess(
  (v) => {
    if (typeof v === "number") return v * 1000;
    const match = typeof v === "string" ? /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(v) : null;
    if (!match) return v;
    return Math.round(
      Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[(match[2] ?? "s") as "ms" | "s" | "m"],
    );
  },
  z
    .number("must be a duration like 10s, 500ms or 2m")
    .int()
    .min(1, "must be at least 1ms")
    .max(86_400_000, "must be at most a day"),
);

/** Each option of `pier serve`: its flag, its environment variable, its schema and default. One table, so
 * the flag parser, `--help`, `--print-config` and the env loader can never disagree. */
export interface ServeOption {
  flag: string;
  env: string;
  schema: z.ZodType;
  help: string;
  secret?: boolean;
  defaultValue: () => unknown;
}

function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

export const serveOptions = {
  dataDir: {
    flag: "data-dir",
    env: "PIER_DATA_DIR",
    schema: z.string().min(1),
    help: "where pier keeps its database, keys, certificates and builds",
    defaultValue: () => (isRoot() ? "/var/lib/pier" : join(homedir(), ".pier")),
  },
  host: {
    flag: "host",
    env: "PIER_HOST",
    schema: z.string().min(1),
    help: "address every listener binds to",
    defaultValue: () => "0.0.0.0",
  },
  consolePort: {
    flag: "console-port",
    env: "PIER_CONSOLE_PORT",
    schema: port,
    help: "port of the API, dashboard, git endpoint and ingest",
    defaultValue: () => 7070,
  },
  httpPort: {
    flag: "http-port",
    env: "PIER_HTTP_PORT",
    schema: port,
    help: "port of the proxy for plain HTTP",
    defaultValue: () => (isRoot() ? 80 : 8080),
  },
  httpsPort: {
    flag: "https-port",
    env: "PIER_HTTPS_PORT",
    schema: port,
    help: "port of the proxy for HTTPS",
    defaultValue: () => (isRoot() ? 443 : 8443),
  },
  proxyWorkers: {
    flag: "proxy-workers",
    env: "PIER_PROXY_WORKERS",
    schema: z.coerce.number({ error: "must be a number" }).int().min(0).max(256),
    help: "proxy worker threads (0 disables the proxy)",
    defaultValue: () => Math.max(1, cpus().length),
  },
  baseDomain: {
    flag: "base-domain",
    env: "PIER_BASE_DOMAIN",
    schema: z.string().min(1),
    help: "apps answer at APP.BASE_DOMAIN, previews at BRANCH--APP.BASE_DOMAIN",
    defaultValue: () => "localhost",
  },
  consoleHost: {
    flag: "console-host",
    env: "PIER_CONSOLE_HOST",
    schema: z
      .string()
      .regex(
        /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/i,
        "must be a host name, e.g. pier.example.com",
      )
      .transform((h) => h.toLowerCase())
      .optional(),
    help: "serve the console (API, dashboard, git) on the HTTPS port under this host name too, with a certificate like any app domain",
    defaultValue: () => undefined,
  },
  publicUrl: {
    flag: "public-url",
    env: "PIER_PUBLIC_URL",
    schema: z.url().optional(),
    help: "URL users reach the console at (shown in CLI hints and git output)",
    defaultValue: () => undefined,
  },
  databaseUrl: {
    flag: "database-url",
    env: "PIER_DATABASE_URL",
    schema: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL; leave it unset for the embedded SQLite")
      .optional(),
    help: "PostgreSQL URL for the control plane instead of the embedded SQLite",
    secret: true,
    defaultValue: () => undefined,
  },
  clickhouseUrl: {
    flag: "clickhouse-url",
    env: "PIER_CLICKHOUSE_URL",
    schema: z.url().optional(),
    help: "ClickHouse URL for analytics, request logs, errors and AI usage",
    secret: true,
    defaultValue: () => undefined,
  },
  adminToken: {
    flag: "admin-token",
    env: "PIER_ADMIN_TOKEN",
    schema: z.string().min(16, "must be at least 16 characters").optional(),
    help: "on first start, create an admin API token with this value",
    secret: true,
    defaultValue: () => undefined,
  },
  trustedProxies: {
    flag: "trusted-proxies",
    env: "PIER_TRUSTED_PROXIES",
    // A comma-separated list on the command line and in the environment; an array in code.
    schema: z.preprocess(
      (v) =>
        typeof v === "string"
          ? v
              .split(",")
              .map((part) => part.trim())
              .filter(Boolean)
          : v,
      z.array(
        z
          .string()
          .regex(
            /^[0-9a-fA-F.:]+(\/\d{1,3})?$/,
            "must be IP addresses or CIDR ranges, e.g. 10.0.0.0/8,192.168.1.5",
          ),
      ),
    ),
    help: "proxies in front of pier whose X-Forwarded-For is believed (IPs or CIDRs, comma-separated; default none)",
    defaultValue: () => [],
  },
  egressAllow: {
    flag: "egress-allow",
    env: "PIER_EGRESS_ALLOW",
    schema: z.preprocess(
      (v) =>
        typeof v === "string"
          ? v
              .split(",")
              .map((part) => part.trim())
              .filter(Boolean)
          : v,
      z.array(
        z
          .string()
          .regex(
            /^[0-9a-fA-F.:]+(\/\d{1,3})?$/,
            "must be IP addresses or CIDR ranges, e.g. 127.0.0.1,10.0.0.0/8",
          ),
      ),
    ),
    help: "addresses monitors, webhooks and AI providers may reach although refused by default (loopback, link-local, this machine); IPs or CIDRs, comma-separated",
    defaultValue: () => [],
  },
  errorsRetentionDays: {
    flag: "errors-retention-days",
    env: "PIER_ERRORS_RETENTION_DAYS",
    schema: z.coerce.number({ error: "must be a number" }).int().min(1, "must be at least 1 day").max(3650),
    help: "days error events (and issues not seen since) are kept",
    defaultValue: () => 30,
  },
  replayRetentionDays: {
    flag: "replay-retention-days",
    env: "PIER_REPLAY_RETENTION_DAYS",
    schema: z.coerce.number({ error: "must be a number" }).int().min(1, "must be at least 1 day").max(3650),
    help: "days session replays are kept after their last segment arrived",
    defaultValue: () => 14,
  },
  replayMaxMb: {
    flag: "replay-max-mb",
    env: "PIER_REPLAY_MAX_MB",
    schema: z.coerce
      .number({ error: "must be a number" })
      .int()
      .min(1, "must be at least 1 MB")
      .max(1024, "must be at most 1024 MB"),
    help: "MB of recording (compressed, as the SDK sends it) stored per session replay; later segments are dropped",
    defaultValue: () => 20,
  },
  errorsWriterThread: {
    flag: "errors-writer-thread",
    env: "PIER_ERRORS_WRITER_THREAD",
    // "0"/"1" and "true"/"false" as well, so existing environments that set it that way keep working.
    schema: z.preprocess(
      (v) => (v === "0" || v === "false" ? "off" : v === "1" || v === "true" ? "on" : v),
      z.enum(["on", "off"], "must be on or off"),
    ),
    help: "on: error events are parsed and stored in a writer thread; off: on the main thread",
    defaultValue: () => "on",
  },
  tracesRetentionDays: {
    flag: "traces-retention-days",
    env: "PIER_TRACES_RETENTION_DAYS",
    schema: z.coerce.number({ error: "must be a number" }).int().min(1, "must be at least 1 day").max(3650),
    help: "days trace spans (OTLP and Sentry transactions) are kept",
    defaultValue: () => 7,
  },
  headTimeoutMs: {
    flag: "head-timeout",
    env: "PIER_HEAD_TIMEOUT",
    schema: duration,
    help: "a client of the proxy that has not sent a whole request head by then gets a 408 and is closed (slowloris)",
    defaultValue: () => "10s",
  },
  bodyTimeoutMs: {
    flag: "body-timeout",
    env: "PIER_BODY_TIMEOUT",
    schema: duration,
    help: "a client of the proxy whose request body sends no byte for this long, before the answer starts, gets a 408 and is closed (like nginx's client_body_timeout)",
    defaultValue: () => "60s",
  },
  sendTimeoutMs: {
    flag: "send-timeout",
    env: "PIER_SEND_TIMEOUT",
    schema: duration,
    help: "a client of the proxy that takes no byte of an answer waiting for it for this long is cut, with the app connection behind it (like nginx's send_timeout)",
    defaultValue: () => "60s",
  },
  shutdownTimeoutMs: {
    flag: "shutdown-timeout",
    env: "PIER_SHUTDOWN_TIMEOUT",
    schema: duration,
    help: "on SIGTERM, how long requests in flight through the proxy and the console may take to finish before they are cut",
    defaultValue: () => "30s",
  },
  logsRetentionDays: {
    flag: "logs-retention-days",
    env: "PIER_LOGS_RETENTION_DAYS",
    schema: z.coerce.number({ error: "must be a number" }).int().min(1, "must be at least 1 day").max(3650),
    help: "days app log lines (containers' stdout/stderr and OTLP logs) are kept",
    defaultValue: () => 14,
  },
  logsMaxMb: {
    flag: "logs-max-mb",
    env: "PIER_LOGS_MAX_MB",
    schema: z.coerce
      .number({ error: "must be a number" })
      .int()
      .min(16, "must be at least 16 MB")
      .max(10_000_000),
    help: "size in MB the stored app log lines may take in logs.db; the oldest lines go first beyond it",
    defaultValue: () => 2048,
  },
  wakeTimeoutMs: {
    flag: "wake-timeout",
    env: "PIER_WAKE_TIMEOUT",
    schema: duration,
    help: "how long the proxy holds a request for a sleeping environment while it wakes, before a 503",
    defaultValue: () => "30s",
  },
  logLevel: {
    flag: "log-level",
    env: "PIER_LOG_LEVEL",
    schema: z.enum(["debug", "info", "warn", "error"]),
    help: "debug, info, warn or error",
    defaultValue: () => "info",
  },
  logFormat: {
    flag: "log-format",
    env: "PIER_LOG_FORMAT",
    schema: z.enum(["auto", "json", "pretty"]),
    help: "auto (JSON unless stderr is a terminal), json or pretty",
    defaultValue: () => "auto",
  },
} satisfies Record<string, ServeOption>;

export type ServeOptionKey = keyof typeof serveOptions;
