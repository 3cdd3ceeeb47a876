/** Pure presentation logic: tested without a browser. */

// Type-only: erased from the browser bundle, which must never load server code.
import type { PierRoute } from "@pier/contract";
import type { ClientOutput, RouteOf } from "@pier/http/contract";

export type Tone = "ok" | "warn" | "bad" | "muted";

const inProgressStatuses = new Set([
  "queued",
  "pending",
  "building",
  "deploying",
  "starting",
  "rolling_out",
  "running_health_checks",
  "health_checking",
  "switching",
  "retrying",
]);
const okStatuses = new Set(["live", "succeeded", "success", "healthy", "active", "running", "issued", "up"]);
const badStatuses = new Set(["failed", "error", "crashed", "unhealthy", "timed_out", "down"]);

/**
 * The one vocabulary of statuses across the dashboard: what the API says (`rolled_back`,
 * `superseded`, `new`…) in the words a user reads. Unknown statuses are shown as words too.
 */
const statusWords: Record<string, string> = {
  live: "Live",
  deploying: "Deploying",
  queued: "Queued",
  building: "Building",
  starting: "Starting",
  switching: "Switching",
  health_checking: "Health check",
  failed: "Failed",
  crashed: "Crashed",
  sleeping: "Sleeping",
  cancelled: "Cancelled",
  canceled: "Cancelled",
  superseded: "Replaced",
  rolled_back: "Rolled back",
  new: "Not deployed",
  issued: "Issued",
  pending: "Pending",
  up: "Up",
  down: "Down",
  retrying: "Retrying",
  paused: "Paused",
  unknown: "Unknown",
};

export function statusLabel(status: string | null | undefined): string {
  if (!status) return "Not deployed";
  const known = statusWords[status];
  if (known) return known;
  const words = status.replaceAll("_", " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function isInProgress(status: string | null | undefined): boolean {
  return !!status && inProgressStatuses.has(status);
}

export function statusTone(status: string | null | undefined): Tone {
  if (!status) return "muted";
  if (okStatuses.has(status)) return "ok";
  if (badStatuses.has(status)) return "bad";
  if (inProgressStatuses.has(status)) return "warn";
  return "muted";
}

const byteUnits = ["B", "KB", "MB", "GB", "TB"];

/** 1536 -> "1.5 KB" (powers of 1024, one decimal under 10). */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return "–";
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < byteUnits.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 && unit > 0 ? value.toFixed(1) : Math.round(value)} ${byteUnits[unit]}`;
}

/** Uptime-style percentages: 100 %, 99.95 %, 97.3 %; "–" without data. */
export function formatPercent(value: number | null | undefined): string {
  if (value === null || value === undefined) return "–";
  if (value >= 100) return "100 %";
  return `${value >= 99 ? value.toFixed(2) : value.toFixed(1)} %`;
}

/** 1234 -> "1.2k", 1500000 -> "1.5M": compact counts for narrow columns. */
export function compactNumber(value: number): string {
  if (value < 1000) return String(Math.round(value));
  if (value < 1_000_000) return `${(value / 1000).toFixed(value < 10_000 ? 1 : 0)}k`;
  return `${(value / 1_000_000).toFixed(1)}M`;
}

function toDate(value: string | number | Date | null | undefined): Date | null {
  if (value === null || value === undefined || value === "") return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

export function relativeTime(value: string | number | Date | null | undefined, now = Date.now()): string {
  const date = toDate(value);
  if (!date) return "never";
  const seconds = Math.round((now - date.getTime()) / 1000);
  if (seconds < 5) return "just now";
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86400)} d ago`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds % 60)} s`;
}

/** Duration of a deployment; a running one counts up to now. */
export function deploymentDuration(
  createdAt: string | number | null | undefined,
  finishedAt: string | number | null | undefined,
  now = Date.now(),
): string {
  const start = toDate(createdAt);
  if (!start) return "–";
  const end = toDate(finishedAt)?.getTime() ?? now;
  return formatDuration(Math.max(0, end - start.getTime()));
}

export function shortSha(sha: string | null | undefined): string {
  return sha ? sha.slice(0, 7) : "–";
}

export interface DeployCommands {
  gitRemote: string;
  gitPush: string;
  cli: string;
}

/** The commands on a new app's page: the real console origin, the token left as a placeholder. */
export function deployCommands(origin: string, app: string, token = "TOKEN"): DeployCommands {
  const url = new URL(origin);
  return {
    gitRemote: `git remote add pier ${url.protocol}//x:${token}@${url.host}/git/${app}.git`,
    gitPush: "git push pier main",
    cli: `pier deploy --app ${app}`,
  };
}

