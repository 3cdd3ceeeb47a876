export {
  type AiGatewayCapability,
  type AnalyticsCapability,
  type AppRef,
  type AppRuntimeCapability,
  type AppUptime,
  type Capabilities,
  type ClusterCapability,
  type ClusterImageInput,
  type ClusterReplicaPlace,
  type ClusterReplicaRuntime,
  type ClusterReplicaSpec,
  type ClusterStartedReplica,
  type CronCapability,
  capabilityRegistry,
  type ErrorsCapability,
  type IngestGrant,
  type NotifyCapability,
  type OneOffOutcome,
  type ServicesCapability,
  type TracesCapability,
  type UptimeCapability,
} from "./capabilities.ts";
export type { PierContext, PierModule, RawHandler, StartedModule } from "./module.ts";
export {
  createPrimaryRole,
  holderIsGone,
  PRIMARY_LEASE,
  type PrimaryRole,
  type PrimaryRoleControl,
  type PrimaryWorkStop,
  primaryHolderId,
} from "./primary-role.ts";
export { internalConsoleUrl, startProxy } from "./proxy-service.ts";
export { RequestActivity } from "./request-activity.ts";
export { type RouteProvider, RouteRegistry } from "./route-registry.ts";
export { startCertificates } from "./tls-service.ts";
