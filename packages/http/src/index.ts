export { findAppOr404 } from "./app-name.ts";
export {
  type AuthDeps,
  assertAppAccess,
  authenticate,
  CsrfFailedError,
  isHttps,
  requireScope,
  sessionIdOf,
} from "./authenticate.ts";
export { readBody, readParam } from "./body.ts";
export {
  clientAddress,
  EDGE_SECRET_HEADER,
  type OriginOf,
  peerAddress,
  type RequestOrigin,
  requestOrigins,
  resolveClientAddress,
  type TrustedProxies,
  trustedProxies,
} from "./client-address.ts";
export { appNameSchema } from "./contract/app-name.ts";
export { openApiDocument, openApiPath } from "./contract/openapi.ts";
export {
  eventData,
  type RouteGroup,
  type RouteHandler,
  routeGroup,
  serveRoute,
} from "./contract/serve-route.ts";
export type { ApiEnv, Principal } from "./env.ts";
export {
  describeZodError,
  type ErrorBody,
  type ErrorResponseOptions,
  errorResponse,
} from "./error-response.ts";
export { lazyRoute } from "./lazy-route.ts";
export { rejectNulInUrl } from "./reject-nul.ts";
export { requestLog } from "./request-log.ts";
export { keepOpen, pathOf } from "./request-path.ts";
export { type SocketSession, socketSessions } from "./socket-session.ts";
export { type StreamSource, sseResponse, streamSource } from "./sse-response.ts";
