export { DockerLogCollector } from "./collector/docker-collector.ts";
export { logLineView, logsRoutes } from "./http/contract.ts";
export { parseTimeBound } from "./http/time-bound.ts";
export { type Level, levelOfSeverityNumber, levels, parseLevel } from "./level.ts";
export type { LogRecord, LogSource, StoredLogRecord } from "./log-record.ts";
export { LogWriter } from "./log-writer.ts";
export { logsModule } from "./module.ts";
export type { LogQuery } from "./store/log-query.ts";
export { SqliteLogStore } from "./store/sqlite-store.ts";
