import type { Database } from "../open.ts";
import { createAppStore } from "./apps.ts";
import { createDeploymentQueryStore } from "./deployment-queries.ts";
import { createDeploymentStore } from "./deployments.ts";
import { createDomainStore } from "./domains.ts";
import { createEnvVarStore } from "./env-vars.ts";
import { createEnvironmentStore } from "./environments.ts";
import { createLeaseStore } from "./leases.ts";
import { createRequestMetricStore } from "./request-metrics.ts";
import { createRouteStore } from "./routes.ts";
import { createSessionStore } from "./sessions.ts";
import { createSettingStore } from "./settings.ts";
import { createTokenStore } from "./tokens.ts";
import { createUserStore } from "./users.ts";

export function createStores(database: Database) {
  return {
    users: createUserStore(database),
    sessions: createSessionStore(database),
    tokens: createTokenStore(database),
    apps: createAppStore(database),
    domains: createDomainStore(database),
    routes: createRouteStore(database),
    deployments: createDeploymentStore(database),
    deploymentQueries: createDeploymentQueryStore(database),
    environments: createEnvironmentStore(database),
    envVars: createEnvVarStore(database),
    settings: createSettingStore(database),
    requestMetrics: createRequestMetricStore(database),
    leases: createLeaseStore(database),
  };
}

export type Stores = ReturnType<typeof createStores>;
