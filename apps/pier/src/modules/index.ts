import type { PierModule } from "../platform/module.ts";
import { aiGatewayModule } from "./ai-gateway.ts";
import { analyticsModule } from "./analytics.ts";
import { certificatesModule } from "./certificates.ts";
import { dashboardModule } from "./dashboard.ts";
import { deployModule } from "./deploy.ts";
import { errorsModule } from "./errors.ts";
import { proxyStatusModule } from "./proxy-status.ts";
import { staticRoutesModule } from "./static-routes.ts";
import { uptimeModule } from "./uptime.ts";

/** Started in this order, stopped in reverse. One line per subsystem. */
export const modules: PierModule[] = [
  staticRoutesModule,
  certificatesModule,
  proxyStatusModule,
  deployModule,
  dashboardModule,
  analyticsModule,
  errorsModule,
  aiGatewayModule,
  uptimeModule,
];
