import type { PierRoute } from "@pier/contract";
import type { ClientInput, RouteOf } from "@pier/http/contract";
import { connectionFlags, pierApi, resolveConnection } from "./api-client.ts";
import { type Command, type ParsedArgs, UsageError } from "./command.ts";
import { notifyAddCommand, notifyDeleteCommand, notifyListCommand, notifyTestCommand } from "./notify.ts";
import {
  statusPagesCreateCommand,
  statusPagesDeleteCommand,
  statusPagesListCommand,
} from "./status-pages.ts";

type MonitorBody = ClientInput<RouteOf<PierRoute, "POST /api/v1/monitors">>["body"];

const json = { type: "boolean", help: "print JSON" } as const;
const name = [{ name: "NAME", required: true }];
const monitorParams = (args: ParsedArgs) => ({ params: { monitor: args.positionals[0]! } });
const str = (args: ParsedArgs, key: string) =>
  typeof args.flags[key] === "string" ? (args.flags[key] as string) : undefined;
const int = (args: ParsedArgs, key: string, command: Command) => {
  const raw = str(args, key);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new UsageError(`--${key} must be a whole number`, command);
  return value;
};
const duration = (ms: number) =>
  ms < 60_000
    ? `${Math.round(ms / 1000)}s`
    : ms < 3600_000
      ? `${Math.round(ms / 60_000)}m`
      : `${(ms / 3600_000).toFixed(1)}h`;

/** Flags → the API's monitor body; pure so the mapping is testable without a server. */
export function monitorBodyFromFlags(args: ParsedArgs, command: Command): MonitorBody {
  const url = args.positionals[1];
  const tcp = str(args, "tcp");
  if (!url === !tcp) throw new UsageError("give exactly one of a URL or --tcp HOST:PORT", command);
  const http: NonNullable<MonitorBody["http"]> = {};
  if (str(args, "expect-status")) http.expectedStatus = str(args, "expect-status");
  if (str(args, "keyword")) http.keyword = str(args, "keyword");
  if (args.flags["keyword-absent"]) http.keywordMode = "absent";
  if (int(args, "max-latency", command) !== undefined) http.maxLatencyMs = int(args, "max-latency", command);
  if (args.flags["no-follow-redirects"]) http.followRedirects = false;
  if (int(args, "tls-expiry-days", command) !== undefined)
    http.tlsExpiryDays = int(args, "tls-expiry-days", command);
  if (args.flags.insecure) http.ignoreTlsErrors = true;
  const header = str(args, "header");
  if (header) {
    const at = header.indexOf(":");
    if (at < 1) throw new UsageError('--header must look like "Name: value"', command);
    http.headers = { [header.slice(0, at).trim()]: header.slice(at + 1).trim() };
  }
  const body: MonitorBody = {
    name: args.positionals[0]!,
    kind: url ? "http" : "tcp",
    target: (url ?? tcp)!,
  };
  if (int(args, "interval", command) !== undefined) body.intervalSeconds = int(args, "interval", command);
  if (int(args, "timeout", command) !== undefined) body.timeoutMs = int(args, "timeout", command);
  if (int(args, "retries", command) !== undefined) body.retries = int(args, "retries", command);
  if (args.flags.paused) body.enabled = false;
  if (url && Object.keys(http).length) body.http = http;
  return body;
}

export const monitorsListCommand: Command = {
  name: "monitors list",
  summary: "List uptime monitors with their current state.",
  usage: "pier monitors list [--json]",
  flags: { json, ...connectionFlags },
  async run(args) {
    const { monitors } = await pierApi(resolveConnection(args)).call("GET /api/v1/monitors");
    if (args.flags.json) console.log(JSON.stringify(monitors, null, 2));
    else if (monitors.length === 0)
      console.log("No monitors yet. Add one with `pier monitors create NAME URL`.");
    else {
      const width = Math.max(4, ...monitors.map((m) => m.name.length));
      console.log(`${"NAME".padEnd(width)}  STATUS    LATENCY  TARGET`);
      for (const m of monitors) {
        const latency = m.lastLatencyMs === null ? "-" : `${m.lastLatencyMs}ms`;
        console.log(`${m.name.padEnd(width)}  ${m.status.padEnd(8)}  ${latency.padStart(7)}  ${m.target}`);
      }
    }
    return 0;
  },
};