type Percentile = "p50Ms" | "p95Ms" | "p99Ms";

type ApiMetricPoint = ClientOutput<RouteOf<PierRoute, "GET /api/v1/apps/:name/metrics">>["points"][number];

/**
 * One minute of GET /apps/:name/metrics (an ISO minute). The minutes fillMinutes adds have an
 * epoch-ms minute and no percentiles.
 */
export type MetricPoint = Omit<ApiMetricPoint, "minute" | Percentile> & {
  minute: string | number;
} & Record<Percentile, number | null>;

/**
 * The API returns only minutes that saw traffic; the chart needs every minute of the range so a
 * quiet hour looks quiet instead of one stretched bar.
 */
export function fillMinutes(points: MetricPoint[], minutes: number, now = Date.now()): MetricPoint[] {
  const minuteMs = 60_000;
  const end = Math.floor(now / minuteMs) * minuteMs;
  const start = end - (minutes - 1) * minuteMs;
  const byMinute = new Map<number, MetricPoint>();
  for (const point of points) {
    const at = Math.floor(new Date(point.minute).getTime() / minuteMs) * minuteMs;
    if (at >= start && at <= end) byMinute.set(at, point);
  }
  const filled: MetricPoint[] = [];
  for (let at = start; at <= end; at += minuteMs) {
    filled.push(
      byMinute.get(at) ?? {
        minute: at,
        requests: 0,
        status2xx: 0,
        status3xx: 0,
        status4xx: 0,
        status5xx: 0,
        p50Ms: null,
        p95Ms: null,
        p99Ms: null,
      },
    );
  }
  return filled;
}

export interface MetricSummary {
  requests: number;
  perMinute: number;
  errorRate: number;
  p95Ms: number | null;
}

export function summarizeMetrics(points: MetricPoint[]): MetricSummary {
  let requests = 0;
  let errors = 0;
  let p95: number | null = null;
  for (const point of points) {
    requests += point.requests;
    errors += point.status5xx;
    // The worst minute's p95 is what a user notices; a weighted mean would hide a spike.
    if (point.p95Ms !== null && point.p95Ms !== undefined) p95 = Math.max(p95 ?? 0, point.p95Ms);
  }
  return {
    requests,
    perMinute: points.length ? requests / points.length : 0,
    errorRate: requests ? errors / requests : 0,
    p95Ms: p95,
  };
}

/** Masked display for secret values: never the value, only that one is set. */
export function maskedValue(value: string | null | undefined, secret: boolean): string {
  if (!secret) return value ?? "";
  return "••••••••";
}

// Embedding and override controls (LRE, RLE, PDF, LRO, RLO), isolates (LRI, RLI, FSI, PDI) and the
// marks: in text from the outside (error titles, log lines) they would reverse what follows them.
const bidiControls = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text anyone can send (an error title, a log line) with its bidirectional controls shown as
 * `⟨U+202E⟩` instead of obeyed, so `‮exe.txt` cannot pass for `txt.exe`.
 */
export function showBidiControls(text: string): string {
  return text.replace(
    bidiControls,
    (c) => `⟨U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}⟩`,
  );
}
