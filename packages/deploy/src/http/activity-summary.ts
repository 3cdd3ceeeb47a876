import type { EventInput } from "@pier/http/contract";
import type { PierContext } from "@pier/platform";
import { bucketCounts, bucketMinutesFor } from "./app-activity.ts";
import type { deployRoutes } from "./contract.ts";

export type AppsActivity = EventInput<typeof deployRoutes.deployEvents, "activity">;

/**
 * Every app's last `hours`: requests per bucket, 5xx answers, its monitor's uptime and its error
 * events. What GET /api/v1/apps-activity answers and the deploy-events stream pushes.
 */
export async function summarizeAppsActivity(
  ctx: Pick<PierContext, "stores" | "capabilities">,
  hours: number,
  now = Date.now(),
): Promise<AppsActivity> {
  const { stores } = ctx;
  const since = new Date(now - hours * 3_600_000);
  const bucketMinutes = bucketMinutesFor(hours);
  const buckets = Math.ceil((hours * 60) / bucketMinutes);
  const apps = await stores.apps.list();
  const [minutes, uptime, errorEvents] = await Promise.all([
    stores.requestMetrics.countsSince(
      apps.map((a) => a.id),
      new Date(now - buckets * bucketMinutes * 60_000),
    ),
    // Other subsystems answer when they run; their absence (or failure) leaves a column empty.
    ctx.capabilities.uptime?.appSummaries?.(since).catch(() => []) ?? [],
    ctx.capabilities.errors?.eventCountsByApp?.(since).catch(() => null) ?? null,
  ]);
  return {
    hours,
    bucketMinutes,
    apps: apps.map((a) => {
      const mine = minutes.filter((m) => m.appKey === a.id);
      const recent = mine.filter((m) => m.minute >= since);
      const monitor = uptime.find((u) => u.appId === a.id);
      return {
        name: a.name,
        requests: bucketCounts(mine, buckets, bucketMinutes * 60_000, now),
        totalRequests: recent.reduce((sum, m) => sum + m.requests, 0),
        errors5xx: recent.reduce((sum, m) => sum + m.status5xx, 0),
        uptime: monitor?.uptime ?? null,
        monitor: monitor?.status ?? null,
        errorEvents: errorEvents ? (errorEvents.get(a.id) ?? 0) : null,
      };
    }),
  };
}
