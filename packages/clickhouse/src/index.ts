export { int, quote } from "./literals.ts";
export {
  type ClickHouseConnection,
  ClickHouseUnavailableError,
  type OpenClickHouseOptions,
  openClickHouse,
} from "./open.ts";
export {
  type ClickHouseTarget,
  checkDatabaseName,
  InvalidClickHouseUrlError,
  parseClickHouseUrl,
} from "./url.ts";
