// What the analytics page asks the API, as pure functions (tested without a browser).
import type { PierRoute } from "@pier/contract";
import type { ClientOutput, RouteOf } from "@pier/http/contract";
import { showBidiControls } from "../../format.ts";

type Answer<K extends string> = ClientOutput<RouteOf<PierRoute, K>>;
export type Dashboard = Answer<"GET /api/v1/analytics/:site/dashboard">;
export type BreakdownRow = Dashboard["pages"][number];
export type SeriesPoint = Dashboard["timeseries"][number];
export type Vitals = Dashboard["vitals"];
export type FunnelResult = Answer<"POST /api/v1/analytics/:site/funnel">["funnel"];
export type SiteSettings = Answer<"GET /api/v1/analytics/:site/settings">["settings"];

export const dimensions = [
  "page",
  "entry",
  "exit",
  "source",
  "referrer",
  "channel",
  "utm_source",
  "utm_medium",
  "utm_campaign",
  "browser",
  "os",
  "device",
  "country",
] as const;
export type Dimension = (typeof dimensions)[number];

export const dimensionNames: Record<Dimension, string> = {
  page: "Page",
  entry: "Entry page",
  exit: "Exit page",
  source: "Source",
  referrer: "Referrer",
  channel: "Channel",
  utm_source: "UTM source",
  utm_medium: "UTM medium",
  utm_campaign: "UTM campaign",
  browser: "Browser",
  os: "OS",
  device: "Device",
  country: "Country",
};

/** The filters of the page: at most one value per dimension, applied to every panel. */
export type Filters = Partial<Record<Dimension, string>>;

export const periods = [
  ["24h", "last 24 hours"],
  ["7d", "last 7 days"],
  ["30d", "last 30 days"],
  ["90d", "last 90 days"],
  ["12mo", "last 12 months"],
] as const;
export type Period = (typeof periods)[number][0];

/** `filter.<dimension>=value` query parameters of the filters that are set. */
export function filterParams(filters: Filters): Partial<Record<`filter.${Dimension}`, string>> {
  const out: Partial<Record<`filter.${Dimension}`, string>> = {};
  for (const d of dimensions) {
    const value = filters[d];
    if (value !== undefined) out[`filter.${d}`] = value;
  }
  return out;
}

/** Filters with `dimension` set to `value`, or removed when it is set to that already (a toggle). */
export function toggleFilter(filters: Filters, dimension: Dimension, value: string): Filters {
  const next = { ...filters };
  if (next[dimension] === value) delete next[dimension];
  else next[dimension] = value;
  return next;
}

/** The period of the same length just before `range`: what the comparison lines show. */
export function previousRange(range: { from: number; to: number }): { from: number; to: number } {
  return { from: range.from - (range.to - range.from), to: range.from };
}

/**
 * The previous period's values laid on the current buckets, index by index (bucket i of the
 * previous period is the same hour or day of it as bucket i of the current one).
 */
export function alignPrevious(current: number, previous: (number | null)[]): (number | null)[] {
  return Array.from({ length: current }, (_, i) => previous[i] ?? null);
}

/** "/, /pricing, event:signup" → funnel steps; blanks dropped. */
export function parseFunnelSteps(text: string): ({ page: string } | { event: string })[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => (s.startsWith("event:") ? { event: s.slice(6).trim() } : { page: s }));
}

/** Visits lost between each step and the one before (the first step loses none). */
export function funnelDropOff(visits: number[]): { lost: number; share: number }[] {
  return visits.map((v, i) => {
    const before = i === 0 ? v : visits[i - 1]!;
    const lost = Math.max(0, before - v);
    return { lost, share: before ? lost / before : 0 };
  });
}

export const percent = (share: number, digits = 1) => `${(share * 100).toFixed(digits)} %`;

export function visitDuration(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** How a stored empty value reads ("unknown" browser, direct traffic…). */
export function valueLabel(dimension: Dimension, value: string): string {
  // Paths, referrers, UTM tags and user agents come from any visitor's beacon.
  if (value) return showBidiControls(value);
  if (dimension === "source" || dimension === "referrer") return "Direct / none";
  return "(unknown)";
}
