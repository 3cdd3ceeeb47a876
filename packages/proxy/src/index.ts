export type { Certificate } from "./messages.ts";
export {
  PROXY_WORKER_ENTRYPOINT,
  type ProxyLog,
  type ProxyPool,
  type ProxyPoolOptions,
  ProxyStartError,
  proxyWorkerEntrypoint,
  RouteAckTimeoutError,
  startProxyPool,
} from "./pool.ts";
export {
  aggregateRequestRecords,
  type RequestMinuteAggregate,
  type RequestRecord,
  requestRecordSchema,
} from "./records.ts";
export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_UPSTREAM_TIMEOUT_MS,
  type RouteSpec,
  type RouteSpecInput,
  routeSpecSchema,
} from "./routeSpec.ts";
export {
  buildRouteTable,
  type CompiledRoute,
  checkRouteConflicts,
  DuplicateRouteIdError,
  matchRoute,
  RouteConflictError,
  type RouteMatch,
  type RouteTable,
} from "./routeTable.ts";