export const monitorsCreateCommand: Command = {
  name: "monitors create",
  summary: "Create an HTTP(S) or TCP uptime monitor.",
  usage: "pier monitors create NAME (URL | --tcp HOST:PORT) [options]",
  positionals: [
    { name: "NAME", required: true },
    { name: "URL", required: false },
  ],
  flags: {
    tcp: { type: "string", value: "HOST:PORT", help: "TCP port to check instead" },
    interval: { type: "string", value: "SECONDS", help: "seconds between checks (default 60, minimum 10)" },
    timeout: { type: "string", value: "MS", help: "check timeout in ms (default 10000)" },
    retries: {
      type: "string",
      value: "N",
      help: "failed checks tolerated before an incident opens (default 1)",
    },
    "expect-status": {
      type: "string",
      value: "RANGE",
      help: 'healthy statuses, e.g. "200-299,401" (default 200-399)',
    },
    keyword: { type: "string", value: "TEXT", help: "the body must contain TEXT" },
    "keyword-absent": { type: "boolean", help: "the body must NOT contain --keyword" },
    "max-latency": { type: "string", value: "MS", help: "slower answers count as failures" },
    "no-follow-redirects": { type: "boolean", help: "judge the 3xx answer itself" },
    header: { type: "string", value: '"NAME: VALUE"', help: "send this request header (stored encrypted)" },
    "tls-expiry-days": {
      type: "string",
      value: "DAYS",
      help: "warn this long before the certificate expires (default 14, 0 = off)",
    },
    insecure: { type: "boolean", help: "accept invalid TLS certificates" },
    paused: { type: "boolean", help: "create it paused" },
    ...connectionFlags,
  },
  async run(args) {
    const body = monitorBodyFromFlags(args, monitorsCreateCommand);
    const { monitor } = await pierApi(resolveConnection(args)).call("POST /api/v1/monitors", { body });
    console.log(
      `Created monitor ${monitor.name} (${monitor.id}): ${monitor.target} every ${monitor.intervalSeconds}s.`,
    );
    return 0;
  },
};

export const monitorsShowCommand: Command = {
  name: "monitors show",
  summary: "Show a monitor: state, uptime %, response times and recent incidents.",
  usage: "pier monitors show NAME [--json]",
  positionals: name,
  flags: { json, ...connectionFlags },
  async run(args) {
    const api = pierApi(resolveConnection(args));
    const stats = await api.call("GET /api/v1/monitors/:monitor", monitorParams(args));
    const { incidents } = await api.call("GET /api/v1/incidents", {
      query: { monitor: stats.monitor.id, limit: 5 },
    });
    if (args.flags.json) {
      console.log(JSON.stringify({ ...stats, incidents }, null, 2));
      return 0;
    }
    const m = stats.monitor;
    const pct = (v: number | null | undefined) => (v === null || v === undefined ? "-" : `${v}%`);
    const ms = (v: number | null) => (v === null ? "-" : `${v}ms`);
    console.log(`${m.name}  ${m.status}  ${m.target}`);
    if (m.lastError) console.log(`last error: ${m.lastError}`);
    console.log(
      `uptime   24h ${pct(stats.uptime["24h"])}  7d ${pct(stats.uptime["7d"])}  30d ${pct(stats.uptime["30d"])}  90d ${pct(stats.uptime["90d"])}`,
    );
    const day = stats.latency["24h"];
    console.log(
      `latency  24h p50 ${ms(day.p50)}  p95 ${ms(day.p95)}  p99 ${ms(day.p99)}  (${day.samples} checks)`,
    );
    for (const i of incidents) {
      console.log(
        `incident ${i.open ? "OPEN    " : "resolved"}  ${i.startedAt}  ${duration(i.durationMs)}  ${i.reason}`,
      );
    }
    return 0;
  },
};

