import { aiGatewayModule } from "@pier/ai-gateway";
import { analyticsModule } from "@pier/analytics";
import { apiModule } from "@pier/api";
import { backupModule } from "@pier/backup";
import { clusterModule } from "@pier/cluster";
import { cronModule } from "@pier/cron";
import { dashboardModule } from "@pier/dashboard";
import { deployModule } from "@pier/deploy";
import { errorsModule } from "@pier/errors";
import { logsModule } from "@pier/logs";
import type { PierModule } from "@pier/platform";
import { servicesModule } from "@pier/services";
import { tracesModule } from "@pier/traces";
import { uptimeModule } from "@pier/uptime";
import { openApiModule } from "./openapi-module.ts";

/** Started in this order, stopped in reverse. One line per subsystem. */
export const modules: PierModule[] = [
  apiModule,
  // Before deploy: the engine's reconcile adopts the cluster's replicas through its capability.
  // The capabilities of later modules (services, errors, AI gateway) reach replicas started during
  // deploy's start because the engine waits for ctx.modulesStarted before reading env and networks.
  clusterModule,
  deployModule,
  dashboardModule,
  analyticsModule,
  errorsModule,
  tracesModule,
  logsModule,
  aiGatewayModule,
  uptimeModule,
  servicesModule,
  backupModule,
  cronModule,
  openApiModule,
];
