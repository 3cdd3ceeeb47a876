export { appNameSchema } from "./app-name.ts";
export {
  type ClientInput,
  type ClientOutput,
  defineRoutes,
  type HttpMethod,
  isTimestamp,
  okResponse,
  type PathParams,
  type RouteAccess,
  type RouteDef,
  type RouteInput,
  type RouteKey,
  type RouteOf,
  type RouteResult,
  type RoutesOf,
  timestamp,
} from "./route.ts";
