export { createApi } from "./app.ts";
export { seedAdminToken } from "./bootstrap.ts";
export { certificatePort } from "./certificate-port.ts";
export type { ApiDeps, CertificatePort, RoutePublisher } from "./context.ts";
export { apiModule } from "./module.ts";
export { type CreateRouteBody, createRouteBody, hostSchema } from "./schemas.ts";
export { openSetupGate, type SetupGate, setupCodePath } from "./setup-code.ts";
