export { createApi } from "./app.ts";
export { readBody, readParam } from "./body.ts";
export { seedAdminToken } from "./bootstrap.ts";
export type { ApiDeps, ApiEnv, CertificatePort, Principal, RoutePublisher } from "./context.ts";
export type { ErrorBody } from "./errors.ts";
export { authenticate, requireScope } from "./middleware/authenticate.ts";
export { rejectNulInUrl } from "./middleware/reject-nul.ts";
export { findAppOr404 } from "./routes/apps.ts";
export { appNameSchema, type CreateRouteBody, createRouteBody, hostSchema } from "./schemas.ts";
