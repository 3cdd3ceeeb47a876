export {
  type AiGatewayCapability,
  type AnalyticsCapability,
  type AppRef,
  type Capabilities,
  capabilityRegistry,
  type ErrorsCapability,
  type NotifyCapability,
  type UptimeCapability,
} from "./capabilities.ts";
export type { PierContext, PierModule, RawHandler, StartedModule } from "./module.ts";
export { internalConsoleUrl, startProxy } from "./proxy-service.ts";
export { type RouteProvider, RouteRegistry } from "./route-registry.ts";
export { startCertificates } from "./tls-service.ts";
