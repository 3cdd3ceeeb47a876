export {
  type BatchingOptions,
  type BatchWriter,
  type BatchWriterOptions,
  createBatchWriter,
} from "./batch-writer.ts";
export { int, quote } from "./literals.ts";
export {
  type ClickHouseConnection,
  ClickHouseUnavailableError,
  type OpenClickHouseOptions,
  openClickHouse,
} from "./open.ts";
export { selectRows } from "./select-rows.ts";
export {
  type ClickHouseTarget,
  checkDatabaseName,
  InvalidClickHouseUrlError,
  parseClickHouseUrl,
} from "./url.ts";
