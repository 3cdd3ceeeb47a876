import { type ApiEnv, readBody, requireScope } from "@pier/http";
import { Hono, type MiddlewareHandler } from "hono";
import { z } from "zod";
import type { MonitorInput } from "../monitor.ts";
import { monitorInputSchema, monitorPatchSchema } from "../monitor.ts";
import type { UptimeService } from "../service.ts";

const incidentQuery = z.object({
  monitor: z.string().optional(),
  open: z.enum(["true", "false"]).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

/** `/api/v1/monitors` and `/api/v1/incidents`. Monitors are addressed by id or name. */
export function monitorsApi(uptime: UptimeService, auth: MiddlewareHandler<ApiEnv>) {
  const monitors = new Hono<ApiEnv>();
  monitors.use("*", auth);
  monitors.get("/", requireScope("read"), async (c) => c.json({ monitors: await uptime.listMonitors() }));
  monitors.post("/", requireScope("write"), async (c) => {
    const body = (await readBody(c, monitorInputSchema)) as MonitorInput;
    const row = await uptime.createMonitor(body);
    return c.json({ monitor: await uptime.view(row) }, 201);
  });
  monitors.get("/:monitor", requireScope("read"), async (c) => {
    return c.json(await uptime.stats(c.req.param("monitor")));
  });
  monitors.patch("/:monitor", requireScope("write"), async (c) => {
    // Validated here as well as in the service: malformed JSON is a 400, never an empty patch.
    const body = await readBody(c, monitorPatchSchema);
    const row = await uptime.updateMonitor(c.req.param("monitor"), body);
    return c.json({ monitor: await uptime.view(row) });
  });
  monitors.delete("/:monitor", requireScope("write"), async (c) => {
    await uptime.deleteMonitor(c.req.param("monitor"));
    return c.json({ deleted: true });
  });
  monitors.post("/:monitor/check", requireScope("write"), async (c) => {
    const { result, monitor } = await uptime.checkNow(c.req.param("monitor"));
    return c.json({ result, monitor: await uptime.view(monitor) });
  });
  monitors.get("/:monitor/checks", requireScope("read"), async (c) => {
    const limit = z.coerce.number().int().min(1).max(1000).default(100).parse(c.req.query("limit"));
    return c.json({ checks: await uptime.recentChecks(c.req.param("monitor"), limit) });
  });

  const incidents = new Hono<ApiEnv>();
  incidents.use("*", auth);
  incidents.get("/", requireScope("read"), async (c) => {
    const query = incidentQuery.parse(c.req.query());
    const open = query.open === undefined ? undefined : query.open === "true";
    return c.json({
      incidents: await uptime.incidents({ monitor: query.monitor, open, limit: query.limit }),
    });
  });
  return { monitors, incidents };
}
