export { createApi } from "./app.ts";
export { seedAdminToken } from "./bootstrap.ts";
export type { ApiDeps, ApiEnv, Principal, RoutePublisher } from "./context.ts";
export type { ErrorBody } from "./errors.ts";
export { appNameSchema, type CreateRouteBody, createRouteBody, hostSchema } from "./schemas.ts";
