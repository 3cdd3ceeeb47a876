// Shapes of the uptime API as these pages read them, and the pure bits they share.
import type { PierRoute } from "@pier/contract";
import type { ClientOutput, RouteOf } from "@pier/http/contract";

type Answer<K extends string> = ClientOutput<RouteOf<PierRoute, K>>;
export type Monitor = Answer<"GET /api/v1/monitors">["monitors"][number];
export type MonitorStats = Answer<"GET /api/v1/monitors/:monitor">;
export type StatusPage = Answer<"GET /api/v1/status-pages">["statusPages"][number];

/** The status words of monitors everywhere in the dashboard, with their badge tone. */
export const monitorTones: Record<Monitor["status"], string> = {
  up: "ok",
  down: "bad",
  retrying: "warn",
  unknown: "muted",
  paused: "muted",
};

export const uptimeText = (percent: number | null) => (percent === null ? "–" : `${percent.toFixed(2)} %`);

/** A day's bar: green without failures, amber under 1 % failed checks, red above; grey unchecked. */
export function dayTone(day: { checks: number; failures: number }): "ok" | "warn" | "bad" | "none" {
  if (day.checks === 0) return "none";
  if (day.failures === 0) return "ok";
  return day.failures / day.checks < 0.01 ? "warn" : "bad";
}

/** The banner of a status page, as the public page words it (packages/uptime status-page/render.ts). */
export function statusBanner(statuses: Monitor["status"][]): { text: string; tone: string } {
  const live = statuses.filter((s) => s !== "paused");
  if (live.length === 0) return { text: "Status unknown", tone: "muted" };
  const down = live.filter((s) => s === "down").length;
  if (down === live.length) return { text: "Major outage", tone: "bad" };
  if (down > 0 || live.includes("retrying")) return { text: "Partial outage", tone: "warn" };
  return live.every((s) => s === "up")
    ? { text: "All systems operational", tone: "ok" }
    : { text: "Status unknown", tone: "muted" };
}
