export { appNameSchema } from "./app-name.ts";
export { gitBranchProblem, gitBranchSchema } from "./git-branch.ts";
export {
  type ClientEvent,
  type ClientInput,
  type ClientOutput,
  defineRoutes,
  type EventInput,
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
