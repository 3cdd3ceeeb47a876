import { aiRoutes } from "@pier/ai-gateway/contract";
import { analyticsRoutes } from "@pier/analytics/contract";
import { apiRoutes } from "@pier/api/contract";
import { backupRoutes } from "@pier/backup/contract";
import { clusterRoutes } from "@pier/cluster/contract";
import { cronRoutes } from "@pier/cron/contract";
import { deployRoutes } from "@pier/deploy/contract";
import { errorsRoutes } from "@pier/errors/contract";
import { openApiDocument } from "@pier/http";
import type { RoutesOf } from "@pier/http/contract";
import { logsRoutes } from "@pier/logs/contract";
import { servicesRoutes } from "@pier/services/contract";
import { tracesRoutes } from "@pier/traces/contract";
import { uptimeRoutes } from "@pier/uptime/contract";
import { metaRoutes } from "./meta-routes.ts";

/** Every route group of pier's API, by owning subsystem. */
export const routeGroups = {
  ai: aiRoutes,
  analytics: analyticsRoutes,
  api: apiRoutes,
  backup: backupRoutes,
  cluster: clusterRoutes,
  cron: cronRoutes,
  deploy: deployRoutes,
  errors: errorsRoutes,
  logs: logsRoutes,
  meta: metaRoutes,
  services: servicesRoutes,
  traces: tracesRoutes,
  uptime: uptimeRoutes,
} as const;

/** Any route of pier's API: what the CLI's and the dashboard's client are typed with. */
export type PierRoute =
  | RoutesOf<typeof aiRoutes>
  | RoutesOf<typeof analyticsRoutes>
  | RoutesOf<typeof apiRoutes>
  | RoutesOf<typeof backupRoutes>
  | RoutesOf<typeof clusterRoutes>
  | RoutesOf<typeof cronRoutes>
  | RoutesOf<typeof deployRoutes>
  | RoutesOf<typeof errorsRoutes>
  | RoutesOf<typeof logsRoutes>
  | RoutesOf<typeof metaRoutes>
  | RoutesOf<typeof servicesRoutes>
  | RoutesOf<typeof tracesRoutes>
  | RoutesOf<typeof uptimeRoutes>;

export function pierOpenApi(version: string): Record<string, unknown> {
  return openApiDocument(Object.values(routeGroups), {
    title: "pier",
    version,
    description:
      "The API of a pier server: `Authorization: Bearer TOKEN` (a token from `pier token create`) or the dashboard's session cookie with X-CSRF-Token on writes. Errors are `{error:{code,message}}`.",
  });
}
