export {
  assignListenFds,
  type ListenFds,
  PROXY_WORKER_ENTRYPOINT,
  type ProxyLog,
  type ProxyPool,
  type ProxyPoolOptions,
  ProxyStartError,
  proxyWorkerEntrypoint,
  RouteAckTimeoutError,
  startProxyPool,
} from "./main/proxy-pool.ts";
export { aggregateRequestRecords, type RequestMinuteAggregate } from "./main/record-aggregation.ts";
export { type RequestRecord, requestRecordSchema } from "./shared/request-record.ts";
export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_UPSTREAM_TIMEOUT_MS,
  type RouteSpec,
  type RouteSpecInput,
  routeSpecSchema,
} from "./shared/route-spec.ts";
export {
  buildRouteTable,
  type CompiledRoute,
  DuplicateRouteIdError,
  matchRoute,
  type RouteConflict,
  RouteConflictError,
  type RouteMatch,
  type RouteTable,
  resolveRouteConflicts,
} from "./shared/route-table.ts";
export type { Certificate } from "./shared/worker-messages.ts";
