export {
  type AllocatorTuningSkipped,
  allocatorEnv,
  allocatorReexecPlan,
  missingAllocatorSettings,
  type ReexecPlan,
  reexecWithAllocatorTuning,
} from "./allocator-tuning.ts";
export {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PierError,
  RateLimitedError,
  UnauthorizedError,
  ValidationError,
} from "./errors.ts";
export { dropExecutablePages, droppableExecutableRanges, type PageRange } from "./executable-pages.ts";
export { newId } from "./ids.ts";
export {
  createLogger,
  formatLogRecord,
  type LogFields,
  type Logger,
  type LogLevel,
  silentLogger,
} from "./logger.ts";
export { type Once, once } from "./once.ts";
export { pierVersion } from "./version.ts";
