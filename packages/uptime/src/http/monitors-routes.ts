import { type RouteGroup, serveRoute } from "@pier/http";
import type { UptimeService } from "../service.ts";
import { uptimeRoutes } from "./contract.ts";

/** `/api/v1/monitors`. Monitors are addressed by id or name. */
export function monitorsRoutes(group: RouteGroup, uptime: UptimeService): void {
  serveRoute(group, uptimeRoutes.listMonitors, async () => ({ monitors: await uptime.listMonitors() }));

  serveRoute(group, uptimeRoutes.createMonitor, async ({ body }) => {
    const row = await uptime.createMonitor(body);
    return { monitor: await uptime.view(row) };
  });

  serveRoute(group, uptimeRoutes.getMonitor, ({ params }) => uptime.stats(params.monitor));

  serveRoute(group, uptimeRoutes.updateMonitor, async ({ params, body }) => {
    // Validated by the contract as well as in the service: malformed JSON is a 400, never an empty patch.
    const row = await uptime.updateMonitor(params.monitor, body);
    return { monitor: await uptime.view(row) };
  });

  serveRoute(group, uptimeRoutes.deleteMonitor, async ({ params }) => {
    await uptime.deleteMonitor(params.monitor);
    return { deleted: true as const };
  });

  serveRoute(group, uptimeRoutes.checkMonitor, async ({ params }) => {
    const { result, monitor } = await uptime.checkNow(params.monitor);
    return { result, monitor: await uptime.view(monitor) };
  });

  serveRoute(group, uptimeRoutes.monitorLatency, ({ params, query }) =>
    uptime.latencySeries(params.monitor, query.period),
  );

  serveRoute(group, uptimeRoutes.listChecks, async ({ params, query }) => ({
    checks: await uptime.recentChecks(params.monitor, query.limit),
  }));
}

/** `/api/v1/incidents`. */
export function incidentsRoutes(group: RouteGroup, uptime: UptimeService): void {
  serveRoute(group, uptimeRoutes.listIncidents, async ({ query }) => {
    const open = query.open === undefined ? undefined : query.open === "true";
    return { incidents: await uptime.incidents({ monitor: query.monitor, open, limit: query.limit }) };
  });
}