export const monitorsCheckCommand: Command = {
  name: "monitors check",
  summary: "Run a check now and print its result.",
  usage: "pier monitors check NAME",
  positionals: name,
  flags: { ...connectionFlags },
  async run(args) {
    const { result, monitor } = await pierApi(resolveConnection(args)).call(
      "POST /api/v1/monitors/:monitor/check",
      monitorParams(args),
    );
    const detail = result.ok ? `ok in ${result.latencyMs}ms` : `FAILED: ${result.error}`;
    console.log(`${monitor.name}: ${detail} (now ${monitor.status})`);
    return result.ok ? 0 : 1;
  },
};

function toggle(enabled: boolean): Command {
  const verb = enabled ? "resume" : "pause";
  return {
    name: `monitors ${verb}`,
    summary: enabled
      ? "Resume a paused monitor."
      : "Pause a monitor (app monitors stay paused across deploys).",
    usage: `pier monitors ${verb} NAME`,
    positionals: name,
    flags: { ...connectionFlags },
    async run(args) {
      await pierApi(resolveConnection(args)).call("PATCH /api/v1/monitors/:monitor", {
        ...monitorParams(args),
        body: { enabled },
      });
      console.log(`${enabled ? "Resumed" : "Paused"} ${args.positionals[0]}.`);
      return 0;
    },
  };
}
export const monitorsPauseCommand = toggle(false);
export const monitorsResumeCommand = toggle(true);

export const monitorsDeleteCommand: Command = {
  name: "monitors delete",
  summary: "Delete a monitor with its check history and incidents.",
  usage: "pier monitors delete NAME",
  positionals: name,
  flags: { ...connectionFlags },
  async run(args) {
    await pierApi(resolveConnection(args)).call("DELETE /api/v1/monitors/:monitor", monitorParams(args));
    console.log(`Deleted monitor ${args.positionals[0]}.`);
    return 0;
  },
};

export const monitorsIncidentsCommand: Command = {
  name: "monitors incidents",
  summary: "List incidents, newest first.",
  usage: "pier monitors incidents [--open] [--monitor NAME] [--json]",
  flags: {
    open: { type: "boolean", help: "only ongoing incidents" },
    monitor: { type: "string", value: "NAME", help: "only this monitor's" },
    json,
    ...connectionFlags,
  },
  async run(args) {
    const { incidents } = await pierApi(resolveConnection(args)).call("GET /api/v1/incidents", {
      query: { open: args.flags.open ? "true" : undefined, monitor: str(args, "monitor") },
    });
    if (args.flags.json) console.log(JSON.stringify(incidents, null, 2));
    else if (incidents.length === 0) console.log("No incidents.");
    else
      for (const i of incidents)
        console.log(
          `${i.open ? "OPEN    " : "resolved"}  ${i.monitorName ?? i.id}  ${i.startedAt}  ${duration(i.durationMs)}  ${i.reason}`,
        );
    return 0;
  },
};

/** Every uptime-related command, registered with one line in registry.ts. */
export const uptimeCommands: Command[] = [
  monitorsListCommand,
  monitorsCreateCommand,
  monitorsShowCommand,
  monitorsCheckCommand,
  monitorsPauseCommand,
  monitorsResumeCommand,
  monitorsDeleteCommand,
  monitorsIncidentsCommand,
  notifyAddCommand,
  notifyListCommand,
  notifyTestCommand,
  notifyDeleteCommand,
  statusPagesCreateCommand,
  statusPagesListCommand,
  statusPagesDeleteCommand,
];
